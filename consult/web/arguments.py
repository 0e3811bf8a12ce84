"""Numbers read from a query string, within the range the database can compare.

``request.args.get("pagina", 1, type=int)`` turns ``?pagina=99999999999999999999`` into a
Python int that neither SQLite (``OverflowError``) nor PostgreSQL (``bigint out of range``)
accepts as a parameter: a 500 for anyone who edits the address. Pass ``type=whole_number``
instead: a value out of range counts as absent (Werkzeug drops a ``ValueError``), so the
view falls back to its default, as it does for ``?pagina=abc``.
"""

from __future__ import annotations

from math import ceil

from flask import request

# The largest id of an INTEGER primary key on PostgreSQL; no page number or id is larger.
LARGEST = 2**31 - 1


def whole_number(text: str) -> int:
    """``text`` as an int between -LARGEST and LARGEST; ValueError otherwise."""
    number = int(text)
    if not -LARGEST <= number <= LARGEST:
        raise ValueError(f"{text!r} is out of range")
    return number


def page_number() -> int:
    """The page asked for with ``?pagina=`` (1 when absent, wrong or out of range)."""
    return max(request.args.get("pagina", 1, type=whole_number) or 1, 1)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill (at least one, for the empty state)."""
    return max(ceil(total / per_page), 1)
