"""The consultation lifecycle, its versions and its offline activities in the evidence record.

Every state change writes exactly one event of its kind, by the role that acted, in the
same transaction as the change, and a signed checkpoint follows it; a refused action
writes nothing. The clock's changes are the clock's, at the moment they were due, and the
clock signs a regular checkpoint when one is due (new leaves, half a minute after the
last), and only then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.consultations import activities, lifecycle
from consult.consultations.lifecycle import ConsultationError
from consult.consultations.models import ActivityKind, ConsultationState
from consult.db import utcnow
from consult.documents.services import VersionLocked, edit_section
from consult.evidence.verify import verify
from consult.ledger import checkpoints
from consult.ledger.canonical import moment, to_millisecond
from consult.ledger.models import RecordCheckpoint, RecordEvent
from consult.ledger.services import head
from consult.stakeholders.models import AgeBand
from tests import factories


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    """A request context: signing needs the app, refusals translate their message."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def official(session):
    return factories.region_user(session, "official")


def events_of(session, consultation) -> list[RecordEvent]:
    return list(
        session.scalars(
            select(RecordEvent)
            .where(RecordEvent.chain == consultation.slug)
            .order_by(RecordEvent.seq)
        )
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def signed_after(session, event: RecordEvent) -> RecordCheckpoint:
    """The latest checkpoint, which must cover ``event`` as the tree's last leaf."""
    latest = checkpoints.latest(session)
    assert latest is not None
    assert latest.tree_size == event.leaf_index + 1 == head(session).tree_size
    return latest


# -- officials' actions ------------------------------------------------------------------------


def test_scheduling_writes_its_events_by_the_official_and_a_checkpoint(session, official, in_app):
    consultation = factories.draft_consultation(session)
    lifecycle.schedule(session, official, consultation)

    event, promise = events_of(session, consultation)
    assert (event.kind, event.actor_role) == ("consultation_scheduled", "official")
    assert (event.object_type, event.object_id) == ("consultation", consultation.slug)
    assert event.consultation_id == consultation.id
    assert event.payload == {
        "opens_at": moment(consultation.opens_at),
        "closes_at": moment(consultation.closes_at),
    }
    # The promise of answers comes with it, as its own event (the day, nothing personal).
    assert (promise.kind, promise.actor_role) == ("answers_due_set", "official")
    assert promise.payload == {"answers_due_on": consultation.answers_due_on.isoformat()}
    assert signed_after(session, promise).reason.value == "state_change"

    lifecycle.unschedule(session, official, consultation)
    scheduled, _promise, unscheduled = events_of(session, consultation)
    assert scheduled == event
    assert (unscheduled.kind, unscheduled.actor_role) == ("consultation_unscheduled", "official")
    assert consultation.state is ConsultationState.DRAFT
    assert signed_after(session, unscheduled).reason.value == "state_change"
    assert verify(session).ok


def test_opening_early_records_the_version_then_the_opening(session, official, in_app):
    consultation = factories.draft_consultation(session)
    lifecycle.schedule(session, official, consultation)
    before = utcnow()
    lifecycle.open_now(session, official, consultation)

    version = consultation.version
    assert version.is_locked
    assert version.content_hash
    _, _promise, published, opened = events_of(session, consultation)
    assert (published.kind, published.actor_role) == ("version_published", "official")
    assert (published.object_type, published.object_id) == (
        "version",
        f"{version.document_id}/{version.number}",
    )
    assert published.payload == {
        "number": version.number,
        "document_id": version.document_id,
        "content_hash": version.content_hash,
        "sections": 3,
        "locked_at": moment(version.locked_at),
    }
    assert (opened.kind, opened.actor_role) == ("consultation_opened", "official")
    assert opened.payload == {
        "opens_at": moment(consultation.opens_at),
        "closes_at": moment(consultation.closes_at),
        "version": version.number,
        "document_id": version.document_id,
        "content_hash": version.content_hash,
    }
    assert opened.occurred_at >= to_millisecond(before)
    assert signed_after(session, opened).reason.value == "state_change"
    # The recorded hash is the text's: the version cannot change under it any more.
    with pytest.raises(VersionLocked):
        edit_section(session, official, version.sections[0], "Anders", "<p>Anders.</p>")


def test_extending_records_both_moments_and_a_hash_of_the_reason(session, official, in_app):
    consultation = factories.consultation(session, state="open")
    old = consultation.closes_at
    new = old + timedelta(days=7)
    lifecycle.extend(session, official, consultation, new, "  Herfstvakantie: meer tijd.  ")

    (event,) = events_of(session, consultation)
    assert (event.kind, event.actor_role) == ("consultation_extended", "official")
    assert event.payload == {
        "old_closes_at": moment(old),
        "new_closes_at": moment(new),
        "reason_hash": hashlib.sha256(b"Herfstvakantie: meer tijd.").hexdigest(),
    }
    assert "Herfstvakantie" not in str(event.payload)
    signed_after(session, event)


def test_a_moderator_acting_is_recorded_under_their_role_not_their_name(session, in_app):
    consultation = factories.draft_consultation(session)
    moderator = factories.region_user(session, "moderator", display_name="Samir Voorbeeld")
    lifecycle.schedule(session, moderator, consultation)
    for event in events_of(session, consultation):
        assert event.actor_role == "moderator"
        assert "Samir" not in str(event.payload)


@pytest.mark.parametrize(
    ("state", "act"),
    [
        ("open", lambda s, who, c: lifecycle.schedule(s, who, c)),
        ("draft", lambda s, who, c: lifecycle.unschedule(s, who, c)),
        ("closed", lambda s, who, c: lifecycle.open_now(s, who, c)),
        (
            "open",
            lambda s, who, c: lifecycle.extend(s, who, c, c.closes_at - timedelta(days=1), "x"),
        ),
        ("open", lambda s, who, c: lifecycle.extend(s, who, c, c.closes_at + timedelta(1), " ")),
    ],
)
def test_a_refused_action_writes_nothing(session, official, in_app, state, act):
    consultation = factories.consultation(session, state=state)
    with pytest.raises(ConsultationError):
        act(session, official, consultation)
    assert events_of(session, consultation) == []
    assert count(session, RecordCheckpoint) == 0


def test_the_event_is_part_of_the_change_and_goes_with_it(session, official, in_app):
    """Same transaction: rolling the change back takes its event and checkpoint along."""
    consultation = factories.draft_consultation(session)
    session.flush()
    size = head(session).tree_size
    nested = session.begin_nested()
    lifecycle.schedule(session, official, consultation)
    assert [e.kind for e in events_of(session, consultation)] == [
        "consultation_scheduled",
        "answers_due_set",
    ]
    nested.rollback()
    session.expire_all()
    assert consultation.state is ConsultationState.DRAFT
    assert events_of(session, consultation) == []
    assert head(session).tree_size == size
    assert count(session, RecordCheckpoint) == 0


# -- the clock ---------------------------------------------------------------------------------


def test_the_clock_opens_and_closes_as_the_clock_at_the_due_moments(session, in_app):
    to_open = factories.consultation(
        session, factories.document_version(session), state="scheduled", opens_in_days=-0.1
    )
    to_close = factories.consultation(session, state="open", opens_in_days=-40, closes_in_days=-0.5)
    session.flush()
    now = utcnow()
    tick = lifecycle.advance(session, now)
    assert (tick.opened, tick.closed) == ([to_open], [to_close])

    published, opened = events_of(session, to_open)
    assert (published.kind, published.actor_role) == ("version_published", "clock")
    assert (opened.kind, opened.actor_role) == ("consultation_opened", "clock")
    assert opened.occurred_at == to_millisecond(to_open.opens_at)
    assert published.payload["content_hash"] == to_open.version.content_hash
    (closed,) = events_of(session, to_close)
    assert (closed.kind, closed.actor_role) == ("consultation_closed", "clock")
    assert closed.occurred_at == to_millisecond(to_close.closes_at)
    assert closed.payload == {
        "opens_at": moment(to_close.opens_at),
        "closes_at": moment(to_close.closes_at),
    }
    # A checkpoint after each change, signed when the clock made it (not the due moment).
    made = list(session.scalars(select(RecordCheckpoint).order_by(RecordCheckpoint.id)))
    assert [(c.reason.value, c.tree_size) for c in made] == [
        ("state_change", opened.leaf_index + 1),
        ("state_change", closed.leaf_index + 1),
    ]
    assert all(c.made_at == to_millisecond(now) for c in made)

    again = lifecycle.advance(session, now + timedelta(seconds=30))
    assert not again.changed
    assert (len(events_of(session, to_open)), len(events_of(session, to_close))) == (2, 1)
    assert count(session, RecordCheckpoint) == 2
    assert verify(session).ok


def test_opening_on_a_version_another_consultation_published_records_it_in_this_chain_too(
    session, in_app
):
    version = factories.document_version(session)
    first = factories.consultation(session, version, state="scheduled", opens_in_days=-1)
    lifecycle.advance(session)
    second = factories.consultation(session, version, state="scheduled", opens_in_days=-0.1)
    lifecycle.advance(session)
    kinds = [[e.kind for e in events_of(session, c)] for c in (first, second)]
    assert kinds == [["version_published", "consultation_opened"]] * 2
    assert events_of(session, first)[0].payload == events_of(session, second)[0].payload


def test_an_hourly_checkpoint_is_made_when_due_and_not_otherwise(session, in_app):
    consultation = factories.consultation(session, state="open")
    start = utcnow()
    factories.record_events(session, consultation, 2)
    # Nothing signed yet and an open consultation: due at once.
    first = lifecycle.advance(session, start).hourly_checkpoint
    assert first is not None
    assert (first.reason.value, first.tree_size) == ("hourly", 2)
    # The tree did not grow: nothing to sign, however late.
    assert lifecycle.advance(session, start + timedelta(hours=3)).hourly_checkpoint is None
    factories.record_events(session, consultation, 1)
    # It grew, but the last one is not half a minute old yet.
    assert lifecycle.advance(session, start + timedelta(seconds=29)).hourly_checkpoint is None
    second = lifecycle.advance(session, start + timedelta(seconds=30)).hourly_checkpoint
    assert second is not None
    assert (second.reason.value, second.tree_size) == ("hourly", 3)
    assert count(session, RecordCheckpoint) == 2


def test_new_leaves_are_signed_without_an_open_consultation_too(session, in_app):
    """An answer drafted after closing is a new leaf too: signed within a minute."""
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-50, closes_in_days=-1
    )
    factories.record_events(session, consultation, 2)
    assert lifecycle.advance(session, utcnow()).hourly_checkpoint is not None
    assert count(session, RecordCheckpoint) == 1


