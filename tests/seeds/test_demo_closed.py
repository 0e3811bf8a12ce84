"""The closed demo consultation: an earlier round of JZ22, being answered.

It must give the acceptance walk what it needs: a closed consultation with a next version,
about half its comments answered and published (some linked to changed sections, one
corrected), drafts for the second official to approve, and a letter campaign left
unanswered so it can be answered as a group. Seeding twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import RegionRole, User
from consult.comments.models import Comment, Submission
from consult.comments.services import canonical_content
from consult.consultations import lifecycle
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion
from consult.jobs import Job
from consult.ledger.canonical import digest as content_hash
from consult.permissions import RegionRoleKind
from consult.responses import queries
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerNotice,
    AnswerSection,
    AnswerState,
)
from consult.responses.tracing import services as tracing
from consult.seeds.demo import DEMO_ACCOUNTS, seed_demo
from consult.seeds.demo_closed import (
    CLOSED_SLUG,
    CLOSED_TITLE,
    TEAM_LEAD_EMAIL,
    seed_closed_consultation,
)

CAMPAIGN_START = "wij vragen u: houd de schoolondersteuner op elke basisschool"


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def closed(session) -> Consultation:
    session.expire_all()
    return session.scalar(select(Consultation).where(Consultation.slug == CLOSED_SLUG))


def comments_of(session, consultation) -> list[Comment]:
    return list(
        session.scalars(
            select(Comment)
            .where(Comment.consultation_id == consultation.id)
            .options(selectinload(Comment.submission).selectinload(Submission.contact))
            .order_by(Comment.id)
        )
    )


def test_the_demo_has_a_closed_consultation_with_a_next_version(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    consultation = closed(session)
    assert consultation.title == CLOSED_TITLE
    assert consultation.region.code == "JZ22"
    assert consultation.state is ConsultationState.CLOSED
    assert timedelta(days=6) < utcnow() - consultation.closes_at < timedelta(days=8)
    assert [c.to_state for c in consultation.state_changes][-1] is ConsultationState.CLOSED
    document = consultation.version.document
    assert document.title != "Regiovisie Jeugdhulp Utrecht Stad 2026–2030"  # its own document
    assert [v.number for v in document.versions] == [1, 2]
    assert consultation.version.number == 1
    assert consultation.version.is_locked

    upcoming = lifecycle.next_version(session, consultation)
    assert upcoming is not None
    assert upcoming.number == 2
    traced = tracing.changed_sections(session, consultation, published_only=True)
    changed = [t for t in traced if t.changed]
    assert len(changed) >= 5
    assert any(t.status.value == "added" for t in traced)
    # A few changed sections are linked to the published answers behind them.
    assert len([t for t in changed if t.comments]) >= 4


def test_the_closed_demo_has_the_mix_the_acceptance_walk_needs(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    consultation = closed(session)
    comments = comments_of(session, consultation)
    assert 110 <= len(comments) <= 130
    submissions = {c.submission for c in comments}

    # The letter campaign: ~30 near-identical letters, none answered yet.
    campaign = [c for c in comments if CAMPAIGN_START in c.body.lower()]
    assert 28 <= len(campaign) <= 32
    assert len({c.body for c in campaign}) >= 25  # small edits: hardly two the same
    assert len({c.section_id for c in campaign}) == 1
    assert queries.current_answers(session, [c.id for c in campaign]) == {}
    assert queries.open_answers(session, [c.id for c in campaign]) == {}

    # Some hidden by the moderator, some withdrawn, some without consent, young people.
    assert sum(c.hidden_at is not None for c in comments) >= 2
    assert sum(c.withdrawn_at is not None for c in comments) >= 2
    assert sum(s.publish_text for s in submissions) > len(submissions) / 2
    assert any(not s.publish_text for s in submissions)
    bands = {s.age_band for s in submissions if s.stakeholder_group.code == "young_person"}
    assert len(bands - {None}) >= 3
    assert all(s.content_hash == content_hash(canonical_content(s)) for s in submissions)

    # About half answered and published, in plain Dutch.
    answerable = [c for c in comments if c.withdrawn_at is None]
    current = queries.current_answers(session, [c.id for c in answerable])
    assert 0.4 <= len(current) / len(answerable) <= 0.6
    assert all(a.reason.strip() for a in current.values())
    assert queries.unanswered_count(session, consultation) > 0
    # One correction, shown with the answer it replaced.
    corrections = list(
        session.scalars(
            select(Answer).where(
                Answer.consultation_id == consultation.id, Answer.supersedes_id.is_not(None)
            )
        )
    )
    assert len(corrections) == 1
    assert corrections[0].is_current
    assert corrections[0].supersedes.superseded_at is not None
    assert corrections[0].correction_note

    # Drafts by the first official, for the second official to approve.
    first = session.scalar(select(User).where(User.email_key == "ambtenaar.utrecht@example.org"))
    lead = session.scalar(select(User).where(User.email_key == TEAM_LEAD_EMAIL))
    drafts = list(
        session.scalars(
            select(Answer).where(
                Answer.consultation_id == consultation.id, Answer.state == AnswerState.DRAFT
            )
        )
    )
    assert len(drafts) >= 4
    assert {a.drafted_by_id for a in drafts} == {first.id}
    # The four-eyes rule held for every published answer.
    published = list(
        session.scalars(
            select(Answer).where(
                Answer.consultation_id == consultation.id,
                Answer.state == AnswerState.PUBLISHED,
            )
        )
    )
    assert all(a.approved_by_id != a.drafted_by_id for a in published)
    assert any(a.approved_by_id == lead.id for a in published)
    # Answers shared by near-identical comments: one answer, each comment its own link.
    sizes = Counter(
        session.scalars(
            select(func.count(AnsweredComment.id))
            .join(Answer, Answer.id == AnsweredComment.answer_id)
            .where(Answer.consultation_id == consultation.id)
            .group_by(AnsweredComment.answer_id)
        )
    )
    assert sum(n for size, n in sizes.items() if size > 1) >= 5
    # The participants were told about the answers published so far.
    assert count(session, AnswerNotice) > 0
    told = set(session.scalars(select(AnswerNotice.submission_id)))
    erased = {s.id for s in submissions if s.contact and s.contact.erased_at}
    assert erased
    assert not told & erased


def test_the_second_official_and_the_participant_are_in_the_demo(demo, demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    printed = dict(demo.printed)
    assert TEAM_LEAD_EMAIL in [email for email, *_ in DEMO_ACCOUNTS]
    assert printed[TEAM_LEAD_EMAIL] == "official of JZ22 Utrecht Stad"
    lead = session.scalar(select(User).where(User.email_key == TEAM_LEAD_EMAIL))
    assert session.scalar(
        select(RegionRole).where(
            RegionRole.user_id == lead.id, RegionRole.role == RegionRoleKind.OFFICIAL
        )
    )
    # The demo participant's account sent a campaign letter and a question with a draft
    # answer: once both are answered and published, one mail lists both.
    consultation = closed(session)
    parent = session.scalar(select(User).where(User.email_key == "ouder@example.org"))
    [submission] = session.scalars(
        select(Submission).where(
            Submission.consultation_id == consultation.id, Submission.user_id == parent.id
        )
    )
    letter, question = submission.comments
    assert CAMPAIGN_START in letter.body.lower()
    assert queries.open_answers(session, [question.id])[question.id].state is AnswerState.DRAFT


def test_seeding_the_demo_twice_changes_nothing(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    models = (
        Document,
        DocumentVersion,
        Consultation,
        Submission,
        Comment,
        Answer,
        AnsweredComment,
        AnswerSection,
        AnswerNotice,
        Job,
    )
    before = [count(session, model) for model in models]
    seed_demo(session)
    assert [count(session, model) for model in models] == before
    assert seed_closed_consultation(session).created is False
