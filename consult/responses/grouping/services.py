"""Storing and editing groups of near-identical comments (letter campaigns).

:func:`regroup` runs :func:`~consult.responses.grouping.similarity.group_similar` over the
texts of the
comments that need an answer (answered ones too: a campaign stays a campaign) and stores the
groups it finds. People then edit them: add a comment, take one out, split a group, merge two,
dissolve one. A group can be answered at once; each comment keeps its own link to the answer.

What a person decided, the grouping does not undo. Every edit marks the group as *hand-edited*
(``created_by_id`` is the person who first changed or made it, and members they placed carry
``added_by_id``). Running the grouping again replaces only the groups nobody touched, and groups
only the comments that are in no hand-edited group: a hand-edited group keeps exactly its
members, and a comment a person took out of a group is never put back into it automatically.

Nothing else is stored, so two decisions are not remembered: that a group was dissolved (or
lost all but one comment), and that a comment taken out should stay out of *every* automatic
group. Running the grouping again may put such comments together again, in a new automatic
group, never in the hand-edited group they left. Remembering that would take a "kept apart"
mark per comment, which needs a table of its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, exists, func, insert, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, aliased, selectinload

from consult.comments.models import Comment, Submission
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.permissions import Actor
from consult.responses.grouping.similarity import DEFAULT_THRESHOLD, group_similar, similarity
from consult.responses.models import CommentGroup, CommentGroupMember, CommentKeptApart
from consult.responses.queries import (
    answerable_comments,
    has_current_answer,
    has_open_answer,
    needs_answer_clause,
)

GROUPS_PER_PAGE = 50
MEMBERS_PER_PAGE = 100
EXCERPT_LENGTH = 300
OPTION_EXCERPT_LENGTH = 80
# Rows per INSERT statement when storing groups (the drivers batch them further).
_CHUNK = 5000


class GroupingError(ValueError):
    """An edit the grouping rules do not allow; ``message`` is translated, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Membership:
    group_id: int
    size: int
    similarity: float
    representative_id: int


def memberships(
    session: Session, consultation: Consultation, comment_ids: Iterable[int]
) -> dict[int, Membership]:
    """The group each of these comments is in, if any (one query)."""
    ids = sorted(set(comment_ids))
    if not ids:
        return {}
    other = aliased(CommentGroupMember)
    size = (
        select(func.count(other.id))
        .where(other.group_id == CommentGroupMember.group_id)
        .correlate(CommentGroupMember)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            CommentGroupMember.comment_id,
            CommentGroupMember.group_id,
            size,
            CommentGroupMember.similarity,
            CommentGroup.representative_id,
        )
        .join(CommentGroup, CommentGroup.id == CommentGroupMember.group_id)
        .where(
            CommentGroup.consultation_id == consultation.id,
            CommentGroupMember.comment_id.in_(ids),
        )
    ).all()
    return {
        comment_id: Membership(group_id, int(count), float(value), representative_id)
        for comment_id, group_id, count, value, representative_id in rows
    }


# -- the automatic grouping -----------------------------------------------------------------------


@dataclass(frozen=True)
class RegroupResult:
    # Automatic groups stored by this run, and the comments in them.
    groups: int
    grouped_comments: int
    # Hand-edited groups left as they were.
    kept_groups: int
    seconds: float


def _hand_edited_ids(consultation: Consultation) -> Any:
    """SELECT of the ids of this consultation's groups a person made or changed."""
    placed = exists(
        select(CommentGroupMember.id).where(
            CommentGroupMember.group_id == CommentGroup.id,
            CommentGroupMember.added_by_id.is_not(None),
        )
    )
    return select(CommentGroup.id).where(
        CommentGroup.consultation_id == consultation.id,
        or_(CommentGroup.created_by_id.is_not(None), placed),
    )


