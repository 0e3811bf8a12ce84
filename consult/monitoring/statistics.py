"""Figures per region for the national overview, the API and the open-data exports.

:func:`national_overview` gives one :class:`RegionRow` for every region in force today:
its current or last public consultation (open first, then scheduled, then the latest one
that closed; drafts are never public) with participation per stakeholder group, how much
of it was answered, how fast, and what was done with it. :func:`overview` gives the same
for every public consultation too (``/landelijk`` lists them all), with the day the region
promised its answers (late or not) and how many member councils adopted the regiovisie; a
consultation of a region that ended (merged or split) shows under its successor. Both run a
fixed number of queries (:data:`QUERY_COUNT`, eleven) however many regions, consultations
or comments there are (measured: 12 statements with BEGIN for 42 regions x 10
consultations).

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
from datetime import date, datetime, timedelta
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
from consult.regions.models import Region, RegionSuccession
from consult.regions.services import region_active_on
from consult.reports.models import ResponseReport
from consult.responses.models import Answer, AnsweredComment, AnswerState, Disposition
from consult.responses.queries import has_current_answer, needs_answer_clause
from consult.stakeholders.models import StakeholderGroup

# The number of SQL statements national_overview runs; the tests hold it to this.
QUERY_COUNT = 11

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
    # The day the region promised every answer, and today (both Amsterdam days).
    answers_due_on: date | None = None
    today: date | None = None
    # Member municipalities on the closing day, and the councils that adopted it.
    council_members: int = 0
    councils_adopted: int = 0
    # The region the consultation was held by, when it ended and this row shows it under
    # its successor (a merge or split): its name; None otherwise.
    held_by: str | None = None
    # Per stakeholder group id: days from closing to each first answer (for the medians).
    delays: dict[int, list[float]] = field(default_factory=dict)

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

    @property
    def waiting(self) -> int:
        return self.comments - self.answered

    @property
    def answers_overdue(self) -> bool:
        """The promised day passed and comments still wait (as responses.queries says)."""
        return (
            self.has_consultation
            and self.state in AFTER_CLOSING
            and self.answers_due_on is not None
            and self.today is not None
            and self.today > self.answers_due_on
            and self.waiting > 0
        )

    @property
    def days_overdue(self) -> int | None:
        if not self.answers_overdue:
            return None
        assert self.today is not None
        assert self.answers_due_on is not None
        return (self.today - self.answers_due_on).days

    @property
    def phase(self) -> int:
        """The list's order: open, upcoming, closed, overdue, answered, reactienota."""
        state = self.state
        if state is ConsultationState.OPEN:
            return 0
        if state is ConsultationState.SCHEDULED:
            return 1
        if self.answers_overdue:
            return 3
        if state is ConsultationState.CLOSED:
            return 2
        if state is ConsultationState.ANSWERED:
            return 4
        return 5 if state is ConsultationState.REPORT_PUBLISHED else 6

    def list_key(self) -> tuple[Any, ...]:
        """Within a phase: closing soonest, opening soonest, latest first, latest first."""
        c = self.consultation
        if c is None:
            return (6, 0.0, self.name)
        if self.phase == 0:
            return (0, c.closes_at.timestamp(), self.name)
        if self.phase == 1:
            return (1, c.opens_at.timestamp(), self.name)
        if self.phase == 3:
            return (3, -(self.days_overdue or 0), self.name)
        return (self.phase, -c.closes_at.timestamp(), self.name)

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
            "answers_due_on": self.answers_due_on.isoformat()
            if consultation and self.answers_due_on
            else None,
            "answers_overdue": self.answers_overdue if consultation else None,
            "days_overdue": self.days_overdue,
            "council_members": self.council_members if consultation else None,
            "councils_adopted": self.councils_adopted if consultation else None,
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
    "answers_due_on": "The day the region promised every answer (YYYY-MM-DD)",
    "answers_overdue": "Whether that day passed while comments still wait for an answer",
    "days_overdue": "Days since the promised day, while overdue; empty otherwise",
    "council_members": "Member municipalities of the region on the closing day",
    "councils_adopted": "Municipal councils that adopted the regiovisie (with or without "
    "amendments)",
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


