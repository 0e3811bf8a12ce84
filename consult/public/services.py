"""What the public pages read across the domains: published comments with their answers.

Only what the public may read: ``is_public`` comments (confirmed, consented, not hidden, not
withdrawn) on consultations that are no longer drafts, each with its current published
answer (:func:`consult.public.answers.answers_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, contains_eager, joinedload

from consult.comments.models import Comment, Submission
from consult.comments.services import (
    FIRST_COMMENTS_PER_SECTION,
    confirmed_by_group_query,
    listed_clause,
    listed_counts_query,
    public_comment_options,
)
from consult.consultations.activities import participant_totals
from consult.consultations.models import Consultation, ConsultationState
from consult.documents import paragraphs
from consult.documents.models import DocumentVersion, Section
from consult.organisations import services as organisations
from consult.organisations.models import Organisation
from consult.public.answers import (
    PublicAnswer,
    answers_for,
    said_changes_query,
    said_counts_query,
    shows_said_and_done,
)
from consult.regions.models import Region
from consult.responses.models import Answer, AnsweredComment, AnswerState, Disposition


@dataclass
class PublicComment:
    comment: Comment
    answer: PublicAnswer | None


@dataclass
class ConsultationGroup:
    consultation: Consultation
    comments: list[PublicComment] = field(default_factory=list)


def _public_comments_of(organisation: Organisation) -> Select[Any]:
    """Only what the public may read: ``is_public`` comments (confirmed, consented, not
    hidden, not withdrawn) on non-draft consultations, sent on behalf of this organisation
    while it was verified; and where such a comment was hidden or withdrawn since, its
    place (:func:`consult.comments.services.listed_clause`), shown without its text."""
    return (
        select(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .where(
            Submission.organisation_id == organisation.id,
            Submission.organisation_verified.is_(True),
            listed_clause(),
            Consultation.state != ConsultationState.DRAFT,
        )
    )


def organisation_comments(
    session: Session,
    organisation: Organisation,
    page: int,
    per_page: int = organisations.PUBLIC_PER_PAGE,
) -> tuple[list[ConsultationGroup], int, int]:
    """One page of the organisation's public comments (and traces of the hidden or withdrawn
    ones), grouped per consultation (newest consultation first), each with its current
    published answer; and how many there are in all, and of those published now."""
    query = _public_comments_of(organisation)
    counted = query.with_only_columns(
        func.count(Comment.id), func.sum(case((Comment.is_public.is_(True), 1), else_=0))
    )
    total, published = session.execute(counted).one()
    total = total or 0
    rows = list(
        session.execute(
            query.add_columns(Consultation)
            .options(
                joinedload(Comment.section),
                joinedload(Comment.submission).joinedload(Submission.stakeholder_group),
                contains_eager(Consultation.region),
            )
            .join(Region, Region.id == Consultation.region_id)
            .order_by(Consultation.opens_at.desc(), Consultation.id.desc(), Comment.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    answers = answers_for(session, [row[0].id for row in rows])
    groups: list[ConsultationGroup] = []
    for comment, consultation in rows:
        if not groups or groups[-1].consultation.id != consultation.id:
            groups.append(ConsultationGroup(consultation))
        groups[-1].comments.append(PublicComment(comment, answers.get(comment.id)))
    return groups, total, published or 0


@dataclass
class ParagraphGroup:
    """Consecutive comments on one paragraph (``anchor``, its text) or on the whole part."""

    anchor: str | None
    text: str | None
    comments: list[Comment] = field(default_factory=list)


def by_paragraph(section: Any, comments: list[Comment]) -> list[ParagraphGroup]:
    """``comments`` (ordered by paragraph, :func:`section_comments_page`)
    cut into groups, each with the text of its paragraph."""
    texts = (
        dict(paragraphs.paragraphs_of(section.body_html, section.paragraph_anchors))
        if section is not None
        else {}
    )
    groups: list[ParagraphGroup] = []
    for comment in comments:
        anchor = comment.paragraph if comment.paragraph in texts else None
        if not groups or groups[-1].anchor != anchor:
            groups.append(ParagraphGroup(anchor, texts.get(anchor) if anchor else None))
        groups[-1].comments.append(comment)
    return groups


# -- a section's comments, page by page ------------------------------------------------------

# Comments per page of a section's comments (``?pagina=``).
SECTION_PAGE_SIZE = 50


def _section_comments(
    consultation: Consultation, section: Section | None, paragraph: str | None
) -> Select[Any]:
    """A section's comments with a place on the public pages (traces of hidden and withdrawn
    ones too, :func:`consult.comments.services.listed_clause`); ``paragraph``: on that one."""
    query = (
        select(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(
            Comment.consultation_id == consultation.id,
            listed_clause(),
            Comment.section_id == section.id if section else Comment.section_id.is_(None),
        )
    )
    if paragraph is not None:
        query = query.where(Comment.paragraph == paragraph)
    return query


def section_counts(
    session: Session, consultation: Consultation, section: Section | None, paragraph: str | None
) -> tuple[int, int]:
    """How many comments a section (or one paragraph) has on the public pages, traces
    included, and how many of those are published now; one query."""
    listed, public = session.execute(
        _section_comments(consultation, section, paragraph).with_only_columns(
            func.count(Comment.id), func.sum(case((Comment.is_public.is_(True), 1), else_=0))
        )
    ).one()
    return listed or 0, public or 0


def section_comments_page(
    session: Session,
    consultation: Consultation,
    section: Section | None,
    page: int,
    *,
    paragraph: str | None = None,
    per_page: int = SECTION_PAGE_SIZE,
) -> list[Comment]:
    """Page ``page`` (from 1) of a section's comments: grouped by paragraph in the order of
    the section's text, oldest first within each, then those on the whole section
    (``paragraph``: only that paragraph's, oldest first). The index on (consultation,
    section, is_public, id) narrows it to the section; a section has hundreds of comments,
    not millions, so an offset costs little and gives pages a number."""
    anchors = list(section.paragraph_anchors or []) if section is not None and not paragraph else []
    order: list[Any] = [Comment.id]
    if anchors:
        place = case(
            {a: i for i, a in enumerate(anchors)}, value=Comment.paragraph, else_=len(anchors)
        )
        order = [place, Comment.id]
    return list(
        session.scalars(
            _section_comments(consultation, section, paragraph)
            .options(*public_comment_options())
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).unique()
    )


def sections_of_version(session: Session, version: DocumentVersion) -> list[Section]:
    """A version's sections in order (the plan's outline)."""
    return list(
        session.scalars(
            select(Section).where(Section.version_id == version.id).order_by(Section.position)
        )
    )


def first_comments(
    session: Session,
    consultation: Consultation,
    section_ids: list[int],
    per_section: int = FIRST_COMMENTS_PER_SECTION,
) -> tuple[dict[int | None, list[Comment]], set[int]]:
    """The first ``per_section`` comments with a place on the public pages (traces too) of
    each of ``section_ids`` and of the whole plan, oldest first, in one query: as
    :func:`consult.comments.services.first_public_comments`, but ranking only the sections
    of the part of the plan on the page, not every comment of the consultation. And the
    ids of those that have a published answer, in the same query: only they need
    :func:`consult.public.answers.answers_for` (none before closing, so no query then)."""
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number()
            .over(partition_by=Comment.section_id, order_by=Comment.id)
            .label("rank"),
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .where(
            Comment.consultation_id == consultation.id,
            listed_clause(),
            or_(Comment.section_id.in_(section_ids), Comment.section_id.is_(None)),
        )
        .subquery()
    )
    answered = (
        select(AnsweredComment.comment_id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id == Comment.id, Answer.state == AnswerState.PUBLISHED)
        .exists()
    )
    rows = session.execute(
        select(Comment, answered)
        .join(ranked, ranked.c.id == Comment.id)
        .where(ranked.c.rank <= per_section)
        .options(
            *public_comment_options(),
            # The paragraph a comment quotes (the page's sections are kept, not loaded).
            joinedload(Comment.section).load_only(Section.body_html, Section.paragraph_anchors),
        )
        .order_by(Comment.id)
    ).unique()
    grouped: dict[int | None, list[Comment]] = {}
    with_answer: set[int] = set()
    for comment, has_answer in rows:
        grouped.setdefault(comment.section_id, []).append(comment)
        if has_answer:
            with_answer.add(comment.id)
    return grouped, with_answer


@dataclass
class BlockCounts:
    """What the consultation page counts, read in one statement (:func:`block_counts`)."""

    # (section id, paragraph anchor) -> (listed, published), as listed_counts_by_paragraph
    by_paragraph: dict[tuple[int | None, str | None], tuple[int, int]] = field(default_factory=dict)
    # stakeholder group id -> confirmed submissions, as counts_by_group
    by_group: dict[int, int] = field(default_factory=dict)
    # (activity id, stakeholder group id, age band, people), as participant_totals
    participants: list[tuple[int, int, str | None, int]] = field(default_factory=list)
    # (section id, disposition or None, comments) from closing on, as said_counts_query
    said: list[tuple[int | None, Disposition | None, int]] | None = None
    # the sections changed because of the answers, as said_changes_query
    changes: list[tuple[Any, ...]] | None = None


def block_counts(session: Session, consultation: Consultation) -> BlockCounts:
    """The counts of the consultation page's blocks in one statement (``UNION ALL`` of
    each count's own query, told apart by a tag): the comments per section and paragraph
    (:func:`consult.comments.services.listed_counts_query`), the confirmed submissions per
    stakeholder group (:func:`~consult.comments.services.confirmed_by_group_query`) and
    the people of each offline activity
    (:func:`consult.consultations.activities.participant_totals`), and from closing on
    the comments per answer's disposition and the sections that changed because of them
    (:func:`~consult.public.answers.said_counts_query`, ``said_changes_query``).
    Each is a ``GROUP BY``
    on an index of the consultation, so the rows are as many as the paragraphs, groups
    and activities, whatever the number of comments."""
    text, number = String(), Integer()
    listed = listed_counts_query(consultation)
    groups = confirmed_by_group_query(consultation)
    people = participant_totals(consultation)
    nothing = (cast(null(), text), cast(null(), text), cast(null(), number))
    parts = [
        listed.with_only_columns(
            literal_column("'p'").label("tag"),
            *[listed.selected_columns[0], cast(listed.selected_columns[1], text)],
            *listed.selected_columns[2:],
            *nothing,
        ),
        groups.with_only_columns(
            literal_column("'g'"),
            groups.selected_columns[0],
            cast(null(), text),
            groups.selected_columns[1],
            cast(null(), number),
            *nothing,
        ),
        people.with_only_columns(
            literal_column("'a'"),
            people.selected_columns[0],
            cast(people.selected_columns[2], text),
            people.selected_columns[3],
            people.selected_columns[1],
            *nothing,
        ),
    ]
    counts = BlockCounts()
    if shows_said_and_done(consultation):
        said = said_counts_query(consultation)
        changes = said_changes_query(consultation)
        section, document, anchor, number_, heading, version, public = changes.selected_columns
        parts += [
            said.with_only_columns(
                literal_column("'s'"),
                said.selected_columns[0],
                cast(said.selected_columns[1], text),
                said.selected_columns[2],
                cast(null(), number),
                *nothing,
            ),
            changes.with_only_columns(
                literal_column("'c'"),
                section,
                cast(anchor, text),
                version,
                document,
                cast(number_, text),
                cast(heading, text),
                public,
            ),
        ]
        counts.said, counts.changes = [], []
    tagged = union_all(*parts)
    for tag, key, name, n, m, more, most, flag in session.execute(tagged):
        if tag == "p":
            counts.by_paragraph[(key, name)] = (n, m or 0)
        elif tag == "g":
            counts.by_group[key] = n
        elif tag == "a":
            counts.participants.append((key, m, name, n))
        elif tag == "s" and counts.said is not None:
            counts.said.append((key, Disposition(name) if name else None, n))
        elif tag == "c" and counts.changes is not None:
            counts.changes.append((key, m, name, more, most, n, flag))
    return counts