def regroup(
    session: Session,
    actor: Actor,
    consultation: Consultation,
    threshold: float = DEFAULT_THRESHOLD,
) -> RegroupResult:
    """Group the comments that need an answer again; hand-edited groups stay as they are.

    The groups nobody touched are replaced by what the grouping finds now (a group with the same
    representative as before keeps its number). Only comments outside hand-edited groups take
    part, so a hand-edited group gets no members automatically and loses none. Reads only the
    ids and texts of the comments, and writes with bulk statements: 20,000 comments take
    seconds. ``actor`` is who asked (None from the command line); the groups it stores are
    automatic all the same.
    """
    started = time.perf_counter()
    # Two people pressing "group again" at once take turns, instead of the second one
    # failing on the one-group-per-comment constraint (SQLite has one writer anyway).
    session.refresh(consultation, with_for_update=True)
    kept = set(session.scalars(_hand_edited_ids(consultation)))
    keep_apart: set[int] = set()
    if kept:
        keep_apart = set(
            session.scalars(
                select(CommentGroupMember.comment_id).where(
                    CommentGroupMember.group_id.in_(sorted(kept))
                )
            )
        )
    keep_apart |= set(
        session.scalars(
            select(CommentKeptApart.comment_id).where(
                CommentKeptApart.consultation_id == consultation.id
            )
        )
    )
    texts = session.execute(
        answerable_comments(consultation).with_only_columns(Comment.id, Comment.body)
    )
    found = group_similar(
        ((row[0], row[1]) for row in texts if row[0] not in keep_apart), threshold=threshold
    )

    previous = {
        representative_id: group_id
        for group_id, representative_id in session.execute(
            select(CommentGroup.id, CommentGroup.representative_id).where(
                CommentGroup.consultation_id == consultation.id
            )
        )
        if group_id not in kept
    }
    if previous:
        session.execute(
            delete(CommentGroupMember)
            .where(CommentGroupMember.group_id.in_(list(previous.values())))
            .execution_options(synchronize_session=False)
        )

    replaced = set(previous.values())
    group_ids: list[int | None] = [previous.pop(g.representative, None) for g in found]
    if previous:
        session.execute(
            delete(CommentGroup)
            .where(CommentGroup.id.in_(list(previous.values())))
            .execution_options(synchronize_session=False)
        )
    new = [i for i, group_id in enumerate(group_ids) if group_id is None]
    now = utcnow()
    for chunk in _chunks(new):
        made = session.scalars(
            insert(CommentGroup).returning(CommentGroup.id, sort_by_parameter_order=True),
            [
                {
                    "consultation_id": consultation.id,
                    "representative_id": found[i].representative,
                    "created_at": now,
                    "created_by_id": None,
                }
                for i in chunk
            ],
        ).all()
        for i, group_id in zip(chunk, made, strict=True):
            group_ids[i] = group_id
    members = [
        {
            "group_id": group_id,
            "comment_id": comment_id,
            "similarity": group.similarity[comment_id],
            "added_at": now,
            "added_by_id": None,
        }
        for group, group_id in zip(found, group_ids, strict=True)
        for comment_id in group.ids
    ]
    for chunk in _chunks(members):
        session.execute(insert(CommentGroupMember), chunk)
    _forget_loaded_groups(session, replaced)
    return RegroupResult(
        groups=len(found),
        grouped_comments=len(members),
        kept_groups=len(kept),
        seconds=time.perf_counter() - started,
    )


