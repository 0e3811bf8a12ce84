"""The Lundy checklist: what a region did for each of the four elements of participation.

Laura Lundy's model asks whether children and young people had Space (a safe, inclusive
opportunity to form a view), Voice (help to express it), Audience (someone with the power
to act listened) and Influence (it was acted upon, and they were told what happened). The
figures in the reactienota answer part of that; the region's own account, with links as
evidence, answers the rest. One statement per consultation and element; an element without
a statement is "not filled in yet".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum

# What a statement may hold; the database checks the text's length too.
MAX_STATEMENT_LENGTH = 4000
MAX_LINKS = 10
MAX_LINK_TITLE_LENGTH = 200
MAX_LINK_URL_LENGTH = 2000


class LundyElement(LabelledEnum):
    SPACE = "space", _l("Space")
    VOICE = "voice", _l("Voice")
    AUDIENCE = "audience", _l("Audience")
    INFLUENCE = "influence", _l("Influence")

    @property
    def english(self) -> str:
        """The English name, untranslated: what the language-neutral reactienota JSON holds."""
        return self.name.capitalize()

    @property
    def explanation(self) -> str:
        """One line, after DOMAIN.md: what the element asks."""
        return str(_EXPLANATIONS[self])

    @property
    def prompt(self) -> str:
        """The hint for the official who fills it in."""
        return str(_PROMPTS[self])


_EXPLANATIONS = {
    LundyElement.SPACE: _l(
        "Children and young people had a safe place, open to everyone, to form their view."
    ),
    LundyElement.VOICE: _l("They got help to give their view."),
    LundyElement.AUDIENCE: _l("Someone who can decide listened to them."),
    LundyElement.INFLUENCE: _l("Something was done with their view, and they were told what."),
}

_PROMPTS = {
    LundyElement.SPACE: _l(
        "For example: sessions at schools or youth centres, information in plain language, "
        "a place that is easy to reach."
    ),
    LundyElement.VOICE: _l(
        "For example: a youth worker who helped, questions in simple words, other ways than "
        "writing (drawing, talking, a video)."
    ),
    LundyElement.AUDIENCE: _l(
        "For example: an alderman or the regional board who met the young people, or read "
        "their comments."
    ),
    LundyElement.INFLUENCE: _l(
        "For example: what changed in the regiovisie, and how the young people heard about it "
        "(a letter, a visit, a video)."
    ),
}


class LundyStatement(Base):
    """The region's own account of one Lundy element of one consultation.

    ``evidence_links`` is a list of ``{"title": ..., "url": ...}`` with http(s) addresses
    only (checked by :func:`consult.participation.services.checked_statement`).
    Statements may change until the first reactienota edition is published; that edition
    keeps a copy in its content, so what was published never changes.
    """

    __tablename__ = "lundy_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    element: Mapped[LundyElement] = enum_column(LundyElement)
    what_we_did: Mapped[str] = mapped_column(Text)
    evidence_links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("consultation_id", "element"),
        CheckConstraint(
            f"length(what_we_did) BETWEEN 1 AND {MAX_STATEMENT_LENGTH}",
            name="what_we_did_length",
        ),
    )
