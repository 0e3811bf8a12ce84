"""Reading a write's JSON body strictly (issue 18, point 4).

Python's own parser recurses once per level and accepts ``\\ud800`` (a lone surrogate that
no database and no UTF-8 text can hold), so both used to end as an HTML 500 deep inside
the request. Here a body is read once, before any handler sees it: it must be UTF-8, nest
at most :data:`MAX_DEPTH` levels, and hold no lone surrogate, in keys or values. A body
that breaks a rule is a 422 problem that says which rule.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from flask_babel import gettext as _

MAX_DEPTH = 32

# Strings are skipped whole (a bracket inside one does not nest), then only brackets count.
# Possessive, and an unclosed string runs to the end: no backtracking, one pass over the text.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)


class BodyRefused(ValueError):
    """The body breaks one of the rules; ``str(error)`` says which, for the problem."""


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays and objects inside each other. It
    stops at the first level too many, so a hostile body costs no more than its prefix."""
    depth = 0
    for match in _TOKENS.finditer(text):
        part = match.group()
        if part in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif part in ("]", "}"):
            depth -= 1
    return False


def parse(raw: bytes) -> Any:
    """The JSON value in ``raw``, or :class:`BodyRefused`; ``None`` when it is no JSON."""
    try:
        text = raw.decode("utf-8")  # strict: no invalid bytes, no encoded surrogates
    except UnicodeDecodeError:
        raise BodyRefused(_("The body must be UTF-8 text.")) from None
    if too_deep(text):
        raise BodyRefused(
            _("The body is nested too deeply: at most %(depth)s levels.", depth=MAX_DEPTH)
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BodyRefused(
            _("The body must be UTF-8 text: it holds a lone surrogate such as \\ud800.")
        ) from None
    return value


def read_body() -> Any:
    """The request's JSON body, ``None`` when it is not JSON, or :class:`BodyRefused`."""
    if not request.is_json:
        return None
    return parse(request.get_data(cache=True))
