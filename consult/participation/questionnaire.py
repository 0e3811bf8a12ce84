"""Questionnaire results: per question, how many people chose each option, per stakeholder
group and per age band, with small cells suppressed.

One function, :func:`results`, makes the figures for every place that shows them: the
participation page, the reactienota (its content holds them, so an edition never changes)
and the API (``/api/v1/consultations/{slug}/questionnaire``). They can never disagree, and
none of them can show a figure this module did not release.

Who counts: the people of confirmed submissions that were not withdrawn and whose personal
data were not erased. Withdrawal is per comment; a submission counts as withdrawn when it
had comments and every one of them was withdrawn (its answers came with what the sender
took back). A submission without comments (only answers) cannot be withdrawn. A hidden
comment does not stop the answers from counting: moderation hides, it never removes.

Counting is one ``GROUP BY`` over (question, stakeholder group, age band, stored value):
a choice is stored as its option number, a multiple choice as the sorted list of option
numbers, a scale as 1 to 5. Python only adds up those few rows, so the number of queries
is at most five, whatever the number of submissions.

**Small-cell suppression.** Every figure is a cell: the number of people in a row (a
stakeholder group, an age band, everyone) that answered the question, and the number of
them that chose an option. The rules, applied to every question separately:

1. *Primary*: a cell with fewer than :data:`MINIMUM` (5) people, zero included, is not
   shown; it says "fewer than 5" (``fewer_than_5``).
2. *Differencing*: the cells are tied together by sums: everyone = the sum of the
   groups, the young people of all age bands = the sum of the bands = the sum of the
   groups that are asked their age band (per column), and, for a choice or a scale (one
   answer per person), a row's people = the sum of its options. For every such sum:
   when exactly one of its cells (the total or one part) is not shown, it could be worked
   out from the others; and when the total is shown, the hidden parts together could be
   worked out, so they must add up to at least :data:`MINIMUM`. Either way another part
   is not shown either (the smallest shown part; the total when no part is left). Such a
   cell says "not shown" (``not_shown``): it holds 5 or more people.
3. Rule 2 repeats until no sum changes, so a cell hidden for one sum is accounted for in
   the others.
4. A percentage is shown only when both its count and the row's number of people are
   shown (a percentage and its count give the row's size).
5. *Check as a reader would* (:func:`worked_out`): knowing every shown figure, that a
   "fewer than 5" cell is 0 to 4 and a "not shown" one 5 or more, a reader narrows each
   hidden cell's range through the sums, again and again. Where a "fewer than 5" cell
   comes out at one exact value, one more figure in a sum it is in is not shown, and
   rules 2 to 5 run again. A range narrower than 0 to 4 may remain; an exact figure not.

Rows are the groups and age bands with at least one person who answered the
questionnaire, so a row does not come and go between questions. People who skipped one
question are not treated as a cell.

Open answers are published only for people who agreed to publish their text
(``publish_text``, the same consent as for their comments), and only from submissions that
count, none of whose comments the moderator hid. They are shown without group, age or
name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Text, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from consult.comments.models import (
    Comment,
    QuestionAnswer,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.consultations.models import Consultation, Question, QuestionKind
from consult.stakeholders.models import AgeBand, StakeholderGroup

MINIMUM = 5
FEWER_THAN_MINIMUM = "fewer_than_5"
NOT_SHOWN = "not_shown"
SCALE = ("1", "2", "3", "4", "5")


def counted_clause() -> Any:
    """The submissions whose answers count: confirmed, not withdrawn, not erased."""
    erased = exists().where(
        SubmissionContact.submission_id == Submission.id,
        SubmissionContact.erased_at.is_not(None),
    )
    any_comment = exists().where(Comment.submission_id == Submission.id)
    kept_comment = exists().where(
        Comment.submission_id == Submission.id, Comment.withdrawn_at.is_(None)
    )
    return and_(
        Submission.state == SubmissionState.CONFIRMED,
        ~erased,
        or_(~any_comment, kept_comment),
    )


def publishable_text_clause() -> Any:
    """Of the counted submissions, those whose open answers may be published."""
    hidden = exists().where(Comment.submission_id == Submission.id, Comment.hidden_at.is_not(None))
    return and_(counted_clause(), Submission.publish_text.is_(True), ~hidden)


# -- cells and their suppression -----------------------------------------------------------------


@dataclass(eq=False)
class Cell:
    count: int
    hidden: str | None = None

    def __post_init__(self) -> None:
        if self.count < MINIMUM:
            self.hidden = FEWER_THAN_MINIMUM


@dataclass(eq=False)
class _Row:
    people: Cell
    options: list[Cell] = field(default_factory=list)

    def cells(self) -> list[Cell]:
        return [self.people, *self.options]


def _row(people: int, chosen: list[int]) -> _Row:
    return _Row(Cell(people), [Cell(n) for n in chosen])


def _sum_rows(rows: list[_Row], width: int) -> _Row:
    return _row(
        sum(r.people.count for r in rows),
        [sum(r.options[i].count for r in rows) for i in range(width)],
    )


def _hide_one_more(total: Cell, parts: list[Cell]) -> bool:
    """Hide the smallest shown part of a sum, or its total when no part is shown."""
    shown = [p for p in parts if not p.hidden]
    if shown:
        min(shown, key=lambda p: p.count).hidden = NOT_SHOWN
        return True
    if not total.hidden:
        total.hidden = NOT_SHOWN
        return True
    return False


def _differencing(sums: list[tuple[Cell, list[Cell]]]) -> bool:
    """Rule 2 once over every sum; True when it hid something."""
    changed = False
    for total, parts in sums:
        if not parts:
            continue
        hidden_parts = [p for p in parts if p.hidden]
        hidden = len(hidden_parts) + (1 if total.hidden else 0)
        if hidden == 0:
            continue
        leaks = hidden == 1 or (not total.hidden and sum(p.count for p in hidden_parts) < MINIMUM)
        if leaks and _hide_one_more(total, parts):
            changed = True
    return changed


def worked_out(sums: list[tuple[Cell, list[Cell]]]) -> list[Cell]:
    """The cells of fewer than 5 that a reader can still work out exactly.

    The reader's side (rule 5): every shown cell is known; a "fewer than 5" cell lies
    between 0 and 4, a "not shown" one at 5 or more. Each sum narrows its cells' ranges
    (a part lies between the total's least minus the others' most and the total's most
    minus the others' least), over and over, until nothing narrows any more.
    """
    cells = {id(c): c for total, parts in sums for c in (total, *parts)}
    most = sum(c.count for c in cells.values()) + 1
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for key, c in cells.items():
        if c.hidden is None:
            low[key] = high[key] = c.count
        elif c.hidden == FEWER_THAN_MINIMUM:
            low[key], high[key] = 0, MINIMUM - 1
        else:
            low[key], high[key] = MINIMUM, most
    for _round in range(100):
        narrowed = False
        for total, parts in sums:
            if not parts:
                continue
            t = id(total)
            members = [id(p) for p in parts]
            parts_low = sum(low[m] for m in members)
            parts_high = sum(high[m] for m in members)
            if parts_low > low[t] or parts_high < high[t]:
                low[t], high[t] = max(low[t], parts_low), min(high[t], parts_high)
                narrowed = True
            for m in members:
                least = low[t] - (parts_high - high[m])
                greatest = high[t] - (parts_low - low[m])
                if least > low[m] or greatest < high[m]:
                    low[m], high[m] = max(low[m], least), min(high[m], greatest)
                    narrowed = True
                parts_low = sum(low[x] for x in members)
                parts_high = sum(high[x] for x in members)
        if not narrowed:
            break
    return [
        c for key, c in cells.items() if c.hidden == FEWER_THAN_MINIMUM and low[key] == high[key]
    ]


def suppress(sums: list[tuple[Cell, list[Cell]]]) -> None:
    """Rules 2 to 5 of the module's docstring, on ``sums`` of (total, parts)."""
    while True:
        while _differencing(sums):
            pass
        exposed = worked_out(sums)
        if not exposed:
            return
        changed = False
        for cell in exposed:
            for total, parts in sums:
                member = cell is total or any(cell is p for p in parts)
                if member and _hide_one_more(total, parts):
                    changed = True
                    break
        if not changed:  # pragma: no cover - everything that could be hidden is
            return


def _cell_data(cell: Cell, whole: Cell | None = None) -> dict[str, Any]:
    if cell.hidden:
        return {"count": None, "share": None, "suppressed": cell.hidden}
    share = None
    if whole is not None and not whole.hidden and whole.count:
        share = round(cell.count / whole.count, 4)
    return {"count": cell.count, "share": share, "suppressed": None}


def _row_data(row: _Row) -> dict[str, Any]:
    return {
        "respondents": _cell_data(row.people),
        "options": [_cell_data(c, row.people) for c in row.options],
    }


def age_band_label(code: str | None) -> str:
    """An age band's code in words; None: the sender was asked, but did not say."""
    return AgeBand(code).label if code else _("age not given")


# -- the results ---------------------------------------------------------------------------------


def option_labels(question: Question) -> list[str]:
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return [str(option) for option in question.options]
    if question.kind is QuestionKind.SCALE:
        return list(SCALE)
    return []


def _chosen(kind: QuestionKind, stored: str, width: int) -> list[int]:
    """The option positions (from 0) in one stored answer; nothing that is out of range."""
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return []
    values = value if isinstance(value, list) else [value]
    offset = 1 if kind is QuestionKind.SCALE else 0
    return [
        v - offset
        for v in values
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v - offset < width
    ]


def _question_results(
    question: Question,
    raw: dict[tuple[int, AgeBand | None], tuple[int, list[int]]],
    group_order: list[tuple[int, str, bool]],
    bands: list[AgeBand | None],
    texts: list[str],
) -> dict[str, Any]:
    labels = option_labels(question)
    width = len(labels)
    by_group: dict[int, list[tuple[int, list[int]]]] = defaultdict(list)
    by_band: dict[AgeBand | None, list[tuple[int, list[int]]]] = defaultdict(list)
    asks_band = {gid for gid, _code, asks in group_order if asks}
    for (gid, band), figures in raw.items():
        by_group[gid].append(figures)
        if gid in asks_band:
            by_band[band].append(figures)

    def row_of(parts: list[tuple[int, list[int]]]) -> _Row:
        return _row(sum(p for p, _c in parts), [sum(c[i] for _p, c in parts) for i in range(width)])

    group_rows = [(code, row_of(by_group[gid])) for gid, code, _asks in group_order]
    asks = [a for _gid, _code, a in group_order]
    asked_rows = [r for (_c, r), a in zip(group_rows, asks, strict=True) if a]
    everyone = _sum_rows([r for _c, r in group_rows], width)
    band_rows = [(band, row_of(by_band[band])) for band in bands]
    young = _sum_rows([r for _b, r in band_rows], width) if band_rows else None

    sums: list[tuple[Cell, list[Cell]]] = []
    columns = width + 1
    for j in range(columns):
        sums.append((everyone.cells()[j], [r.cells()[j] for _c, r in group_rows]))
        if young is not None:
            sums.append((young.cells()[j], [r.cells()[j] for _b, r in band_rows]))
            sums.append((young.cells()[j], [r.cells()[j] for r in asked_rows]))
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.SCALE):
        rows = [everyone, *(r for _c, r in group_rows), *(r for _b, r in band_rows)]
        rows += [young] if young is not None else []
        sums += [(row.people, row.options) for row in rows]
    suppress(sums)

    return {
        "number": question.position,
        "kind": question.kind.value,
        "text": question.text,
        "options": labels,
        "all": _row_data(everyone),
        "by_group": [{"group": code, **_row_data(row)} for code, row in group_rows],
        "by_age_band": [
            {"age_band": band.value if band else None, **_row_data(row)} for band, row in band_rows
        ],
        "age_bands_all": _row_data(young) if young is not None else None,
        "texts": texts,
    }


