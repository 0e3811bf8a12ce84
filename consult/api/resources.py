"""What each endpoint reads: one function per endpoint, taking the checked parameters.

Everything here is public. Consultations are loaded only when they are no longer drafts
(the policy rule ``consultation:page:view`` for an anonymous reader), and everything below
a consultation is loaded through it. Lists are keyset-paginated on the row id, with a
fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.api import serializers
from consult.api.problems import not_found
from consult.comments.models import Comment, Submission
from consult.consultations import council
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.documents.models import DocumentVersion
from consult.ledger import proofs, signing
from consult.ledger.models import RecordCheckpoint, RecordEvent
from consult.monitoring.statistics import national_overview
from consult.participation.questionnaire import results as results_of
from consult.permissions import Permission, allowed
from consult.public import answers as public_answers
from consult.public.answers import Change
from consult.regions.models import Municipality, Region, RegionMembership
from consult.responses import queries
from consult.responses.models import Answer, AnsweredComment, AnswerState, Disposition
from consult.stakeholders.models import StakeholderGroup


@dataclass
class Listing:
    """One page of a list, and the key of its last item when more follow."""

    items: list[dict[str, Any]]
    next_after: int | None


@dataclass
class Single:
    body: dict[str, Any]
    # Only for resources that never change once they exist (checkpoints, locked versions).
    last_modified: datetime | None = None


Handler = Callable[[Session, dict[str, Any]], Listing | Single]


def _page(
    session: Session,
    query: Select[Any],
    key: Any,
    params: dict[str, Any],
) -> tuple[list[Any], int | None]:
    """Rows after the cursor, in key order, and the next cursor when more follow."""
    if params.get("after") is not None:
        query = query.where(key > params["after"])
    limit = params["limit"]
    rows = list(session.scalars(query.order_by(key).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


# -- regions ----------------------------------------------------------------------------------


def _current_municipalities(
    session: Session, region_ids: Sequence[int], today: date
) -> dict[int, list[Municipality]]:
    found: dict[int, list[Municipality]] = {i: [] for i in region_ids}
    if not region_ids:
        return found
    rows = session.execute(
        select(RegionMembership.region_id, Municipality)
        .join(Municipality, Municipality.id == RegionMembership.municipality_id)
        .where(
            RegionMembership.region_id.in_(region_ids),
            RegionMembership.valid_from <= today,
            (RegionMembership.valid_to.is_(None)) | (RegionMembership.valid_to > today),
        )
        .order_by(Municipality.name, Municipality.code)
    )
    for region_id, municipality in rows:
        found[region_id].append(municipality)
    return found


def regions(session: Session, params: dict[str, Any]) -> Listing:
    rows, after = _page(session, select(Region), Region.id, params)
    members = _current_municipalities(session, [r.id for r in rows], utcnow().date())
    return Listing([serializers.region(r, members[r.id]) for r in rows], after)


def region(session: Session, params: dict[str, Any]) -> Single:
    item = session.scalar(select(Region).where(Region.code == params["code"]))
    if item is None:
        raise not_found()
    members = _current_municipalities(session, [item.id], utcnow().date())
    return Single(serializers.region(item, members[item.id]))


def stakeholder_groups(session: Session, params: dict[str, Any]) -> Listing:
    query = select(StakeholderGroup).where(StakeholderGroup.active.is_(True))
    rows, after = _page(session, query, StakeholderGroup.id, params)
    return Listing([serializers.stakeholder_group(g) for g in rows], after)


# -- consultations ----------------------------------------------------------------------------


def _public_consultations() -> Select[Any]:
    return select(Consultation).where(Consultation.state != ConsultationState.DRAFT)


def _consultation_options() -> list[Any]:
    return [
        joinedload(Consultation.region),
        joinedload(Consultation.version).joinedload(DocumentVersion.document),
    ]


def _html_url(item: Consultation) -> str:
    return url_for("public.consultation", slug=item.slug, _external=True)


def public_consultation(session: Session, slug: str) -> Consultation:
    """The consultation, unless it does not exist or an anonymous reader may not see it."""
    item = session.scalar(
        _public_consultations().where(Consultation.slug == slug).options(*_consultation_options())
    )
    if item is None or not allowed(None, Permission.CONSULTATION_PAGE_VIEW, item):
        raise not_found()
    return item


def consultations(session: Session, params: dict[str, Any]) -> Listing:
    query = _public_consultations().options(*_consultation_options())
    if params.get("region"):
        query = query.join(Region, Region.id == Consultation.region_id).where(
            Region.code == params["region"]
        )
    if params.get("state"):
        query = query.where(Consultation.state == ConsultationState(params["state"]))
    rows, after = _page(session, query, Consultation.id, params)
    return Listing(_consultations(session, rows), after)


def _consultations(session: Session, rows: list[Consultation]) -> list[dict[str, Any]]:
    """Each with its answer status and its councils' decisions: three queries in all."""
    status = queries.answer_status(session, rows)
    progress = council.council_progress(session, rows)
    decisions = council.decisions_by_consultation(session, [c.id for c in rows])
    return [
        serializers.consultation(c, _html_url(c), status[c.id], progress[c.id], decisions[c.id])
        for c in rows
    ]


def consultation(session: Session, params: dict[str, Any]) -> Single:
    item = public_consultation(session, params["slug"])
    return Single(_consultations(session, [item])[0])


def questionnaire(session: Session, params: dict[str, Any]) -> Single:
    item = public_consultation(session, params["slug"])
    return Single({"consultation": item.slug, **results_of(session, item)})