def _chunks(rows: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def _forget_loaded_groups(session: Session, group_ids: set[int]) -> None:
    """The bulk statements bypassed the identity map: drop what it holds of these groups.

    Read from the loaded state only, as loading a deleted row would fail.
    """
    for key, item in list(session.identity_map.items()):
        if key[0] is CommentGroup:
            stale = key[1][0] in group_ids
        elif key[0] is CommentGroupMember:
            group_id = sa_inspect(item).dict.get("group_id")
            stale = group_id is None or group_id in group_ids
        else:
            continue
        if stale and item in session:
            session.expunge(item)


# -- editing by hand ------------------------------------------------------------------------------


def _person_id(actor: Actor | None) -> int:
    actor_id = getattr(actor, "id", None)
    if actor_id is None:
        raise GroupingError(_("Only a person can change a group."))
    return int(actor_id)


def _mark_edited(group: CommentGroup, actor: Actor) -> None:
    """From now on the grouping leaves this group alone."""
    if group.created_by_id is None:
        group.created_by_id = _person_id(actor)


def _bodies(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def _similarity(text: str, representative: str) -> float:
    return round(similarity(text, representative), 2)


def _needs_answer(session: Session, consultation: Consultation, comment: Comment) -> bool:
    return (
        session.scalar(
            answerable_comments(consultation)
            .with_only_columns(Comment.id)
            .where(Comment.id == comment.id)
        )
        is not None
    )


def _membership_of(session: Session, comment: Comment) -> CommentGroupMember | None:
    return session.scalar(
        select(CommentGroupMember).where(CommentGroupMember.comment_id == comment.id)
    )


def _drop_if_too_small(session: Session, group: CommentGroup) -> bool:
    """A group of fewer than two comments is no group: remove it. True when removed."""
    session.flush()
    session.expire(group, ["members"])
    if len(group.members) >= 2:
        return False
    session.delete(group)
    session.flush()
    return True


def _new_representative(session: Session, group: CommentGroup) -> None:
    """After the representative left: the member most like it stands for the group now.

    Similarities are measured against the representative, so all are measured again.
    """
    members = list(group.members)
    if not members:
        return
    chosen = max(members, key=lambda m: (m.similarity, -m.comment_id))
    group.representative_id = chosen.comment_id
    bodies = _bodies(session, [m.comment_id for m in members])
    for member in members:
        member.similarity = _similarity(bodies[member.comment_id], bodies[chosen.comment_id])


def add_to_group(
    session: Session, actor: Actor, group: CommentGroup, comment: Comment
) -> CommentGroupMember:
    """Put a comment of the consultation in ``group``; from another group, it moves.

    Its similarity to the group's representative is measured; the person is recorded as the
    one who placed it.
    """
    consultation = group_consultation(session, group)
    if comment.consultation_id != group.consultation_id or not _needs_answer(
        session, consultation, comment
    ):
        raise GroupingError(_("Only a comment of this consultation that needs an answer fits."))
    current = _membership_of(session, comment)
    if current is not None and current.group_id == group.id:
        raise GroupingError(_("This comment is already in this group."))
    person = _person_id(actor)
    representative = _bodies(session, [group.representative_id])[group.representative_id]
    if current is not None:
        left = current.group
        remove_from_group(session, actor, left, comment)
    # Placed by a person: no longer kept apart from the grouping.
    session.execute(
        delete(CommentKeptApart)
        .where(CommentKeptApart.comment_id == comment.id)
        .execution_options(synchronize_session=False)
    )
    member = CommentGroupMember(
        group=group,
        comment_id=comment.id,
        similarity=_similarity(comment.body, representative),
        added_at=utcnow(),
        added_by_id=person,
    )
    session.add(member)
    _mark_edited(group, actor)
    session.flush()
    return member


def remove_from_group(
    session: Session, actor: Actor, group: CommentGroup, comment: Comment
) -> CommentGroup | None:
    """Take a comment out of ``group``; returns the group, or None when too little was left."""
    member = next((m for m in group.members if m.comment_id == comment.id), None)
    if member is None:
        raise GroupingError(_("This comment is not in this group."))
    _mark_edited(group, actor)
    group.members.remove(member)
    _keep_apart(session, actor, group.consultation_id, [comment.id])
    session.flush()
    if _drop_if_too_small(session, group):
        return None
    if group.representative_id == comment.id:
        _new_representative(session, group)
        session.flush()
    return group


def merge_groups(
    session: Session, actor: Actor, group: CommentGroup, other: CommentGroup
) -> CommentGroup:
    """Move every comment of ``other`` into ``group``, measured against its representative."""
    if other.id == group.id:
        raise GroupingError(_("Choose another group to merge with."))
    if other.consultation_id != group.consultation_id:
        raise GroupingError(_("Only groups of the same consultation can be merged."))
    person = _person_id(actor)
    moving = list(other.members)
    bodies = _bodies(session, [group.representative_id, *(m.comment_id for m in moving)])
    representative = bodies[group.representative_id]
    now = utcnow()
    other.members.clear()
    session.delete(other)
    session.flush()
    for member in moving:
        group.members.append(
            CommentGroupMember(
                comment_id=member.comment_id,
                similarity=_similarity(bodies[member.comment_id], representative),
                added_at=now,
                added_by_id=person,
            )
        )
    _mark_edited(group, actor)
    session.flush()
    return group


def split(
    session: Session, actor: Actor, group: CommentGroup, comment: Comment
) -> CommentGroup | None:
    """Make ``comment`` the representative of a group of its own.

    The members more like it than like the current representative go with it. Returns the new
    group, or None when no other member went along (then the comment is simply out of the
    group, as a group of one is no group).
    """
    if comment.id == group.representative_id:
        raise GroupingError(
            _("This comment stands for the group. Split off another comment instead.")
        )
    members = list(group.members)
    if all(m.comment_id != comment.id for m in members):
        raise GroupingError(_("This comment is not in this group."))
    person = _person_id(actor)
    bodies = _bodies(session, [m.comment_id for m in members])
    old_text, new_text = bodies[group.representative_id], bodies[comment.id]
    going: list[tuple[CommentGroupMember, float]] = []
    for member in members:
        if member.comment_id == comment.id:
            going.append((member, 1.0))
            continue
        if member.comment_id == group.representative_id:
            continue
        text = bodies[member.comment_id]
        to_new = _similarity(text, new_text)
        if to_new > _similarity(text, old_text):
            going.append((member, to_new))
    _mark_edited(group, actor)
    if len(going) < 2:
        remove_from_group(session, actor, group, comment)
        return None
    for member, _value in going:
        group.members.remove(member)
    session.flush()
    now = utcnow()
    made = CommentGroup(
        consultation_id=group.consultation_id,
        representative_id=comment.id,
        created_at=now,
        created_by_id=person,
    )
    made.members = [
        CommentGroupMember(
            comment_id=m.comment_id, similarity=value, added_at=now, added_by_id=person
        )
        for m, value in going
    ]
    session.add(made)
    session.flush()
    _drop_if_too_small(session, group)
    return made


def _keep_apart(
    session: Session, actor: Actor | None, consultation_id: int, ids: Sequence[int]
) -> None:
    """Remember that a person took these comments out, so regrouping does not put them back."""
    already = set(
        session.scalars(
            select(CommentKeptApart.comment_id).where(CommentKeptApart.comment_id.in_(ids))
        )
    )
    now = utcnow()
    session.add_all(
        CommentKeptApart(
            consultation_id=consultation_id,
            comment_id=comment_id,
            kept_apart_at=now,
            kept_apart_by_id=getattr(actor, "id", None),
        )
        for comment_id in ids
        if comment_id not in already
    )


def dissolve_group(session: Session, actor: Actor, group: CommentGroup) -> int:
    """Remove the group; its comments are in no group. Returns how many there were."""
    _person_id(actor)
    count = len(group.members)
    _keep_apart(session, actor, group.consultation_id, [m.comment_id for m in group.members])
    session.delete(group)
    session.flush()
    return count


# -- reading -----------------------------------------------------------------------------------


def group_consultation(session: Session, group: CommentGroup) -> Consultation:
    found = session.get(Consultation, group.consultation_id)
    assert found is not None
    return found


def group_in(session: Session, consultation: Consultation, group_id: int) -> CommentGroup | None:
    """A group of this consultation, or None (so an id of another region gives a 404)."""
    return session.scalar(
        select(CommentGroup)
        .where(CommentGroup.id == group_id, CommentGroup.consultation_id == consultation.id)
        .options(selectinload(CommentGroup.representative).selectinload(Comment.section))
    )


def _waiting() -> Any:
    """SQL condition on Comment (joined to Submission): needs an answer, and has none yet."""
    return and_(needs_answer_clause(), ~has_current_answer(), ~has_open_answer())


@dataclass(frozen=True)
class GroupSummary:
    id: int
    size: int
    min_similarity: float
    # Members that need an answer and have neither a published nor a draft answer.
    waiting: int
    representative_id: int
    excerpt: str
    # The representative's text is longer than the excerpt.
    cut: bool
    hand_edited: bool


@dataclass(frozen=True)
class GroupList:
    groups: list[GroupSummary]
    page: int
    pages: int
    total_groups: int
    grouped_comments: int


def group_list(session: Session, consultation: Consultation, page: int = 1) -> GroupList:
    """The consultation's groups, largest first, a page at a time, in three queries."""
    total_groups, grouped = session.execute(
        select(func.count(CommentGroup.id.distinct()), func.count(CommentGroupMember.id))
        .select_from(CommentGroup)
        .join(CommentGroupMember, CommentGroupMember.group_id == CommentGroup.id)
        .where(CommentGroup.consultation_id == consultation.id)
    ).one()
    pages = max(1, math.ceil((total_groups or 0) / GROUPS_PER_PAGE))
    page = min(max(1, page), pages)
    size = func.count(CommentGroupMember.id)
    hand_placed = func.count(CommentGroupMember.added_by_id)
    rows = session.execute(
        select(
            CommentGroup.id,
            CommentGroup.representative_id,
            CommentGroup.created_by_id,
            size,
            func.min(CommentGroupMember.similarity),
            func.sum(case((_waiting(), 1), else_=0)),
            hand_placed,
        )
        .join(CommentGroupMember, CommentGroupMember.group_id == CommentGroup.id)
        .join(Comment, Comment.id == CommentGroupMember.comment_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(CommentGroup.consultation_id == consultation.id)
        .group_by(CommentGroup.id, CommentGroup.representative_id, CommentGroup.created_by_id)
        .order_by(size.desc(), CommentGroup.id)
        .limit(GROUPS_PER_PAGE)
        .offset((page - 1) * GROUPS_PER_PAGE)
    ).all()
    excerpts: dict[int, str] = {}
    if rows:
        texts = session.execute(
            select(Comment.id, func.substr(Comment.body, 1, EXCERPT_LENGTH + 1)).where(
                Comment.id.in_([row[1] for row in rows])
            )
        )
        excerpts = {row[0]: row[1] for row in texts}
    groups = []
    for group_id, representative_id, made_by, count, lowest, waiting, placed in rows:
        text = excerpts.get(representative_id, "")
        groups.append(
            GroupSummary(
                id=group_id,
                size=int(count),
                min_similarity=float(lowest),
                waiting=int(waiting or 0),
                representative_id=representative_id,
                excerpt=_excerpt(text),
                cut=len(text) > EXCERPT_LENGTH,
                hand_edited=made_by is not None or bool(placed),
            )
        )
    return GroupList(
        groups=groups,
        page=page,
        pages=pages,
        total_groups=int(total_groups or 0),
        grouped_comments=int(grouped or 0),
    )


def _excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The first ``length`` characters, cut at a word where one is near."""
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > length * 0.8 else cut).rstrip(" ,.;:") + "…"


@dataclass(frozen=True)
class MemberRow:
    member: CommentGroupMember
    comment: Comment
    needs_answer: bool
    published: bool
    drafted: bool

    @property
    def waiting(self) -> bool:
        return self.needs_answer and not self.published and not self.drafted


@dataclass(frozen=True)
class MemberPage:
    rows: list[MemberRow]
    page: int
    pages: int
    size: int
    min_similarity: float
    waiting_ids: list[int]


def member_page(session: Session, group: CommentGroup, page: int = 1) -> MemberPage:
    """The group's members, least similar first (those are the ones to check), a page at a time.

    Also the ids of every member still waiting for an answer, for answering them together.
    Three queries, whatever the size of the group.
    """
    size, lowest = session.execute(
        select(func.count(CommentGroupMember.id), func.min(CommentGroupMember.similarity)).where(
            CommentGroupMember.group_id == group.id
        )
    ).one()
    pages = max(1, math.ceil((size or 0) / MEMBERS_PER_PAGE))
    page = min(max(1, page), pages)
    waiting_ids = waiting_member_ids(session, group)
    rows = session.execute(
        select(
            CommentGroupMember,
            Comment,
            needs_answer_clause(),
            has_current_answer(),
            has_open_answer(),
        )
        .join(Comment, Comment.id == CommentGroupMember.comment_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(CommentGroupMember.group_id == group.id)
        .order_by(CommentGroupMember.similarity, Comment.id)
        .limit(MEMBERS_PER_PAGE)
        .offset((page - 1) * MEMBERS_PER_PAGE)
        .options(selectinload(Comment.section))
    ).all()
    return MemberPage(
        rows=[
            MemberRow(member, comment, bool(needs), bool(published), bool(drafted))
            for member, comment, needs, published, drafted in rows
        ],
        page=page,
        pages=pages,
        size=int(size or 0),
        min_similarity=float(lowest if lowest is not None else 0.0),
        waiting_ids=waiting_ids,
    )


def waiting_member_ids(session: Session, group: CommentGroup) -> list[int]:
    """The members that need an answer and have neither a published nor a draft one.

    Answering a group answers these: its members that were answered already keep their answer.
    """
    return list(
        session.scalars(
            select(CommentGroupMember.comment_id)
            .join(Comment, Comment.id == CommentGroupMember.comment_id)
            .join(Submission, Submission.id == Comment.submission_id)
            .where(CommentGroupMember.group_id == group.id, _waiting())
            .order_by(Comment.id)
        )
    )


def other_groups(session: Session, group: CommentGroup) -> list[tuple[int, int, str]]:
    """(id, size, start of the representative's text) of the other groups, largest first."""
    size = (
        select(func.count(CommentGroupMember.id))
        .where(CommentGroupMember.group_id == CommentGroup.id)
        .correlate(CommentGroup)
        .scalar_subquery()
    )
    return [
        (group_id, int(count), _excerpt(text or "", OPTION_EXCERPT_LENGTH))
        for group_id, count, text in session.execute(
            select(CommentGroup.id, size, func.substr(Comment.body, 1, OPTION_EXCERPT_LENGTH + 1))
            .join(Comment, Comment.id == CommentGroup.representative_id)
            .where(
                CommentGroup.consultation_id == group.consultation_id,
                CommentGroup.id != group.id,
            )
            .order_by(size.desc(), CommentGroup.id)
        )
    ]


def comments_with_code(
    session: Session, consultation: Consultation, tracking_code: str
) -> list[Comment]:
    """The comments that need an answer in the submission with this (normalised) code."""
    return list(
        session.scalars(
            answerable_comments(consultation)
            .where(Submission.tracking_code == tracking_code)
            .order_by(Comment.position)
            .options(selectinload(Comment.section))
        )
    )


def comment_in(session: Session, consultation: Consultation, comment_id: int) -> Comment | None:
    return session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.consultation_id == consultation.id)
    )
