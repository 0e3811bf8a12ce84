"""Figures per region for the national overview, the API and the open-data exports.

:func:`national_overview` gives one :class:`RegionRow` for every region in force today:
its current or last public consultation (open first, then scheduled, then the latest one
that closed; drafts are never public) with participation per stakeholder group, how much
of it was answered, how fast, and what was done with it. It runs a fixed number of queries
(seven) however many regions, consultations or comments there are.

Definitions (also in the export's column list, :data:`EXPORT_COLUMNS`):

- *submissions*: confirmed submissions; *comments*: comments in confirmed submissions
  that were not withdrawn (the comments that need an answer, as in
  :func:`consult.responses.queries.needs_answer_clause`).
- *answered*: comments with a published answer that no correction replaced.
- *share answered*: answered / comments (None without comments).
- *median days to answers*: per comment, the days from the moment the consultation
  closed (its state change; the planned closing moment if none is recorded) to the first
  publication of an answer to it; the median over the consultation's answered comments.
- *share adopted*: comments whose current answer says "adopted" or "partly adopted",
  divided by the answered comments (None while nothing is answered).
"""

from __future__ import annotations

import math
import statistics as stats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from consult.comments.models import Comment, Submission, SubmissionState
from consult.consultations.models import (
    AFTER_CLOSING,
    Consultation,
    ConsultationState,
    StateChange,
)
from consult.regions.models import Region
from consult.regions.services import region_active_on
from consult.reports.models import ResponseReport
from consult.responses.models import Answer, AnsweredComment, AnswerState, Disposition
from consult.responses.queries import has_current_answer, needs_answer_clause
from consult.stakeholders.models import StakeholderGroup

# The number of SQL statements national_overview runs; the tests hold it to this.
QUERY_COUNT = 7

ADOPTING = (Disposition.ADOPTED, Disposition.PARTLY_ADOPTED)
SECONDS_PER_DAY = 86400


def _amsterdam_day(moment: datetime) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Amsterdam")).date()


@dataclass(frozen=True)
class GroupInfo:
    id: int
    code: str
    label_nl: str
    label_en: str

    def label_for(self, locale: str) -> str:
        return self.label_nl if locale == "nl" else self.label_en


@dataclass
class GroupFigures:
    """Participation and outcome of one stakeholder group in one consultation."""

    group: GroupInfo
    submissions: int = 0
    comments: int = 0
    answered: int = 0
    adopted: int = 0

    @property
    def share_adopted(self) -> float | None:
        return self.adopted / self.answered if self.answered else None


@dataclass(frozen=True)
class ConsultationSummary:
    id: int
    slug: str
    title: str
    state: ConsultationState
    opens_at: datetime
    closes_at: datetime
    # When it actually closed (None while scheduled or open).
    closed_at: datetime | None = None


@dataclass
class RegionRow:
    region_id: int
    code: str
    name: str
    provinces: tuple[str, ...]
    consultation: ConsultationSummary | None = None
    # Whole days until the closing moment (rounded up) while open; None otherwise.
    days_left: int | None = None
    groups: list[GroupFigures] = field(default_factory=list)
    median_days_to_answers: float | None = None
    report_published: bool = False

    @property
    def has_consultation(self) -> bool:
        return self.consultation is not None

    @property
    def state(self) -> ConsultationState | None:
        return self.consultation.state if self.consultation else None

    @property
    def submissions(self) -> int:
        return sum(g.submissions for g in self.groups)

    @property
    def comments(self) -> int:
        return sum(g.comments for g in self.groups)

    @property
    def answered(self) -> int:
        return sum(g.answered for g in self.groups)

    @property
    def adopted(self) -> int:
        return sum(g.adopted for g in self.groups)

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.comments if self.comments else None

    @property
    def share_adopted(self) -> float | None:
        return self.adopted / self.answered if self.answered else None

    def closes_within(self, days: int) -> bool:
        return self.days_left is not None and self.days_left <= days

    def as_export(self) -> dict[str, Any]:
        """Flat fields for CSV and JSON Lines, in :func:`export_columns` order."""
        consultation = self.consultation
        row: dict[str, Any] = {
            "region_code": self.code,
            "region_name": self.name,
            "provinces": "; ".join(self.provinces),
            "consultation_slug": consultation.slug if consultation else None,
            "consultation_title": consultation.title if consultation else None,
            "state": consultation.state.value if consultation else None,
            "opens_at": consultation.opens_at.isoformat() if consultation else None,
            "closes_at": consultation.closes_at.isoformat() if consultation else None,
            "days_left": self.days_left,
            # Empty (not 0) for a region without a public consultation.
            "submissions": self.submissions if consultation else None,
            "comments": self.comments if consultation else None,
            "answered": self.answered if consultation else None,
            "share_answered": _rounded(self.share_answered),
            "median_days_to_answers": _rounded(self.median_days_to_answers, 1),
            "share_adopted": _rounded(self.share_adopted),
            "reactienota_published": self.report_published,
        }
        for figures in self.groups:
            code = figures.group.code
            row[f"submissions_{code}"] = figures.submissions if consultation else None
            row[f"comments_{code}"] = figures.comments if consultation else None
            row[f"answered_{code}"] = figures.answered if consultation else None
            row[f"share_adopted_{code}"] = _rounded(figures.share_adopted)
        return row