def region_rank(row: RegionRow) -> tuple[int, float, int]:
    """A region's row on the map: its consultation's rank; none ranks lowest."""
    return _rank(row.consultation) if row.consultation else (0, 0.0, 0)


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


@dataclass
class Overview:
    """What ``/landelijk`` shows: every region in force (each with its current or last
    consultation, for the map and the downloads) and every public consultation."""

    regions: list[RegionRow]
    consultations: list[RegionRow]
    groups: list[GroupInfo]
    # Shape code of an ended region -> the regions in force that continue it (for the map).
    continued_by: dict[str, list[RegionRow]] = field(default_factory=dict)


def national_overview(session: Session, now: datetime) -> list[RegionRow]:
    """Every region in force at ``now``, ordered by code, with its consultation's figures."""
    return overview(session, now).regions


def _successors(
    session: Session, day: date
) -> tuple[dict[int, list[int]], dict[int, tuple[str, str, str]]]:
    """Region id -> the ids of the regions in force on ``day`` that continue it (following
    a chain of merges and splits), and id -> (code, name, provinces) of every region."""
    everything = session.execute(
        select(Region.id, Region.code, Region.name, Region.provinces, Region.valid_to)
    ).all()
    successions = session.execute(
        select(RegionSuccession.predecessor_id, RegionSuccession.successor_id).where(
            RegionSuccession.effective_on <= day
        )
    ).all()
    following: dict[int, list[int]] = defaultdict(list)
    for predecessor, successor in successions:
        following[predecessor].append(successor)
    ended = {r.id for r in everything if r.valid_to is not None and r.valid_to <= day}
    result: dict[int, list[int]] = {}
    for region in everything:
        if region.id not in ended:
            continue
        seen: list[int] = []
        todo = list(following.get(region.id, []))
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.append(current)
            if current in ended:
                todo.extend(following.get(current, []))
        result[region.id] = [r for r in seen if r not in ended]
    info = {r.id: (r.code, r.name, r.provinces) for r in everything}
    return result, info


