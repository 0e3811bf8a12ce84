"""The lifecycle: officials' actions, the clock, extension, slugs and Amsterdam time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from consult.consultations import lifecycle, services
from consult.consultations.lifecycle import ConsultationError, NonexistentTime
from consult.consultations.models import ConsultationState, StateChange
from consult.db import utcnow
from tests import factories
from tests.consultations.conftest import at

DRAFT, SCHEDULED, OPEN, CLOSED = (
    ConsultationState.DRAFT,
    ConsultationState.SCHEDULED,
    ConsultationState.OPEN,
    ConsultationState.CLOSED,
)


def details(version, **overrides):
    values = {
        "version": version,
        "title": "Regiovisie jeugdhulp",
        "introduction": "Wat vind jij?",
        "contact_name": "Team Jeugd",
        "contact_email": "jeugd@example.org",
        "contact_phone": "",
        "opens_at": at(7),
        "closes_at": at(49),
        "invited_group_ids": [],
    }
    values.update(overrides)
    return services.ConsultationDetails(**values)


def changes(session, consultation):
    session.flush()
    return session.scalars(
        select(StateChange)
        .where(StateChange.consultation_id == consultation.id)
        .order_by(StateChange.id)
    ).all()


# -- create, slugs, update --------------------------------------------------------------------


def test_create_makes_a_draft_with_a_region_slug_and_a_recorded_creation(session, official):
    region = factories.region(session, "JZ22")
    version = factories.document_version(session)
    groups = [factories.stakeholder_group(session, "young_person").id]
    first = services.create_consultation(
        session,
        official,
        region,
        details(version, title="Regiovisie Jeugd!", invited_group_ids=groups),
    )
    second = services.create_consultation(
        session, official, region, details(version, title="Regiovisie jeugd")
    )
    third = services.create_consultation(
        session, official, region, details(version, title="Regiovisie  jeugd")
    )
    assert first.state is DRAFT
    assert [first.slug, second.slug, third.slug] == [
        "jz22-regiovisie-jeugd",
        "jz22-regiovisie-jeugd-2",
        "jz22-regiovisie-jeugd-3",
    ]
    assert [g.stakeholder_group_id for g in first.invited_groups] == groups
    (created,) = changes(session, first)
    assert (created.from_state, created.to_state, created.actor_id) == (None, DRAFT, official.id)


def test_a_version_of_another_regions_document_is_refused(session, official):
    region = factories.region(session, "JZ22")
    foreign = factories.document_version(session, "JZ24")
    with pytest.raises(ConsultationError) as error:
        services.create_consultation(session, official, region, details(foreign))
    assert error.value.field == "version"
    assert "this region's documents" in str(error.value)


def test_closing_must_come_after_opening(session, official):
    region = factories.region(session, "JZ22")
    version = factories.document_version(session)
    with pytest.raises(ConsultationError, match="after the opening moment"):
        services.create_consultation(
            session, official, region, details(version, opens_at=at(7), closes_at=at(6))
        )


def test_update_keeps_the_slug_and_a_scheduled_one_cannot_open_in_the_past(
    session, official, in_app
):
    consultation = factories.draft_consultation(session)
    slug = consultation.slug
    services.update_consultation(
        session, official, consultation, details(consultation.version, title="Nieuwe titel")
    )
    assert (consultation.title, consultation.slug) == ("Nieuwe titel", slug)
    lifecycle.schedule(session, official, consultation)
    with pytest.raises(ConsultationError, match="cannot open in the past"):
        services.update_consultation(
            session, official, consultation, details(consultation.version, opens_at=at(-1))
        )
    services.update_consultation(
        session, official, consultation, details(consultation.version, opens_at=at(3))
    )
    consultation.state = OPEN
    with pytest.raises(ConsultationError, match="has opened"):
        services.update_consultation(session, official, consultation, details(consultation.version))


# -- officials' transitions -------------------------------------------------------------------


def test_schedule_unschedule_and_open_now_are_recorded_with_the_official(session, official, in_app):
    consultation = factories.draft_consultation(session)
    lifecycle.schedule(session, official, consultation)
    assert consultation.state is SCHEDULED
    lifecycle.unschedule(session, official, consultation)
    assert consultation.state is DRAFT
    lifecycle.schedule(session, official, consultation)
    before = utcnow()
    lifecycle.open_now(session, official, consultation)
    assert consultation.state is OPEN
    assert consultation.opens_at >= before
    assert consultation.version.locked_at is not None
    recorded = [(c.from_state, c.to_state, c.actor_id) for c in changes(session, consultation)]
    assert recorded == [
        (DRAFT, SCHEDULED, official.id),
        (SCHEDULED, DRAFT, official.id),
        (DRAFT, SCHEDULED, official.id),
        (SCHEDULED, OPEN, official.id),
    ]


def test_schedule_needs_a_future_opening_and_a_version_with_sections(session, official):
    past = factories.draft_consultation(session, opens_in_days=-1)
    with pytest.raises(ConsultationError, match="opening moment has passed"):
        lifecycle.schedule(session, official, past)
    empty_version = factories.document_version(session, sections=[])
    empty = factories.consultation(
        session, empty_version, state="draft", opens_in_days=3, closes_in_days=40
    )
    with pytest.raises(ConsultationError, match="no sections"):
        lifecycle.schedule(session, official, empty)
    assert (past.state, empty.state) == (DRAFT, DRAFT)


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("scheduled", lifecycle.schedule, "Only a draft"),
        ("open", lifecycle.schedule, "Only a draft"),
        ("draft", lifecycle.unschedule, "Only a scheduled consultation that has not opened"),
        ("open", lifecycle.unschedule, "Only a scheduled consultation that has not opened"),
        ("draft", lifecycle.open_now, "Only a scheduled consultation can be opened early"),
        ("closed", lifecycle.open_now, "Only a scheduled consultation can be opened early"),
    ],
)
def test_invalid_transitions_are_refused_with_a_clear_message(
    session, official, state, action, message
):
    version = factories.document_version(session)
    consultation = factories.consultation(
        session, version, state=state, opens_in_days=2, closes_in_days=40
    )
    with pytest.raises(ConsultationError, match=message):
        action(session, official, consultation)
    assert consultation.state is ConsultationState(state)


# -- the clock --------------------------------------------------------------------------------


def test_advance_opens_and_closes_on_time_with_no_actor_and_the_due_moment(
    session, official, in_app
):
    unlocked = factories.document_version(session)
    due_open = factories.consultation(session, unlocked, state="scheduled", opens_in_days=-0.1)
    assert unlocked.locked_at is None
    not_yet = factories.consultation(session, state="scheduled", opens_in_days=1)
    due_close = factories.consultation(
        session, state="open", opens_in_days=-40, closes_in_days=-0.5
    )
    session.flush()

    tick = lifecycle.advance(session)

    assert tick.opened == [due_open]
    assert tick.closed == [due_close]
    assert (due_open.state, not_yet.state, due_close.state) == (OPEN, SCHEDULED, CLOSED)
    assert due_open.version.locked_at is not None
    (opened,) = changes(session, due_open)
    assert (opened.from_state, opened.to_state, opened.actor_id) == (SCHEDULED, OPEN, None)
    assert opened.changed_at == due_open.opens_at
    (closed,) = changes(session, due_close)
    assert (closed.to_state, closed.actor_id, closed.changed_at) == (
        CLOSED,
        None,
        due_close.closes_at,
    )


def test_advance_twice_records_one_change(session, in_app):
    consultation = factories.consultation(session, state="open", closes_in_days=-0.01)
    first = lifecycle.advance(session)
    second = lifecycle.advance(session)
    assert first.closed == [consultation]
    assert not second.changed
    assert len(changes(session, consultation)) == 1


def test_advance_opens_and_closes_in_one_tick_when_both_moments_passed(session, in_app):
    consultation = factories.consultation(
        session, state="scheduled", opens_in_days=-10, closes_in_days=-1
    )
    lifecycle.advance(session)
    recorded = [(c.to_state, c.changed_at) for c in changes(session, consultation)]
    assert recorded == [(OPEN, consultation.opens_at), (CLOSED, consultation.closes_at)]


def test_an_open_consultation_accepts_comments_until_the_closing_moment(session):
    consultation = factories.consultation(session, state="open", closes_in_days=1)
    assert consultation.accepts_comments_at(utcnow())
    assert not consultation.accepts_comments_at(consultation.closes_at)


# -- extending --------------------------------------------------------------------------------


def test_extend_only_later_with_a_reason_kept(session, official, in_app):
    consultation = factories.consultation(session, state="open", closes_in_days=10)
    old = consultation.closes_at
    with pytest.raises(ConsultationError, match="never be earlier"):
        lifecycle.extend(session, official, consultation, old - timedelta(days=1), "korter")
    with pytest.raises(ConsultationError, match="never be earlier"):
        lifecycle.extend(session, official, consultation, old, "gelijk")
    with pytest.raises(ConsultationError, match="Write why"):
        lifecycle.extend(session, official, consultation, old + timedelta(days=7), "  ")
    change = lifecycle.extend(
        session, official, consultation, old + timedelta(days=7), " Zomervakantie "
    )
    assert consultation.closes_at == old + timedelta(days=7)
    assert (change.old_closes_at, change.new_closes_at, change.reason, change.actor_id) == (
        old,
        old + timedelta(days=7),
        "Zomervakantie",
        official.id,
    )


def test_a_closed_consultation_cannot_be_extended(session, official):
    consultation = factories.consultation(session, state="closed", closes_in_days=-1)
    with pytest.raises(ConsultationError, match="A closed one stays closed"):
        lifecycle.extend(session, official, consultation, at(10), "Opnieuw open")


# -- Amsterdam time ---------------------------------------------------------------------------


def test_winter_and_summer_time_are_converted_to_utc():
    assert lifecycle.to_utc(date(2026, 1, 15), time(17, 0)) == datetime(
        2026, 1, 15, 16, 0, tzinfo=UTC
    )
    assert lifecycle.to_utc(date(2026, 7, 1), time(9, 0)) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_the_hour_that_happens_twice_picks_the_later_for_closing_and_earlier_for_opening():
    later = lifecycle.to_utc(date(2026, 10, 25), time(2, 30), later=True)
    earlier = lifecycle.to_utc(date(2026, 10, 25), time(2, 30), later=False)
    assert later == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter time
    assert earlier == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time


def test_the_skipped_hour_in_spring_does_not_exist():
    with pytest.raises(NonexistentTime):
        lifecycle.to_utc(date(2026, 3, 29), time(2, 30))
    assert lifecycle.to_utc(date(2026, 3, 29), time(3, 0)) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_the_default_period_is_next_monday_nine_to_six_weeks_later_five():
    opens, closes = lifecycle.default_period(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # a Wednesday
    assert opens == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # 09:00 winter time
    assert closes == datetime(2026, 4, 20, 15, 0, tzinfo=UTC)  # 17:00 summer time
    monday_opens, _ = lifecycle.default_period(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))
    assert lifecycle.to_amsterdam(monday_opens).date() == date(2026, 3, 16)
