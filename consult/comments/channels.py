"""How a comment found its way in: the channel code a poster's link carries (``?via=``).

A region hangs posters with a QR code in schools, youth centres and waiting rooms; each
poster's link says where it hung (``?via=school``, or a code of the official's own, such
as ``?via=obs-de-linde``). The code is remembered in the visitor's session for that one
consultation, carried by the comment form, and stored on the submission. Only the code is
kept: not who, not when they came, not from where. An unknown or malformed code is
ignored, never an error: a link someone typed wrong still leads to the plan.

The participation page counts reactions per channel. Codes of our own list are shown
there by their label; codes of the region's own are counted together on the public page
(anyone can type a code into a link, so its text is not shown to the public) and one by
one on the officials' poster page.
"""

from __future__ import annotations

import re

from flask import session
from flask_babel import lazy_gettext as _l

from consult.enums import LabelledEnum

# What a code may be: short, lower case, digits and hyphens; the column holds 30.
CODE = re.compile(r"[a-z0-9-]{1,30}")
MAX_LENGTH = 30
# The session key: {consultation slug: code}, for the last few consultations only.
SESSION_KEY = "consult_via"
REMEMBERED = 5
QUERY_ARGUMENT = "via"


class Channel(LabelledEnum):
    """The places a region hangs a poster; ``OWN`` stands for a code of the region's own."""

    POSTER = "poster", _l("A poster (no place given)")
    SCHOOL = "school", _l("School")
    YOUTH_CENTRE = "jongerencentrum", _l("Youth centre")
    WAITING_ROOM = "wachtkamer", _l("Waiting room")


OWN = "eigen"


def normalise(value: object) -> str | None:
    """The code when it is one (any case, spaces around it), else None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    return code if CODE.fullmatch(code) else None


def is_listed(code: str) -> bool:
    return code in {channel.value for channel in Channel}


def label(code: str) -> str:
    """The channel's name on a page: its label, or the region's own code as it is."""
    for channel in Channel:
        if channel.value == code:
            return str(channel.label)
    return code


def remember(slug: str, value: object) -> str | None:
    """Keep a valid code from a link for this consultation; returns what was kept."""
    code = normalise(value)
    if code is None:
        return None
    remembered = {k: v for k, v in dict(session.get(SESSION_KEY) or {}).items() if k != slug}
    remembered[slug] = code
    session[SESSION_KEY] = dict(list(remembered.items())[-REMEMBERED:])
    return code


def remembered(slug: str) -> str | None:
    """The code this visitor arrived with for this consultation, if any."""
    return normalise((session.get(SESSION_KEY) or {}).get(slug))


def arrived_with(slug: str, sent: object) -> str | None:
    """The code of a submission: what the form carried, else what the session holds."""
    return normalise(sent) or remembered(slug)