def _provinces(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def overview(session: Session, now: datetime) -> Overview:
    """The whole national overview in a fixed number of queries (:data:`QUERY_COUNT`).

    A consultation of a region that has ended (merged or split) shows under the region(s)
    in force that continue it, so its figures are not lost when the map changes."""
    from consult.consultations.council import council_progress

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
            provinces=_provinces(r.provinces),
            groups=[GroupFigures(group=g) for g in groups],
            today=day,
        )
        for r in regions
    }
    successors, info = _successors(session, day)

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
            Consultation.answers_due_on,
            Region.answer_weeks,
            closed_at,
        )
        .join(Region, Region.id == Consultation.region_id)
        .where(Consultation.state != ConsultationState.DRAFT)
    ).all()
    by_consultation: dict[int, RegionRow] = {}
    for c in consultations:
        if c.region_id in rows:
            shown_under, held_by = rows[c.region_id], None
        elif successors.get(c.region_id):
            shown_under, held_by = rows[successors[c.region_id][0]], info[c.region_id][1]
        else:
            continue  # a region that ended without a successor: not on today's overview
        closing_day = _amsterdam_day(c.closes_at)
        row = RegionRow(
            region_id=shown_under.region_id, code=shown_under.code, name=shown_under.name,
            provinces=shown_under.provinces, groups=[GroupFigures(group=g) for g in groups],
            consultation=ConsultationSummary(
                id=c.id, slug=c.slug, title=c.title, state=c.state, opens_at=c.opens_at,
                closes_at=c.closes_at,
                closed_at=c.closed_at or (c.closes_at if c.state in AFTER_CLOSING else None),
            ),
            days_left=_days_left(c.closes_at, now) if c.state is ConsultationState.OPEN else None,
            answers_due_on=c.answers_due_on or closing_day + timedelta(weeks=c.answer_weeks),
            today=day, held_by=held_by,
        )  # fmt: skip
        by_consultation[c.id] = row
    ids = list(by_consultation)
    figures = {
        (consultation_id, f.group.id): f
        for consultation_id, row in by_consultation.items()
        for f in row.groups
    }
    _fill_figures(session, ids, groups, figures, by_consultation)
    progress = council_progress(session, consultations)
    for consultation_id, row in by_consultation.items():
        row.council_members = progress[consultation_id].members
        row.councils_adopted = progress[consultation_id].adopted

    # Each region's current or last consultation (its own or a predecessor's).
    chosen: dict[int, RegionRow] = {}
    for row in by_consultation.values():
        current = chosen.get(row.region_id)
        if current is None or _rank(row.consultation) > _rank(current.consultation):
            chosen[row.region_id] = row
    region_rows = [chosen.get(region_id, row) for region_id, row in rows.items()]
    listed = sorted(by_consultation.values(), key=RegionRow.list_key)
    continued_by = {
        info[old][0]: [rows[new] for new in news] for old, news in successors.items() if news
    }
    return Overview(
        regions=region_rows, consultations=listed, groups=groups, continued_by=continued_by
    )


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
        select(
            Comment.consultation_id, Submission.stakeholder_group_id, func.min(Answer.published_at)
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .join(AnsweredComment, AnsweredComment.comment_id == Comment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            Comment.consultation_id.in_(ids),
            needs_answer_clause(),
            has_current_answer(),
            Answer.state == AnswerState.PUBLISHED,
        )
        .group_by(Comment.consultation_id, Submission.stakeholder_group_id, Comment.id)
    ).all()
    delays: dict[int, list[float]] = defaultdict(list)
    for consultation_id, group_id, published_at in first_published:
        row = by_consultation[consultation_id]
        summary = row.consultation
        assert summary is not None
        closed = summary.closed_at or summary.closes_at
        delay = max(0.0, (published_at - closed).total_seconds() / SECONDS_PER_DAY)
        delays[consultation_id].append(delay)
        row.delays.setdefault(group_id, []).append(delay)
    for consultation_id, values in delays.items():
        by_consultation[consultation_id].median_days_to_answers = stats.median(values)

    published = session.scalars(
        select(ResponseReport.consultation_id)
        .where(ResponseReport.consultation_id.in_(ids), ResponseReport.published_at.is_not(None))
        .distinct()
    ).all()
    for consultation_id in published:
        by_consultation[consultation_id].report_published = True


# -- comparing regions per stakeholder group ----------------------------------------------------


@dataclass
class Comparison:
    """One region's figures for one stakeholder group (or all groups), over every public
    consultation it (or the region it continues) held."""

    code: str
    name: str
    comments: int = 0
    answered: int = 0
    adopted: int = 0
    delays: list[float] = field(default_factory=list)

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.comments if self.comments else None

    @property
    def share_adopted(self) -> float | None:
        return self.adopted / self.answered if self.answered else None

    @property
    def median_days(self) -> float | None:
        return stats.median(self.delays) if self.delays else None


def compare_regions(rows: list[RegionRow], group_id: int | None) -> list[Comparison]:
    """Per region with comments (by name): share answered, median days to answer and share
    adopted, of one stakeholder group (None: every group). No query: the rows hold it."""
    found: dict[str, Comparison] = {}
    for row in rows:
        item = found.setdefault(row.code, Comparison(code=row.code, name=row.name))
        for figures in row.groups:
            if group_id is not None and figures.group.id != group_id:
                continue
            item.comments += figures.comments
            item.answered += figures.answered
            item.adopted += figures.adopted
        for delay_group, values in row.delays.items():
            if group_id is None or delay_group == group_id:
                item.delays.extend(values)
    return sorted(
        (item for item in found.values() if item.comments), key=lambda c: c.name.casefold()
    )


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
    "compare_regions",
    "export_columns",
    "national_overview",
    "overview",
    "provinces_of",
    "stakeholder_groups",
]