# -- later steps -------------------------------------------------------------------------------


def test_answered_is_recorded_and_the_report_step_is_left_to_the_report(session, in_app):
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-50, closes_in_days=-1
    )
    responder = factories.region_user(session, "responder")
    at = utcnow()
    lifecycle.record_state(
        session, consultation, ConsultationState.ANSWERED, actor=responder, at=at
    )
    (answered,) = events_of(session, consultation)
    assert (answered.kind, answered.actor_role) == ("consultation_answered", "responder")
    assert answered.occurred_at == to_millisecond(at)
    signed_after(session, answered)

    lifecycle.record_state(
        session,
        consultation,
        ConsultationState.REPORT_PUBLISHED,
        actor=responder,
        at=at + timedelta(minutes=5),
    )
    assert events_of(session, consultation) == [answered]  # report_published is the report's
    assert consultation.state is ConsultationState.REPORT_PUBLISHED


def test_the_next_version_is_locked_and_recorded_once(session, official, in_app):
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-50, closes_in_days=-1
    )
    assert lifecycle.record_next_version(session, consultation, official) is None
    later = factories.document_version(
        session, document=consultation.version.document, number=2, sections=[("Nieuw", "<p>")]
    )
    assert not later.is_locked

    assert lifecycle.record_next_version(session, consultation, official) == later
    assert later.is_locked
    assert later.content_hash
    (event,) = events_of(session, consultation)
    assert (event.kind, event.actor_role, event.object_id) == (
        "version_published",
        "official",
        f"{later.document_id}/2",
    )
    assert event.payload["content_hash"] == later.content_hash
    assert event.payload["sections"] == 1

    assert lifecycle.record_next_version(session, consultation, official) == later
    assert len(events_of(session, consultation)) == 1