def _public_versions(item: Consultation) -> Select[Any]:
    """The consulted version and the later ones, once locked (a draft is not public)."""
    return (
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == item.version.document_id,
            DocumentVersion.number >= item.version.number,
            DocumentVersion.locked_at.is_not(None),
        )
        .options(selectinload(DocumentVersion.sections))
    )


def versions(session: Session, params: dict[str, Any]) -> Listing:
    item = public_consultation(session, params["slug"])
    rows, after = _page(session, _public_versions(item), DocumentVersion.id, params)
    return Listing([serializers.version(v, item.version) for v in rows], after)


def version(session: Session, params: dict[str, Any]) -> Single:
    item = public_consultation(session, params["slug"])
    found = session.scalar(_public_versions(item).where(DocumentVersion.number == params["number"]))
    if found is None:
        raise not_found()
    return Single(serializers.version(found, item.version), found.locked_at)


# -- comments and answers ---------------------------------------------------------------------


def _public_comments(item: Consultation) -> Select[Any]:
    """Only ``is_public`` comments: confirmed, consented, not hidden, not withdrawn."""
    submission = joinedload(Comment.submission)
    return (
        select(Comment)
        .where(Comment.consultation_id == item.id, Comment.is_public.is_(True))
        .options(
            joinedload(Comment.section),
            submission.joinedload(Submission.stakeholder_group),
            submission.joinedload(Submission.municipality),
            submission.joinedload(Submission.organisation),
            submission.joinedload(Submission.contact),
        )
    )


def _change_url(change: Change) -> str | None:
    if not change.public:
        return None
    url = url_for(
        "public.diff",
        document_id=change.document_id,
        van=change.consulted,
        naar=change.version,
        _external=True,
    )
    return f"{url}#wijziging-{change.anchor}"


def _with_answers(session: Session, rows: list[Comment]) -> list[dict[str, Any]]:
    """The comments with their current published answers, three queries for the page."""
    found = public_answers.answers_for(session, [c.id for c in rows])
    result = []
    for item in rows:
        entry = found.get(item.id)
        urls = [_change_url(change) for change in entry.changes] if entry else []
        result.append(serializers.comment(item, serializers.comment_answer(entry, urls)))
    return result


def comments(session: Session, params: dict[str, Any]) -> Listing:
    item = public_consultation(session, params["slug"])
    query = _public_comments(item)
    if params.get("section"):
        from consult.documents.models import Section

        query = query.join(Section, Section.id == Comment.section_id).where(
            Section.anchor == params["section"]
        )
    if params.get("group"):
        query = (
            query.join(Submission, Submission.id == Comment.submission_id)
            .join(StakeholderGroup, StakeholderGroup.id == Submission.stakeholder_group_id)
            .where(StakeholderGroup.code == params["group"])
        )
    rows, after = _page(session, query, Comment.id, params)
    return Listing(_with_answers(session, rows), after)


def comment(session: Session, params: dict[str, Any]) -> Single:
    item = public_consultation(session, params["slug"])
    found = session.scalar(_public_comments(item).where(Comment.id == params["id"]))
    if found is None:
        raise not_found()
    return Single(_with_answers(session, [found])[0])


def answers(session: Session, params: dict[str, Any]) -> Listing:
    """Published answers, current and superseded; each with its published comments only."""
    item = public_consultation(session, params["slug"])
    query = select(Answer).where(
        Answer.consultation_id == item.id, Answer.state == AnswerState.PUBLISHED
    )
    if params.get("disposition"):
        query = query.where(Answer.disposition == Disposition(params["disposition"]))
    rows, after = _page(session, query, Answer.id, params)
    linked: dict[int, list[int]] = {a.id: [] for a in rows}
    if rows:
        for answer_id, comment_id in session.execute(
            select(AnsweredComment.answer_id, AnsweredComment.comment_id)
            .join(Comment, Comment.id == AnsweredComment.comment_id)
            .where(
                AnsweredComment.answer_id.in_(list(linked)),
                Comment.is_public.is_(True),
                Comment.consultation_id == item.id,
            )
            .order_by(AnsweredComment.comment_id)
        ):
            linked[answer_id].append(comment_id)
    return Listing([serializers.answer(a, linked[a.id]) for a in rows], after)


# -- the evidence record ----------------------------------------------------------------------


def checkpoints(session: Session, params: dict[str, Any]) -> Listing:
    keys = signing.trusted_keys()
    rows, after = _page(session, select(RecordCheckpoint), RecordCheckpoint.id, params)
    return Listing([serializers.checkpoint(proofs.checkpoint_facts(c, keys)) for c in rows], after)


def checkpoint(session: Session, params: dict[str, Any]) -> Single:
    found = session.get(RecordCheckpoint, params["id"])
    if found is None:
        raise not_found()
    facts = proofs.checkpoint_facts(found, signing.trusted_keys())
    return Single(serializers.checkpoint(facts), found.made_at)


def inclusion(session: Session, params: dict[str, Any]) -> Single:
    event = session.scalar(
        select(RecordEvent).where(RecordEvent.leaf_index == params["leaf_index"])
    )
    if event is None:
        raise not_found()
    return Single(serializers.inclusion(proofs.inclusion(session, event, utcnow())))


# -- statistics -------------------------------------------------------------------------------


def statistics(session: Session, params: dict[str, Any]) -> Single:
    """The figures of the national overview, per region in force today."""

    rows = national_overview(session, utcnow())
    return Single({"regions": [serializers.region_statistics(r) for r in rows]})
