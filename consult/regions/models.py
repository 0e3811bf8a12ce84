"""Youth regions (jeugdregio's), municipalities and their dated membership.

Regions split and merge (Flevoland split in 2025), so membership is never overwritten:
a membership ends on a date and a new one starts, and a :class:`RegionSuccession` says
which region became which. Everything that happened to a region stays readable.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum

# A region answers a consultation's comments within this many weeks after it closes,
# unless it chooses otherwise (at most half a year: a promise further away means little).
DEFAULT_ANSWER_WEEKS = 8
MAX_ANSWER_WEEKS = 26


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    provinces: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # May the person who drafted an answer also approve it? Off unless the region decides
    # otherwise; the reactienota says so when it is on.
    allow_self_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How many weeks after closing the region promises to answer every comment, unless it
    # states another date for a consultation (DEFAULT_ANSWER_WEEKS when it never chose).
    answer_weeks: Mapped[int] = mapped_column(
        default=DEFAULT_ANSWER_WEEKS, server_default=text(str(DEFAULT_ANSWER_WEEKS))
    )

    memberships: Mapped[list[RegionMembership]] = relationship(
        back_populates="region", order_by="RegionMembership.valid_from"
    )

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
        CheckConstraint(
            f"answer_weeks BETWEEN 1 AND {MAX_ANSWER_WEEKS}", name="answer_weeks_in_range"
        ),
    )

    def is_active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name!r}>"


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(100))
    # Other names people type ("Den Haag" for 's-Gravenhage), separated by "; ".
    aliases: Mapped[str] = mapped_column(String(400), default="")
    # The name and aliases folded to lower-case ASCII letters and digits, for search.
    search_key: Mapped[str] = mapped_column(Text, index=True)

    memberships: Mapped[list[RegionMembership]] = relationship(back_populates="municipality")

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name!r}>"


class RegionMembership(Base):
    """A municipality belongs to a region from ``valid_from`` up to (not including) ``valid_to``."""

    __tablename__ = "region_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    region: Mapped[Region] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality] = relationship(back_populates="memberships")

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
        # A municipality is in at most one region at a time without an end date: a split
        # or merge ends the old membership before the new one starts.
        Index(
            "uq_region_memberships_open_municipality",
            "municipality_id",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    def is_active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class SuccessionKind(LabelledEnum):
    SPLIT = "split", _l("split")
    MERGE = "merge", _l("merger")


class RegionSuccession(Base):
    """``predecessor`` was (partly) continued by ``successor`` from ``effective_on``."""

    __tablename__ = "region_successions"

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[SuccessionKind] = enum_column(SuccessionKind)
    effective_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    predecessor: Mapped[Region] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Region] = relationship(foreign_keys=[successor_id])

    __table_args__ = (CheckConstraint("predecessor_id <> successor_id", name="distinct_regions"),)


class RegionTerm(Base):
    """A word of the region's own (voorliggend veld, bekostiging, ambulant) and its plain
    explanation, in Dutch like the plan. The public plan explains it where it first
    appears (``public/glossary.explain_region_terms``, at render time: the stored text of a
    version is never changed)."""

    __tablename__ = "region_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(80))
    explanation: Mapped[str] = mapped_column(String(400))

    __table_args__ = (
        Index("uq_region_terms_region_term", "region_id", "term", unique=True),
        CheckConstraint("length(term) > 0", name="term_not_empty"),
        CheckConstraint("length(explanation) > 0", name="explanation_not_empty"),
    )