# Column name -> description, for the documentation of the exports and the API.
EXPORT_COLUMNS: dict[str, str] = {
    "region_code": "CBS code of the youth region (JZ01 ...)",
    "region_name": "Name of the region",
    "provinces": "Province(s), separated by '; '",
    "consultation_slug": "Address of the current or last public consultation; empty if none",
    "consultation_title": "Title of that consultation",
    "state": "scheduled, open, closed, answered or report_published; empty if none",
    "opens_at": "Opening moment (ISO 8601, UTC)",
    "closes_at": "Closing moment (ISO 8601, UTC)",
    "days_left": "Whole days until closing while open; empty otherwise",
    "submissions": "Confirmed submissions",
    "comments": "Comments in confirmed submissions, not withdrawn",
    "answered": "Comments with a current published answer",
    "share_answered": "answered / comments (0..1)",
    "median_days_to_answers": "Median days from closing to the first published answer",
    "share_adopted": "Answered comments adopted or partly adopted / answered (0..1)",
    "reactienota_published": "Whether an edition of the reactienota is published",
}
GROUP_COLUMNS: dict[str, str] = {
    "submissions_{code}": "Confirmed submissions from this stakeholder group",
    "comments_{code}": "Comments from this stakeholder group",
    "answered_{code}": "Answered comments from this stakeholder group",
    "share_adopted_{code}": "Share adopted or partly adopted of this group's answered comments",
}


def export_columns(groups: Iterable[GroupInfo]) -> list[str]:
    columns = list(EXPORT_COLUMNS)
    for group in groups:
        columns += [name.format(code=group.code) for name in GROUP_COLUMNS]
    return columns


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# -- choosing each region's consultation ---------------------------------------------------


def _rank(consultation: Any) -> tuple[int, float, int]:
    """Higher is preferred: open, then scheduled (the soonest to open), then the latest closed."""
    if consultation.state is ConsultationState.OPEN:
        return (3, consultation.opens_at.timestamp(), consultation.id)
    if consultation.state is ConsultationState.SCHEDULED:
        return (2, -consultation.opens_at.timestamp(), -consultation.id)
    return (1, consultation.closes_at.timestamp(), consultation.id)


def _days_left(closes_at: datetime, now: datetime) -> int:
    return max(0, math.ceil((closes_at - now).total_seconds() / SECONDS_PER_DAY))


# -- the overview --------------------------------------------------------------------------


