"""The reactienota: its content, built from the database, and its editions.

The content of an edition is plain data (a dict that is also the JSON export), taken once
when the official generates the edition. The HTML page, the PDF, the CSV and the JSON are
all made from that dict, never from the database again, so a published edition shows the
same thing for ever; a correction is a new edition with a note saying what changed.

The content is language-neutral: codes for dispositions, age bands and reasons, both
names of every stakeholder group, moments in UTC. The pages put them in words in the
reader's language.

Privacy is decided here, in SQL, so the renderers never see what may not be published:
texts come out of the database only for comments that are public (confirmed, consented,
not withdrawn, not hidden), a name only with consent and never for someone under 16 or
after erasure (the rule of :func:`consult.comments.services.public_name`), and email
addresses, attachments and the texts of the questionnaire are never selected at all.

Every count is a ``GROUP BY`` in the database; Python only arranges the rows it gets back,
so 20,000 comments take seconds (``bench/report.py`` measures it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from consult import signals
from consult.comments import codes
from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.comments.text import excerpt
from consult.consultations import lifecycle
from consult.consultations.models import (
    ClosingChange,
    Consultation,
    ConsultationState,
    InvitedGroup,
    StateChange,
)
from consult.db import utcnow
from consult.documents import paragraphs
from consult.documents.models import Document, DocumentVersion, Section
from consult.ledger import canonical
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.canonical import moment
from consult.ledger.models import ActorRole, EventKind
from consult.organisations.models import Organisation
from consult.participation import questionnaire
from consult.participation import services as participation
from consult.permissions import Actor
from consult.regions.models import Municipality, Region
from consult.reports.models import ReportFile, ResponseReport
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerNotice,
    AnswerSection,
    AnswerState,
    CommentGroup,
    CommentGroupMember,
    Disposition,
)
from consult.responses.queries import needs_answer_clause
from consult.stakeholders.models import AgeBand, StakeholderGroup

SCHEMA_VERSION = 1
MAX_NOTE_LENGTH = 2000

# An edition can be made once no more comments come in; it is published once every
# comment is answered (the first edition) or while the report is out (a correction).
GENERATING_STATES = frozenset(
    {ConsultationState.CLOSED, ConsultationState.ANSWERED, ConsultationState.REPORT_PUBLISHED}
)
UNDER_16 = (AgeBand.UNDER_12, AgeBand.FROM_12_TO_15)
YOUNG_PERSON = "young_person"
# Dispositions that mean "the regiovisie changed because of this comment".
ADOPTING = (Disposition.ADOPTED.value, Disposition.PARTLY_ADOPTED.value)


class ReportError(ValueError):
    """A step the reactienota rules do not allow; ``message`` is translated, for the official.

    ``field`` names the form field the problem belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# -- canonical JSON ------------------------------------------------------------------------------


def content_hash(content: dict[str, Any]) -> str:
    """The fingerprint of an edition's content (its JSON file's SHA-256)."""
    return canonical.digest(content, fast=True)


# -- the content ---------------------------------------------------------------------------------


def _current_answers(consultation_id: int) -> Any:
    """Subquery: each comment's current (published, not superseded) answer."""
    return (
        select(
            AnsweredComment.comment_id.label("comment_id"),
            func.min(Answer.id).label("answer_id"),
        )
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            Answer.consultation_id == consultation_id,
            Answer.is_current,
        )
        .group_by(AnsweredComment.comment_id)
        .subquery("current_answer")
    )


def _published_text() -> Any:
    """SQL condition (on Comment joined to Submission): the comment's text may be quoted.

    ``Comment.is_public`` says so already; the conditions behind it are checked again here,
    so a stale flag can never put a hidden or unconsented text in a public report.
    """
    return and_(
        Comment.is_public.is_(True),
        Comment.hidden_at.is_(None),
        Comment.withdrawn_at.is_(None),
        Submission.publish_text.is_(True),
        Submission.state == SubmissionState.CONFIRMED,
    )


def _answerable(consultation_id: int) -> Any:
    """WHERE clause for the comments that need an answer (joined to their submission)."""
    return and_(Comment.consultation_id == consultation_id, needs_answer_clause())


