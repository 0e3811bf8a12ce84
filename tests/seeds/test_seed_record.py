"""The seeds leave an evidence record that verifies and tells their whole history.

Both demo consultations and the load data: every submission arrived (and was confirmed,
discarded, withdrawn, reported, hidden) in the record, at its historic moment and in time
order per chain, with no personal data; the lifecycle and the answers are there too, a
signed checkpoint covers everything, and seeding again adds nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise

from sqlalchemy import func, select

from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.ledger import checkpoints, services
from consult.ledger.canonical import to_millisecond
from consult.ledger.models import RecordCheckpoint, RecordEvent, RecordNode
from consult.ledger.services import Pending, append_many
from consult.responses.models import Answer, AnswerState
from consult.seeds.demo import seed_demo
from consult.seeds.demo_closed import CLOSED_SLUG
from consult.seeds.demo_consultation import DEMO_SLUG
from consult.seeds.demo_national import PLANS, slug_for
from consult.seeds.load import seed_load
from tests import factories


def events(session, slug: str, kind: str | None = None) -> list[RecordEvent]:
    query = select(RecordEvent).where(RecordEvent.chain == slug).order_by(RecordEvent.seq)
    if kind is not None:
        query = query.where(RecordEvent.kind == kind)
    return list(session.scalars(query))


def submissions_of(session, slug: str) -> list[Submission]:
    return list(
        session.scalars(select(Submission).join(Consultation).where(Consultation.slug == slug))
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_demo_record_verifies_with_every_submission_in_it(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    report = verify(session)
    assert report.ok, list(report.failures)
    # The two Utrecht consultations and the national demo's (all but its draft).
    assert report.chains == 2 + len(PLANS) - 1
    assert report.cross_checks >= 1

    for slug in (DEMO_SLUG, CLOSED_SLUG, *(slug_for(p) for p in PLANS if p.comments)):
        sent = submissions_of(session, slug)
        received = Counter(e.object_id for e in events(session, slug, "submission_received"))
        assert received == Counter(s.tracking_code for s in sent)  # each exactly once
        confirmed = {e.object_id for e in events(session, slug, "submission_confirmed")}
        assert confirmed == {s.tracking_code for s in sent if s.state is SubmissionState.CONFIRMED}
        by_code = {e.object_id: e for e in events(session, slug, "submission_received")}
        assert all(by_code[s.tracking_code].payload["content_hash"] == s.content_hash for s in sent)
        assert all(
            by_code[s.tracking_code].occurred_at == to_millisecond(s.received_at) for s in sent
        )
        # The history in the order it happened.
        moments = [e.occurred_at for e in events(session, slug)]
        assert all(a <= b for a, b in pairwise(moments))

    # Every checkpoint signs; the latest covers everything seeded.
    assert checkpoints.latest(session).tree_size == services.head(session).tree_size


def test_the_open_demo_tells_its_lifecycle_activities_and_moderation(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    kinds = Counter(e.kind for e in events(session, DEMO_SLUG))
    first = [e.kind for e in events(session, DEMO_SLUG)[:3]]
    assert first == ["consultation_scheduled", "version_published", "consultation_opened"]
    assert kinds["activity_registered"] == 2
    comments = list(
        session.scalars(select(Comment).join(Consultation).where(Consultation.slug == DEMO_SLUG))
    )
    assert kinds["comment_withdrawn"] == sum(c.withdrawn_at is not None for c in comments)
    assert kinds["comment_hidden"] >= 5
    assert kinds["comment_unhidden"] == 1
    assert kinds["comment_reported"] >= 3
    discarded = [
        s for s in submissions_of(session, DEMO_SLUG) if s.state is SubmissionState.DISCARDED
    ]
    assert kinds["submission_discarded"] == len(discarded) >= 1
    # A discarded submission's contact data went with it, as the job does it.
    assert all(s.contact is None or s.contact.email is None for s in discarded)
    opened = events(session, DEMO_SLUG, "consultation_opened")[0]
    version = session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG)).version
    assert opened.actor_role == "clock"
    assert opened.payload["content_hash"] == version.content_hash


def test_the_closed_demo_tells_its_closing_answers_and_erasures(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    chain = events(session, CLOSED_SLUG)
    kinds = [e.kind for e in chain]
    closing = kinds.index("consultation_closed")
    # Scheduled with its promise (answers five days after closing: now late), then opened.
    assert kinds[:4] == [
        "consultation_scheduled",
        "answers_due_set",
        "version_published",
        "consultation_opened",
    ]
    assert all(k.startswith(("submission_", "comment_", "activity_")) for k in kinds[4:closing])
    assert "answer_drafted" not in kinds[:closing]
    # The next version, fixed after closing, is published in this chain.
    versions = events(session, CLOSED_SLUG, "version_published")
    assert [e.payload["number"] for e in versions] == [1, 2]

    consultation = session.scalar(select(Consultation).where(Consultation.slug == CLOSED_SLUG))
    answers = list(session.scalars(select(Answer).where(Answer.consultation_id == consultation.id)))
    published = {e.object_id for e in events(session, CLOSED_SLUG, "answer_published")}
    assert published == {
        f"answer:{a.id}"
        for a in answers
        if a.state is AnswerState.PUBLISHED or a.superseded_at is not None
    }
    drafted = {e.object_id for e in events(session, CLOSED_SLUG, "answer_drafted")}
    assert drafted == {f"answer:{a.id}" for a in answers}
    assert len(events(session, CLOSED_SLUG, "answer_superseded")) == 1

    erased = events(session, CLOSED_SLUG, "personal_data_erased")
    contacts = list(
        session.scalars(
            select(SubmissionContact)
            .join(Submission)
            .where(Submission.consultation_id == consultation.id)
        )
    )
    assert len(erased) == sum(c.erased_at is not None for c in contacts) == 2


def test_no_email_or_name_of_the_demo_is_in_the_record(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    everything = json.dumps(
        [[e.object_id, e.payload] for e in session.scalars(select(RecordEvent))]
    )
    contacts = list(session.scalars(select(SubmissionContact)))
    assert any(c.email for c in contacts)
    assert any(c.display_name for c in contacts)
    for contact in contacts:
        for value in (contact.email, contact.display_name):
            if value:
                assert value not in everything
    assert "@example.org" not in everything


def test_seeding_the_demo_again_adds_nothing_to_the_record(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    before = [count(session, m) for m in (RecordEvent, RecordNode, RecordCheckpoint)]
    seed_demo(session)
    assert [count(session, m) for m in (RecordEvent, RecordNode, RecordCheckpoint)] == before
    assert verify(session).ok


def test_the_load_seed_records_every_submission_and_verifies(session, in_app):
    result = seed_load(session, 10, 300, seed=3)
    chain = events(session, result.slug)
    kinds = Counter(e.kind for e in chain)
    assert kinds == {
        "version_published": 1,
        "consultation_opened": 1,
        "submission_received": result.submissions,
        "submission_confirmed": result.submissions,
    }
    assert {e.object_id for e in chain if e.kind == "submission_received"} == {
        s.tracking_code for s in submissions_of(session, result.slug)
    }
    assert all(a.occurred_at <= b.occurred_at for a, b in pairwise(chain))
    report = verify(session)
    assert report.ok, list(report.failures)


def test_appending_many_writes_what_appending_one_by_one_writes(session, in_app):
    consultation = factories.consultation(session)
    services.append(  # the chain and the tree already hold something
        session,
        kind="comment_reported",
        consultation=consultation,
        object_type="comment",
        object_id="ABCD/1",
        actor_role="participant",
        payload={"reason": "offensive"},
    )
    base = services.head(session).tree_size
    moment = to_millisecond(consultation.opens_at)
    pending = [
        Pending(
            kind="submission_received" if n % 2 else "submission_confirmed",
            object_type="submission",
            object_id=f"CODE-{n}",
            actor_role="participant",
            occurred_at=moment,
            payload={"number": n, "sections": ["s-1", None], "ok": n % 3 == 0},
        )
        for n in range(37)  # odd: the frontier is left with several subtrees
    ]

    def written():
        session.expire_all()
        rows = session.execute(
            select(RecordEvent).where(RecordEvent.leaf_index >= base).order_by("leaf_index")
        ).scalars()
        nodes = session.execute(
            select(RecordNode.level, RecordNode.position, RecordNode.hash)
            .where(RecordNode.position >= 0)
            .order_by(RecordNode.id)
        ).all()
        kept = [
            (r.leaf_index, r.chain, r.seq, r.kind, r.payload, r.prev_hash, r.event_hash)
            for r in rows
        ]
        current = services.head(session)
        return kept, [tuple(n) for n in nodes], current.tree_size, list(current.frontier)

    nested = session.begin_nested()
    assert append_many(session, consultation, pending) == 37
    in_bulk = written()
    nested.rollback()
    for event in pending:
        services.append(
            session,
            kind=event.kind,
            consultation=consultation,
            object_type=event.object_type,
            object_id=event.object_id,
            actor_role=event.actor_role,
            payload=event.payload,
            occurred_at=event.occurred_at,
        )
    assert written() == in_bulk
    report = verify(session, cross_checks=[])  # made-up objects: the record itself only
    assert report.ok, list(report.failures)


def test_the_national_demo_fills_ten_regions_in_every_state(demo_session):
    """Draft, scheduled, open, closing within a week, answering, late, answered, reactienota
    published (with council decisions); a second run adds nothing."""
    from consult.consultations.models import CouncilDecision
    from consult.monitoring import statistics
    from consult.seeds.demo_national import seed_national

    session = demo_session  # the demo, seeded once (conftest.py)
    rows = {
        row.consultation.slug: row for row in statistics.overview(session, utcnow()).consultations
    }
    national = [rows[slug_for(p)] for p in PLANS if p.state != "draft"]
    assert len({p.code for p in PLANS}) >= 10
    assert {r.state.value for r in national} >= {
        "scheduled",
        "open",
        "closed",
        "answered",
        "report_published",
    }
    assert any(r.closes_within(7) for r in national)
    late = [r for r in national if r.answers_overdue]
    assert sorted(r.days_overdue for r in late) == [12, 30]
    assert any(r.state.value == "closed" and not r.answers_overdue and r.answered for r in national)
    assert sum(r.councils_adopted for r in national) >= 8
    assert slug_for(PLANS[6]) not in rows  # the draft is never public
    before = count(session, CouncilDecision), count(session, RecordEvent)
    assert seed_national(session, "x") == 0
    assert (count(session, CouncilDecision), count(session, RecordEvent)) == before