def stakeholder_groups(session: Session) -> list[GroupInfo]:
    return [
        GroupInfo(id=row.id, code=row.code, label_nl=row.label_nl, label_en=row.label_en)
        for row in session.execute(
            select(
                StakeholderGroup.id,
                StakeholderGroup.code,
                StakeholderGroup.label_nl,
                StakeholderGroup.label_en,
            ).order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    ]


def national_overview(session: Session, now: datetime) -> list[RegionRow]:
    """Every region in force at ``now``, ordered by code, with its consultation's figures."""
    day = _amsterdam_day(now)
    groups = stakeholder_groups(session)
    regions = session.execute(
        select(Region.id, Region.code, Region.name, Region.provinces)
        .where(region_active_on(day))
        .order_by(Region.code)
    ).all()
    rows = {
        r.id: RegionRow(
            region_id=r.id,
            code=r.code,
            name=r.name,
            provinces=tuple(p.strip() for p in r.provinces.split(";") if p.strip()),
            groups=[GroupFigures(group=g) for g in groups],
        )
        for r in regions
    }

    # The moment it really closed (the clock or an official); the planned one if it never did.
    closed_at = (
        select(func.min(StateChange.changed_at))
        .where(
            StateChange.consultation_id == Consultation.id,
            StateChange.to_state == ConsultationState.CLOSED,
        )
        .scalar_subquery()
        .label("closed_at")
    )
    consultations = session.execute(
        select(
            Consultation.id,
            Consultation.region_id,
            Consultation.slug,
            Consultation.title,
            Consultation.state,
            Consultation.opens_at,
            Consultation.closes_at,
            closed_at,
        ).where(
            Consultation.state != ConsultationState.DRAFT,
            Consultation.region_id.in_(select(Region.id).where(region_active_on(day))),
        )
    ).all()
    chosen: dict[int, Any] = {}
    for consultation in consultations:
        current = chosen.get(consultation.region_id)
        if current is None or _rank(consultation) > _rank(current):
            chosen[consultation.region_id] = consultation
    by_consultation: dict[int, RegionRow] = {}
    for region_id, c in chosen.items():
        row = rows[region_id]
        row.consultation = ConsultationSummary(
            id=c.id, slug=c.slug, title=c.title, state=c.state, opens_at=c.opens_at,
            closes_at=c.closes_at,
            closed_at=c.closed_at or (c.closes_at if c.state in AFTER_CLOSING else None),
        )  # fmt: skip
        if c.state is ConsultationState.OPEN:
            row.days_left = _days_left(c.closes_at, now)
        by_consultation[c.id] = row
    ids = list(by_consultation)
    figures = {
        (row.consultation.id, f.group.id): f  # type: ignore[union-attr]
        for row in by_consultation.values()
        for f in row.groups
    }
    _fill_figures(session, ids, groups, figures, by_consultation)
    return list(rows.values())


def _fill_figures(
    session: Session,
    ids: list[int],
    groups: list[GroupInfo],
    figures: dict[tuple[int, int], GroupFigures],
    by_consultation: dict[int, RegionRow],
) -> None:
    """Four GROUP BY queries, always run (an empty IN list is fine), so the count is fixed."""
    known = {g.id for g in groups}

    submissions = session.execute(
        select(Submission.consultation_id, Submission.stakeholder_group_id, func.count())
        .where(
            Submission.consultation_id.in_(ids),
            Submission.state == SubmissionState.CONFIRMED,
        )
        .group_by(Submission.consultation_id, Submission.stakeholder_group_id)
    ).all()
    for consultation_id, group_id, count in submissions:
        if group_id in known:
            figures[(consultation_id, group_id)].submissions = count

    current = Answer.is_current
    adopted_current = (
        select(AnsweredComment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id == Comment.id, current, Answer.disposition.in_(ADOPTING))
        .exists()
    )
    comments = session.execute(
        select(
            Comment.consultation_id,
            Submission.stakeholder_group_id,
            func.count(Comment.id),
            func.sum(case((has_current_answer(), 1), else_=0)),
            func.sum(case((adopted_current, 1), else_=0)),
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.consultation_id.in_(ids), needs_answer_clause())
        .group_by(Comment.consultation_id, Submission.stakeholder_group_id)
    ).all()
    for consultation_id, group_id, count, answered, adopted in comments:
        if group_id in known:
            item = figures[(consultation_id, group_id)]
            item.comments, item.answered, item.adopted = count, answered or 0, adopted or 0

    # The first publication of an answer to each answered comment (a correction later does
    # not make the region's answer later), only for comments that have a current answer.
    first_published = session.execute(
        select(Comment.consultation_id, func.min(Answer.published_at))
        .join(Submission, Submission.id == Comment.submission_id)
        .join(AnsweredComment, AnsweredComment.comment_id == Comment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            Comment.consultation_id.in_(ids),
            needs_answer_clause(),
            has_current_answer(),
            Answer.state == AnswerState.PUBLISHED,
        )
        .group_by(Comment.consultation_id, Comment.id)
    ).all()
    delays: dict[int, list[float]] = defaultdict(list)
    for consultation_id, published_at in first_published:
        summary = by_consultation[consultation_id].consultation
        assert summary is not None
        closed = summary.closed_at or summary.closes_at
        delays[consultation_id].append(
            max(0.0, (published_at - closed).total_seconds() / SECONDS_PER_DAY)
        )
    for consultation_id, values in delays.items():
        by_consultation[consultation_id].median_days_to_answers = stats.median(values)

    published = session.scalars(
        select(ResponseReport.consultation_id)
        .where(ResponseReport.consultation_id.in_(ids), ResponseReport.published_at.is_not(None))
        .distinct()
    ).all()
    for consultation_id in published:
        by_consultation[consultation_id].report_published = True


def provinces_of(rows: Iterable[RegionRow]) -> list[str]:
    return sorted({p for row in rows for p in row.provinces})


PUBLIC_STATES = tuple(s for s in ConsultationState if s is not ConsultationState.DRAFT)
__all__ = [
    "AFTER_CLOSING",
    "EXPORT_COLUMNS",
    "PUBLIC_STATES",
    "ConsultationSummary",
    "GroupFigures",
    "GroupInfo",
    "RegionRow",
    "export_columns",
    "national_overview",
    "provinces_of",
    "stakeholder_groups",
]