@dataclass
class _Bucket:
    """The comments of one section that one answer covers (or that wait for an answer)."""

    comments: int = 0
    not_published: int = 0
    hidden: int = 0


def _process(session: Session, consultation: Consultation) -> dict[str, Any]:
    cid = consultation.id
    document = session.get(Document, consultation.version.document_id)
    region = session.get(Region, consultation.region_id)
    invited = session.scalars(
        select(StakeholderGroup.code)
        .join(InvitedGroup, InvitedGroup.stakeholder_group_id == StakeholderGroup.id)
        .where(InvitedGroup.consultation_id == cid)
        .order_by(StakeholderGroup.position, StakeholderGroup.id)
    ).all()
    changes = session.execute(
        select(
            ClosingChange.old_closes_at,
            ClosingChange.new_closes_at,
            ClosingChange.reason,
            ClosingChange.changed_at,
        )
        .where(ClosingChange.consultation_id == cid)
        .order_by(ClosingChange.id)
    ).all()
    moments = dict(
        session.execute(
            select(StateChange.to_state, func.min(StateChange.changed_at))
            .where(StateChange.consultation_id == cid)
            .group_by(StateChange.to_state)
        ).all()
    )

    def first(state: ConsultationState) -> str | None:
        at = moments.get(state)
        return moment(at) if at is not None else None

    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "region": {"code": region.code, "name": region.name} if region else None,
        "document": {"id": document.id, "title": document.title} if document else None,
        "version": {
            "number": consultation.version.number,
            "content_hash": consultation.version.content_hash,
        },
        "opens_at": moment(consultation.opens_at),
        "closes_at": moment(consultation.closes_at),
        "opened_at": first(ConsultationState.OPEN),
        "closed_at": first(ConsultationState.CLOSED),
        "answered_at": first(ConsultationState.ANSWERED),
        "closing_changes": [
            {
                "from": moment(old),
                "to": moment(new),
                "changed_at": moment(at),
                "reason": reason or "",
            }
            for old, new, reason, at in changes
        ],
        "invited_groups": list(invited),
    }


def _moderation(session: Session, consultation_id: int) -> dict[str, Any]:
    answerable = _answerable(consultation_id)
    by_reason = session.execute(
        select(Comment.hidden_reason, func.count(Comment.id))
        .join(Submission, Submission.id == Comment.submission_id)
        .where(answerable, Comment.hidden_at.is_not(None))
        .group_by(Comment.hidden_reason)
    ).all()
    withdrawn = session.scalar(
        select(func.count(Comment.id))
        .join(Submission, Submission.id == Comment.submission_id)
        .where(
            Comment.consultation_id == consultation_id,
            Submission.state == SubmissionState.CONFIRMED,
            Comment.withdrawn_at.is_not(None),
        )
    )
    reasons = sorted(
        ({"reason": r.value if r else "other", "comments": int(n)} for r, n in by_reason),
        key=lambda row: (-row["comments"], row["reason"]),
    )
    return {
        "hidden": sum(row["comments"] for row in reasons),
        "by_reason": reasons,
        "withdrawn": int(withdrawn or 0),
    }


