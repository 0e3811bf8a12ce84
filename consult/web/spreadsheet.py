"""CSV cells that a spreadsheet opens as text, never as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice; a leading apostrophe keeps it text (OWASP, "CSV injection"). Every
CSV download of Consult writes its text cells through :func:`formula_safe`; the JSON
formats keep texts exactly as they are.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run.

    Numbers stay numbers (a negative number is not a formula), so only strings change.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
