"""Tracking codes: short enough to read out on the phone, hard to guess, self-checking.

Ten random symbols from Crockford's base32 (50 bits) and one check symbol (the number mod
37, Crockford's check alphabet), shown as ``K7QX-M2PA-9RT``. Reading is forgiving: case,
spaces and dashes do not matter, and O/I/L are read as 0/1/1. A typo in one symbol, or two
neighbours swapped, is caught by the check symbol before any database lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
RANDOM_SYMBOLS = 10
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_symbol(symbols: str) -> str:
    number = 0
    for symbol in symbols:
        number = number * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[number % 37]


def new_tracking_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return symbols + _check_symbol(symbols)


def normalise(text: str) -> str | None:
    """The canonical code for what someone typed, or None when it cannot be a valid code."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != RANDOM_SYMBOLS + 1:
        return None
    symbols, check = compact[:-1], compact[-1]
    if any(s not in ALPHABET for s in symbols) or check not in CHECK_ALPHABET:
        return None
    return compact if _check_symbol(symbols) == check else None


def display(code: str) -> str:
    """``K7QXM2PA9RT`` -> ``K7QX-M2PA-9RT``."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