def _next_version(
    session: Session, consultation: Consultation
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """The next version in figures, and per anchor of the consulted version what became of it."""
    later = lifecycle.next_version(session, consultation)
    if later is None:
        return None, {}
    old = (
        select(
            Section.anchor.label("anchor"),
            Section.heading.label("heading"),
            Section.body_html.label("body"),
        )
        .where(Section.version_id == consultation.version_id)
        .subquery("old")
    )
    rows = session.execute(
        select(
            Section.anchor,
            Section.number,
            Section.heading,
            old.c.anchor.is_not(None),
            case(
                (and_(old.c.heading == Section.heading, old.c.body == Section.body_html), True),
                else_=False,
            ),
        )
        .outerjoin(old, old.c.anchor == Section.anchor)
        .where(Section.version_id == later.id)
        .order_by(Section.position)
    ).all()
    kept = {
        anchor: {
            "number": number,
            "heading": heading,
            "status": "unchanged" if same else "changed",
        }
        for anchor, number, heading, existed, same in rows
        if existed
    }
    added = sum(1 for *_, existed, _same in rows if not existed)
    consulted = session.scalar(
        select(func.count(Section.id)).where(Section.version_id == consultation.version_id)
    )
    return (
        {
            "number": later.number,
            "content_hash": later.content_hash,
            "published": later.is_locked,
            "changed_sections": sum(1 for v in kept.values() if v["status"] == "changed"),
            "added_sections": added,
            "removed_sections": int(consulted or 0) - len(kept),
        },
        kept,
    )


def _answers(
    session: Session, consultation_id: int, current: Any
) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """Every published answer of the consultation by id, and the comments of current ones."""
    answers = {
        row.id: row
        for row in session.execute(
            select(
                Answer.id,
                Answer.disposition,
                Answer.reason,
                Answer.published_at,
                Answer.supersedes_id,
                Answer.correction_note,
                Answer.self_approved,
                Answer.superseded_at,
            ).where(
                Answer.consultation_id == consultation_id, Answer.state == AnswerState.PUBLISHED
            )
        )
    }
    covered = dict(
        session.execute(
            select(current.c.answer_id, func.count(Comment.id))
            .select_from(Comment)
            .join(Submission, Submission.id == Comment.submission_id)
            .join(current, current.c.comment_id == Comment.id)
            .where(_answerable(consultation_id))
            .group_by(current.c.answer_id)
        ).all()
    )
    result = {}
    for answer_id in covered:
        row = answers[answer_id]
        earlier = answers.get(row.supersedes_id) if row.supersedes_id else None
        result[answer_id] = {
            "disposition": row.disposition.value,
            "reason": row.reason or "",
            "published_at": moment(row.published_at),
            "self_approved": bool(row.self_approved),
            "correction": (
                {
                    "note": row.correction_note or "",
                    "replaces": {
                        "disposition": earlier.disposition.value,
                        "reason": earlier.reason or "",
                        "published_at": moment(earlier.published_at),
                    },
                }
                if earlier is not None
                else None
            ),
        }
    return result, {k: int(v) for k, v in covered.items()}


def _changed_sections(
    session: Session, consultation_id: int, current: Any, answer_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per current answer: the later sections it points to, each "changed after N comments"."""
    if not answer_ids:
        return {}
    counts = dict(
        session.execute(
            select(AnswerSection.section_id, func.count(distinct(Comment.id)))
            .join(current, current.c.answer_id == AnswerSection.answer_id)
            .join(Comment, Comment.id == current.c.comment_id)
            .join(Submission, Submission.id == Comment.submission_id)
            .where(_answerable(consultation_id))
            .group_by(AnswerSection.section_id)
        ).all()
    )
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer_id, section_id, anchor, number, heading, version in session.execute(
        select(
            AnswerSection.answer_id,
            Section.id,
            Section.anchor,
            Section.number,
            Section.heading,
            DocumentVersion.number,
        )
        .join(Section, Section.id == AnswerSection.section_id)
        .join(DocumentVersion, DocumentVersion.id == Section.version_id)
        .where(AnswerSection.answer_id.in_(answer_ids))
        .order_by(AnswerSection.answer_id, DocumentVersion.number, Section.position)
    ):
        links[answer_id].append(
            {
                "version": version,
                "anchor": anchor,
                "number": number or "",
                "heading": heading,
                "comments": int(counts.get(section_id, 0)),
            }
        )
    return links


def _statistics(
    session: Session, consultation_id: int, current: Any, groups: dict[int, str]
) -> dict[str, Any]:
    """Dispositions per stakeholder group: were young people's comments adopted as often?"""
    rows = session.execute(
        select(Submission.stakeholder_group_id, Answer.disposition, func.count(Comment.id))
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .outerjoin(current, current.c.comment_id == Comment.id)
        .outerjoin(Answer, Answer.id == current.c.answer_id)
        .where(_answerable(consultation_id))
        .group_by(Submission.stakeholder_group_id, Answer.disposition)
    ).all()
    table: dict[int, dict[str, int]] = defaultdict(dict)
    for group_id, disposition, count in rows:
        key = disposition.value if disposition is not None else "unanswered"
        table[group_id][key] = int(count)
    order = [d.value for d in Disposition]

    def line(counts: dict[str, int]) -> dict[str, Any]:
        return {
            "total": sum(counts.values()),
            "counts": {d: counts.get(d, 0) for d in order},
            "unanswered": counts.get("unanswered", 0),
        }

    overall: dict[str, int] = defaultdict(int)
    for counts in table.values():
        for key, count in counts.items():
            overall[key] += count
    return {
        "dispositions": order,
        "by_group": [
            {"group": code, **line(table[gid])} for gid, code in groups.items() if gid in table
        ],
        "all": line(overall),
    }


def _comment_rows(session: Session, consultation_id: int, current: Any) -> list[Any]:
    """One row per comment that needs an answer, with only what may be published.

    The text, the name and the organisation are NULL unless the comment is public; the
    name also needs consent and someone of 16 or older whose contact data was not erased.
    """
    public = _published_text()
    may_name = and_(
        public,
        Submission.publish_name.is_(True),
        SubmissionContact.erased_at.is_(None),
        or_(Submission.age_band.is_(None), Submission.age_band.not_in(UNDER_16)),
    )
    return session.execute(
        select(
            Comment.id.label("id"),
            Comment.section_id.label("section_id"),
            Comment.position.label("position"),
            Comment.paragraph.label("paragraph"),
            Submission.tracking_code.label("code"),
            Submission.stakeholder_group_id.label("group_id"),
            case((public, Submission.age_band), else_=None).label("age_band"),
            case((public, Municipality.name), else_=None).label("municipality"),
            case((public, func.coalesce(Organisation.name, Submission.organisation_name))).label(
                "organisation"
            ),
            case((public, Submission.organisation_verified), else_=False).label("verified"),
            case((may_name, SubmissionContact.display_name), else_=None).label("name"),
            case((public, Comment.body), else_=None).label("text"),
            Comment.hidden_at.is_not(None).label("hidden"),
            public.label("public"),
            current.c.answer_id.label("answer_id"),
            CommentGroupMember.group_id.label("group"),
            CommentGroup.representative_id.label("representative_id"),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .outerjoin(SubmissionContact, SubmissionContact.submission_id == Submission.id)
        .outerjoin(Municipality, Municipality.id == Submission.municipality_id)
        .outerjoin(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(current, current.c.comment_id == Comment.id)
        .outerjoin(CommentGroupMember, CommentGroupMember.comment_id == Comment.id)
        .outerjoin(CommentGroup, CommentGroup.id == CommentGroupMember.group_id)
        .where(_answerable(consultation_id))
        .order_by(Submission.tracking_code, Comment.position)
    ).all()


QUOTED_PARAGRAPH_WORDS = 40


def _paragraph_texts(session: Session, version_id: int) -> dict[str, str]:
    """Per paragraph anchor of the consulted version, its text (for the quotes)."""
    texts: dict[str, str] = {}
    for body_html, anchors in session.execute(
        select(Section.body_html, Section.paragraph_anchors).where(Section.version_id == version_id)
    ):
        texts.update(paragraphs.paragraphs_of(body_html, anchors))
    return texts


def _item(
    row: Any,
    groups: dict[int, str],
    near_identical: int = 0,
    quotes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A quoted comment; one on a paragraph also quotes that paragraph (shortened). The
    key is there only then, so an edition without such comments is as before."""
    item = _plain_item(row, groups, near_identical)
    if row.paragraph and quotes and row.paragraph in quotes:
        item["paragraph"] = {
            "anchor": row.paragraph,
            "text": excerpt(quotes[row.paragraph], QUOTED_PARAGRAPH_WORDS),
        }
    return item


def _plain_item(row: Any, groups: dict[int, str], near_identical: int = 0) -> dict[str, Any]:
    return {
        "code": codes.display(row.code),
        "comment": row.position,
        "group": groups[row.group_id],
        "age_band": row.age_band.value if row.age_band is not None else None,
        "municipality": row.municipality,
        "organisation": (
            {"name": row.organisation, "verified": bool(row.verified)} if row.organisation else None
        ),
        "name": row.name or None,
        "text": row.text,
        "near_identical": near_identical,
    }


def _bucket_items(
    rows: list[Any], groups: dict[int, str], quotes: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The public comments of one bucket; near-identical ones (one comment group) as one item.

    The text shown for a group is its representative's when that one is public and in this
    bucket, otherwise the first public member's: always a text whose sender consented.
    """
    items: list[tuple[int, dict[str, Any]]] = []
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        if row.group is None:
            items.append((row.id, _item(row, groups, quotes=quotes)))
        else:
            grouped[row.group].append(row)
    for members in grouped.values():
        members.sort(key=lambda r: r.id)
        shown = next((r for r in members if r.id == r.representative_id), members[0])
        items.append(
            (shown.id, _item(shown, groups, near_identical=len(members) - 1, quotes=quotes))
        )
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


def build_content(
    session: Session,
    consultation: Consultation,
    *,
    edition: int = 1,
    correction_note: str = "",
) -> dict[str, Any]:
    """The whole reactienota of ``consultation`` as data (see docs/reactienota.md)."""
    cid = consultation.id
    group_rows = session.execute(
        select(
            StakeholderGroup.id,
            StakeholderGroup.code,
            StakeholderGroup.label_nl,
            StakeholderGroup.label_en,
        ).order_by(StakeholderGroup.position, StakeholderGroup.id)
    ).all()
    groups = {row.id: row.code for row in group_rows}
    current = _current_answers(cid)

    sections = session.execute(
        select(Section.id, Section.anchor, Section.number, Section.heading, Section.level)
        .where(Section.version_id == consultation.version_id)
        .order_by(Section.position)
    ).all()
    # One GROUP BY gives every per-section figure: comments per group, per answer, and how
    # many of them have no published text (hidden, or no consent).
    figures = session.execute(
        select(
            Comment.section_id,
            current.c.answer_id,
            Submission.stakeholder_group_id,
            Comment.is_public,
            Submission.publish_text,
            Comment.hidden_at.is_not(None),
            func.count(Comment.id),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .outerjoin(current, current.c.comment_id == Comment.id)
        .where(_answerable(cid))
        .group_by(
            Comment.section_id,
            current.c.answer_id,
            Submission.stakeholder_group_id,
            Comment.is_public,
            Submission.publish_text,
            Comment.hidden_at.is_not(None),
        )
    ).all()
    answers, covered = _answers(session, cid, current)
    changed = _changed_sections(session, cid, current, list(answers))
    next_figures, next_by_anchor = _next_version(session, consultation)
    rows = _comment_rows(session, cid, current)
    quotes = _paragraph_texts(session, consultation.version_id)

    per_section_group: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    buckets: dict[int | None, dict[int | None, _Bucket]] = defaultdict(dict)
    for section_id, answer_id, group_id, is_public, consented, hidden, count in figures:
        per_section_group[section_id][group_id] += count
        bucket = buckets[section_id].setdefault(answer_id, _Bucket())
        bucket.comments += count
        if hidden:
            bucket.hidden += count
        elif not (is_public and consented):  # the same rule as _published_text()
            bucket.not_published += count
    public_rows: dict[tuple[int | None, int | None], list[Any]] = defaultdict(list)
    for row in rows:
        if row.public:
            public_rows[(row.section_id, row.answer_id)].append(row)

    refs: dict[int, int] = {}
    section_entries = []
    ordered = [(None, None, "", None, 1), *sections]
    for section_id, anchor, number, heading, level in ordered:
        section_buckets = buckets.get(section_id, {})
        if section_id is None and not section_buckets:
            continue
        answered = sorted(
            ((a, b) for a, b in section_buckets.items() if a is not None),
            key=lambda pair: (-pair[1].comments, pair[0]),
        )
        entry_answers = []
        for answer_id, bucket in answered:
            ref = refs.setdefault(answer_id, len(refs) + 1)
            entry_answers.append(
                {
                    "answer": ref,
                    "comments": bucket.comments,
                    "not_published": bucket.not_published,
                    "hidden": bucket.hidden,
                    "items": _bucket_items(public_rows[(section_id, answer_id)], groups, quotes),
                }
            )
        waiting = section_buckets.get(None)
        section_entries.append(
            {
                "anchor": anchor,
                "number": number or "",
                "heading": heading,
                "level": level,
                "comments": sum(b.comments for b in section_buckets.values()),
                "by_group": [
                    {"group": code, "comments": per_section_group[section_id][gid]}
                    for gid, code in groups.items()
                    if per_section_group[section_id].get(gid)
                ],
                "answers": entry_answers,
                "unanswered": (
                    {
                        "comments": waiting.comments,
                        "not_published": waiting.not_published,
                        "hidden": waiting.hidden,
                        "items": _bucket_items(public_rows[(section_id, None)], groups, quotes),
                    }
                    if waiting is not None
                    else None
                ),
                "next_version": (
                    next_by_anchor.get(anchor, {"status": "removed"})
                    if next_figures is not None and anchor is not None
                    else None
                ),
            }
        )

    answer_list = [
        {
            "ref": ref,
            **answers[answer_id],
            "comments": covered.get(answer_id, 0),
            "changed_sections": changed.get(answer_id, []),
        }
        for answer_id, ref in sorted(refs.items(), key=lambda pair: pair[1])
    ]
    anchors = {s.id: s.anchor for s in sections}
    appendix = [
        {
            "code": codes.display(row.code),
            "comment": row.position,
            "section": anchors.get(row.section_id) if row.section_id is not None else None,
            "group": groups[row.group_id],
            "disposition": (
                answers[row.answer_id]["disposition"] if row.answer_id in answers else None
            ),
            "answer": refs.get(row.answer_id) if row.answer_id is not None else None,
            "text_status": "hidden" if row.hidden else "published" if row.public else "withheld",
            "text": row.text,
        }
        for row in rows
    ]

    process = _process(session, consultation)
    reach = participation.reach_figures(session, cid, groups)
    moderation = _moderation(session, cid)
    activities = participation.activity_figures(session, cid)
    answers_to_questions = questionnaire.results(session, consultation)
    statistics = _statistics(session, cid, current, groups)
    self_approved = sum(a["comments"] for a in answer_list if a["self_approved"])
    notified = session.scalar(
        select(func.count(distinct(AnswerNotice.submission_id)))
        .join(Submission, Submission.id == AnswerNotice.submission_id)
        .where(Submission.consultation_id == cid)
    )
    answered_total = reach["comments"] - statistics["all"]["unanswered"]
    young = next((g for g in statistics["by_group"] if g["group"] == YOUNG_PERSON), None)
    young_reach = next((g for g in reach["by_group"] if g["group"] == YOUNG_PERSON), None)
    under_16 = sum(
        row["comments"] for row in reach["by_age_band"] if AgeBand(row["age_band"]).under_16
    )
    allow_self_approval = bool(consultation.region.allow_self_approval)

    used_groups = {g["group"] for g in reach["by_group"]} | set(process["invited_groups"])
    used_groups |= {p["group"] for a in activities for p in a["participants"]}
    used_groups |= {g["group"] for q in answers_to_questions["questions"] for g in q["by_group"]}
    return {
        "schema_version": SCHEMA_VERSION,
        "edition": edition,
        "correction_note": correction_note,
        "consultation": process,
        "stakeholder_groups": [
            {"code": row.code, "label_nl": row.label_nl, "label_en": row.label_en}
            for row in group_rows
            if row.code in used_groups
        ],
        "channels": {
            "online": {"submissions": reach["submissions"], "comments": reach["comments"]},
            "offline": {
                "activities": len(activities),
                "participants": sum(a["total"] for a in activities),
            },
        },
        "activities": activities,
        "reach": reach,
        "moderation": moderation,
        "answering": {
            "comments": reach["comments"],
            "answered": answered_total,
            "unanswered": statistics["all"]["unanswered"],
            "answers": len(answer_list),
            "corrections": sum(1 for a in answer_list if a["correction"]),
            "allow_self_approval": allow_self_approval,
            "self_approved_answers": sum(1 for a in answer_list if a["self_approved"]),
            "self_approved_comments": self_approved,
            "notified_submissions": int(notified or 0),
        },
        "next_version": next_figures,
        "answers": answer_list,
        "sections": section_entries,
        "statistics": statistics,
        "lundy": {
            "days_open": _days_between(process["opens_at"], process["closes_at"]),
            "invited_groups": len(process["invited_groups"]),
            "activities": len(activities),
            "activity_participants": sum(a["total"] for a in activities),
            "young_participants_offline": sum(
                p["count"]
                for a in activities
                for p in a["participants"]
                if p["group"] == YOUNG_PERSON
            ),
            "comments": reach["comments"],
            "submissions": reach["submissions"],
            "young_comments": young_reach["comments"] if young_reach else 0,
            "under_16_comments": under_16,
            "hidden": moderation["hidden"],
            "answered": answered_total,
            "self_approved_comments": self_approved,
            "adopted": sum(statistics["all"]["counts"][d] for d in ADOPTING),
            "young_adopted": sum(young["counts"][d] for d in ADOPTING) if young else 0,
            "young_answered": (young["total"] - young["unanswered"]) if young else 0,
            "changed_sections": next_figures["changed_sections"] if next_figures else 0,
            "linked_sections": len(
                {(s["version"], s["anchor"]) for a in answer_list for s in a["changed_sections"]}
            ),
            "notified_submissions": int(notified or 0),
        },
        # The region's own account of the four elements, frozen with the edition.
        "lundy_checklist": participation.checklist(session, consultation),
        # Only figures of 5 or more people (see consult.participation.questionnaire).
        "questionnaire": answers_to_questions,
        "appendix": appendix,
    }


def _days_between(start: str, end: str) -> int:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    finish = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return max(0, round((finish - begin).total_seconds() / 86400))


# -- editions ------------------------------------------------------------------------------------


def editions(session: Session, consultation: Consultation) -> list[ResponseReport]:
    """Every edition of the consultation's reactienota, newest first."""
    return list(
        session.scalars(
            select(ResponseReport)
            .where(ResponseReport.consultation_id == consultation.id)
            .order_by(ResponseReport.edition.desc())
        )
    )


def published_editions(session: Session, consultation: Consultation) -> list[ResponseReport]:
    return list(
        session.scalars(
            select(ResponseReport)
            .where(
                ResponseReport.consultation_id == consultation.id,
                ResponseReport.published_at.is_not(None),
            )
            .order_by(ResponseReport.edition.desc())
        )
    )


def edition_of(
    session: Session, consultation: Consultation, edition: int, *, published: bool = True
) -> ResponseReport | None:
    """One edition of this consultation (only published ones unless ``published`` is False)."""
    query = select(ResponseReport).where(
        ResponseReport.consultation_id == consultation.id, ResponseReport.edition == edition
    )
    if published:
        query = query.where(ResponseReport.published_at.is_not(None))
    return session.scalars(query).first()


def draft_of(session: Session, consultation: Consultation) -> ResponseReport | None:
    """The unpublished edition, if the official has generated one."""
    return session.scalars(
        select(ResponseReport)
        .where(
            ResponseReport.consultation_id == consultation.id,
            ResponseReport.published_at.is_(None),
        )
        .order_by(ResponseReport.edition.desc())
        .limit(1)
    ).first()


def _checked_note(note: str, needed: bool) -> str:
    note = (note or "").strip()
    if needed and not note:
        raise ReportError(
            _("Say what this edition corrects and why; readers see this note."), field="note"
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise ReportError(
            _("Keep the note under %(num)d characters.", num=MAX_NOTE_LENGTH), field="note"
        )
    return note if needed else ""


def generate(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    *,
    correction_note: str = "",
    now: datetime | None = None,
) -> ResponseReport:
    """Make the unpublished edition from the data as it is now (replacing an older draft).

    The first edition may be made once the consultation has closed, to preview it; once an
    edition is published, the next one is a correction and needs a note.
    """
    session.refresh(consultation, with_for_update=True)
    if consultation.state not in GENERATING_STATES:
        raise ReportError(_("The reactienota can be made once the consultation has closed."))
    published = session.scalar(
        select(func.max(ResponseReport.edition)).where(
            ResponseReport.consultation_id == consultation.id,
            ResponseReport.published_at.is_not(None),
        )
    )
    note = _checked_note(correction_note, needed=published is not None)
    draft = draft_of(session, consultation)
    number = draft.edition if draft is not None else (published or 0) + 1
    content = build_content(session, consultation, edition=number, correction_note=note)
    now = now or utcnow()
    if draft is None:
        draft = ResponseReport(consultation_id=consultation.id, edition=number)
        session.add(draft)
    else:
        # What was made from the old content no longer fits it.
        for old in list(draft.files):
            session.delete(old)
        draft.files = []
    draft.content = content
    draft.content_hash = content_hash(content)
    draft.correction_note = note
    draft.generated_at = now
    draft.generated_by_id = getattr(actor, "id", None)
    session.flush()
    return draft


def report_object_id(edition: int) -> str:
    """An edition's public id in the record (its consultation is the chain): ``report:<n>``."""
    return f"report:{edition}"


def report_event_payload(session: Session, report: ResponseReport) -> dict[str, Any]:
    """The ``report_published`` payload: the edition, the hash of its content, and the
    SHA-256 of each file already made from it (the PDF is usually made later)."""
    files = session.execute(
        select(ReportFile.format, ReportFile.sha256)
        .where(ReportFile.report_id == report.id)
        .order_by(ReportFile.format)
    )
    return {
        "edition": report.edition,
        "content_hash": report.content_hash,
        "files": [{"format": format, "sha256": sha256} for format, sha256 in files],
    }


def publish(
    session: Session, actor: Actor | None, report: ResponseReport, now: datetime | None = None
) -> ResponseReport:
    """Publish an edition exactly as it was previewed; the first moves the consultation on.

    It is refused when anything in it changed since it was generated (an answer, a hidden
    comment, an erased name): the official generates it again and looks at it first.
    Publishing writes ``report_published`` in the record (:func:`report_event_payload`),
    the first edition after the next version's ``version_published``, and signs a
    checkpoint (both need an app context: the signing key).
    """
    consultation = report.consultation
    session.refresh(consultation, with_for_update=True)
    if report.is_published:
        raise ReportError(_("This edition is already published."))
    first = not published_editions(session, consultation)
    if first and consultation.state is not ConsultationState.ANSWERED:
        raise ReportError(
            _(
                "The reactienota can be published once every comment has a published answer. "
                "Publish the remaining answers first."
            )
        )
    if not first and consultation.state is not ConsultationState.REPORT_PUBLISHED:
        raise ReportError(_("A correction is published while the reactienota is published."))
    fresh = build_content(
        session, consultation, edition=report.edition, correction_note=report.correction_note
    )
    if content_hash(fresh) != report.content_hash:
        raise ReportError(
            _(
                "Something changed since this edition was made (an answer, a hidden comment "
                "or a name). Make the edition again and check it before you publish it."
            )
        )
    now = now or utcnow()
    report.published_at = now
    report.published_by_id = getattr(actor, "id", None)
    session.flush()
    if first:
        # The next version of the document is published with the first edition: it is
        # locked and recorded (``version_published``) in this consultation's chain. After
        # the freshness check above, since the content says whether it was locked.
        upcoming = lifecycle.record_next_version(session, consultation, actor, now)
        if upcoming is not None:
            signals.next_version_published.send(session, consultation=consultation, at=now)
    record.append(
        session,
        kind=EventKind.REPORT_PUBLISHED,
        consultation=consultation,
        object_type="report",
        object_id=report_object_id(report.edition),
        actor_role=role_in_region(actor, consultation.region_id, prefer=ActorRole.OFFICIAL),
        payload=report_event_payload(session, report),
        occurred_at=now,
    )
    if consultation.state is ConsultationState.ANSWERED:
        lifecycle.record_state(
            session, consultation, ConsultationState.REPORT_PUBLISHED, actor=actor, at=now
        )
    signals.report_published.send(session, consultation=consultation, at=now)
    # Every edition is signed at once: after the consultation closed, no hourly checkpoint
    # comes (those follow open consultations).
    lifecycle.checkpoint_state_change(session, now)
    return report


def file_of(session: Session, report: ResponseReport, format: str) -> ReportFile | None:
    return session.scalars(
        select(ReportFile).where(ReportFile.report_id == report.id, ReportFile.format == format)
    ).first()


def has_file(session: Session, report: ResponseReport, format: str) -> bool:
    return (
        session.scalar(
            select(literal(True)).where(
                ReportFile.report_id == report.id, ReportFile.format == format
            )
        )
        is not None
    )