# -- offline activities ------------------------------------------------------------------------


def test_an_activity_is_recorded_with_counts_and_hashes_only(session, official, in_app):
    consultation = factories.consultation(session, state="open")
    young = factories.stakeholder_group(session, "young_person")
    parent = factories.stakeholder_group(session, "parent")
    activity = activities.register_activity(
        session,
        official,
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.SCHOOL_SESSION,
            held_on=lifecycle.today_in_amsterdam() - timedelta(days=2),
            place="Het Baken",
            summary="Leerlingen willen hulp op school.",
            participants={(young.id, AgeBand.FROM_12_TO_15): 18, (parent.id, None): 3},
        ),
    )
    counted = {  # in the order of the rows: by stakeholder group
        young.id: {"group": "young_person", "age_band": AgeBand.FROM_12_TO_15.value, "count": 18},
        parent.id: {"group": "parent", "age_band": None, "count": 3},
    }
    (event,) = events_of(session, consultation)
    assert (event.kind, event.actor_role) == ("activity_registered", "official")
    assert (event.object_type, event.object_id) == ("activity", f"activity:{activity.id}")
    assert event.payload == {
        "kind": "school_session",
        "held_on": activity.held_on.isoformat(),
        "participants": [counted[group_id] for group_id in sorted(counted)],
        "total": 21,
        "place_hash": hashlib.sha256(b"Het Baken").hexdigest(),
        "summary_hash": hashlib.sha256(b"Leerlingen willen hulp op school.").hexdigest(),
        "attachments": [],
    }
    assert "Baken" not in str(event.payload)

    activities.remove_activity(session, consultation, activity, official)
    _, removed = events_of(session, consultation)
    assert (removed.kind, removed.actor_role, removed.object_id) == (
        "activity_removed",
        "official",
        event.object_id,
    )
    assert removed.payload == {
        "kind": "school_session",
        "held_on": event.payload["held_on"],
        "total": 21,
    }
    assert verify(session).ok


def test_a_refused_activity_writes_nothing(session, official, in_app):
    consultation = factories.consultation(session, state="open")
    parent = factories.stakeholder_group(session, "parent")
    with pytest.raises(ConsultationError):
        activities.register_activity(
            session,
            official,
            consultation,
            activities.ActivityDetails(
                kind=ActivityKind.MEETING,
                held_on=lifecycle.today_in_amsterdam() + timedelta(days=3),
                place="",
                summary="",
                participants={(parent.id, None): 3},
            ),
        )
    assert events_of(session, consultation) == []