def results(session: Session, consultation: Consultation) -> dict[str, Any]:
    """The questionnaire's results as plain data (JSON), with every small cell suppressed.

    ``questions`` is empty for a consultation without a questionnaire. At most five queries.
    """
    questions = list(
        session.scalars(
            select(Question)
            .where(Question.consultation_id == consultation.id)
            .order_by(Question.position)
        )
    )
    if not questions:
        return {"minimum": MINIMUM, "respondents": _cell_data(Cell(0)), "questions": []}
    stored = case(
        (Question.kind == QuestionKind.OPEN_TEXT, literal("")),
        else_=cast(QuestionAnswer.value, Text),
    )
    counted = session.execute(
        select(
            QuestionAnswer.question_id,
            Submission.stakeholder_group_id,
            Submission.age_band,
            stored,
            func.count(QuestionAnswer.id),
        )
        .join(Submission, Submission.id == QuestionAnswer.submission_id)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(
            Question.consultation_id == consultation.id,
            Submission.consultation_id == consultation.id,
            counted_clause(),
        )
        .group_by(
            QuestionAnswer.question_id,
            Submission.stakeholder_group_id,
            Submission.age_band,
            stored,
        )
    ).all()
    respondents = session.scalar(
        select(func.count(func.distinct(QuestionAnswer.submission_id)))
        .join(Submission, Submission.id == QuestionAnswer.submission_id)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(Question.consultation_id == consultation.id, counted_clause())
    )
    open_ids = [q.id for q in questions if q.kind is QuestionKind.OPEN_TEXT]
    texts: dict[int, list[str]] = defaultdict(list)
    if open_ids:
        for question_id, value in session.execute(
            select(QuestionAnswer.question_id, QuestionAnswer.value)
            .join(Submission, Submission.id == QuestionAnswer.submission_id)
            .where(QuestionAnswer.question_id.in_(open_ids), publishable_text_clause())
            .order_by(QuestionAnswer.id)
        ):
            if isinstance(value, str) and value.strip():
                texts[question_id].append(value.strip())

    kinds = {q.id: (q.kind, len(option_labels(q))) for q in questions}
    raw: dict[int, dict[tuple[int, AgeBand | None], tuple[int, list[int]]]] = defaultdict(dict)
    seen_groups: set[int] = set()
    for question_id, group_id, band, value, count in counted:
        kind, width = kinds[question_id]
        people, chosen = raw[question_id].get((group_id, band), (0, [0] * width))
        chosen = list(chosen)
        for index in _chosen(kind, value, width) if width else []:
            chosen[index] += count
        raw[question_id][(group_id, band)] = (people + count, chosen)
        seen_groups.add(group_id)

    groups = session.execute(
        select(StakeholderGroup.id, StakeholderGroup.code, StakeholderGroup.asks_age_band)
        .where(StakeholderGroup.id.in_(seen_groups or {-1}))
        .order_by(StakeholderGroup.position, StakeholderGroup.id)
    ).all()
    group_order = [(row.id, row.code, bool(row.asks_age_band)) for row in groups]
    # Bands among the groups that are asked one; "not given" last (none for the others).
    band_groups = {gid for gid, _c, asks in group_order if asks}
    band_seen = {band for rows in raw.values() for (gid, band) in rows if gid in band_groups}
    bands: list[AgeBand | None] = [b for b in AgeBand if b in band_seen]
    if None in band_seen:
        bands.append(None)
    return {
        "minimum": MINIMUM,
        "respondents": _cell_data(Cell(int(respondents or 0))),
        "questions": [
            _question_results(q, raw[q.id], group_order, bands, texts.get(q.id, []))
            for q in questions
        ],
    }
