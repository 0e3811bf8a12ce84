"""CSV cells that a spreadsheet opens as text, never as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice; a leading apostrophe keeps it text (OWASP, "CSV injection"). Every
CSV download of Consult writes its text cells through :func:`formula_safe`, or through
:func:`formula_safe_sql`, the same rule in SQL, when the rows are streamed straight from the
database; the JSON formats keep texts exactly as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run.

    Numbers stay numbers (a negative number is not a formula), so only strings change.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def formula_safe_sql(column: Any) -> ColumnElement[Any]:
    """:func:`formula_safe` in SQL, for a text column: the database writes the apostrophe,
    so a streamed export does no work per cell (NULL stays NULL)."""
    return case(
        (func.substr(column, 1, 1).in_(FORMULA_STARTS), literal("'", String) + column),
        else_=column,
    )
