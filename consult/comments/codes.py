"""Tracking codes: short enough to read out on the phone, hard to guess, self-checking.

Ten random symbols from Crockford's base32 (50 bits) and two check symbols from the same
alphabet (the number mod 1021, written as two base-32 digits), shown as ``K7QX-M2PA-9R2N``.
Only digits and capitals, so nothing odd to spell out. Reading is forgiving: case, spaces
and dashes do not matter, and O/I/L are read as 0/1/1.

1021 is a prime larger than 32 and not dividing 31 or 33, so the check catches, before any
database lookup, every typo in one symbol and every swap of two different neighbours
(a test tries them all on many codes).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 10
CHECK_SYMBOLS = 2
LENGTH = RANDOM_SYMBOLS + CHECK_SYMBOLS
CHECK_MODULUS = 1021
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _number(symbols: str) -> int:
    number = 0
    for symbol in symbols:
        number = number * 32 + ALPHABET.index(symbol)
    return number


def check_symbols(symbols: str) -> str:
    """The two check symbols of ten random ones."""
    high, low = divmod(_number(symbols) % CHECK_MODULUS, 32)
    return ALPHABET[high] + ALPHABET[low]


def new_tracking_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return symbols + check_symbols(symbols)


def normalise(text: str) -> str | None:
    """The canonical code for what someone typed, or None when it cannot be a valid code."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != LENGTH or any(s not in ALPHABET for s in compact):
        return None
    symbols, check = compact[:RANDOM_SYMBOLS], compact[RANDOM_SYMBOLS:]
    return compact if check_symbols(symbols) == check else None


def display(code: str) -> str:
    """``K7QXM2PA9R2N`` -> ``K7QX-M2PA-9R2N``."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
