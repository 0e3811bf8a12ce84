"""The day a region promises its answers: stated when scheduled, moved only with a reason,
shown to everyone, and late when it passes while comments still wait."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from consult.consultations import lifecycle
from consult.consultations.lifecycle import ConsultationError
from consult.consultations.models import AnswerDateChange, ConsultationState
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.follows import services as follows
from consult.follows.models import Frequency, Notice, TargetKind
from consult.ledger.models import RecordEvent
from consult.regions import services as region_services
from consult.responses import queries
from consult.responses.answers import services as answers
from consult.responses.models import Disposition
from tests import factories
from tests.conftest import log_in, submit_form
from tests.consultations.conftest import text_of
from tests.record.conftest import tampering


def events_of(session, consultation, kind="answers_due_set") -> list[RecordEvent]:
    return list(
        session.scalars(
            select(RecordEvent)
            .where(RecordEvent.chain == consultation.slug, RecordEvent.kind == kind)
            .order_by(RecordEvent.seq)
        )
    )


def closed_with_comments(session, *, due_in_days: int, comments: int = 2):
    """A closed consultation with ``comments`` comments and its promised day set."""
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-60, closes_in_days=-20
    )
    consultation.answers_due_on = lifecycle.today_in_amsterdam() + timedelta(days=due_in_days)
    session.flush()
    submission = factories.submission(
        session, consultation, [("s-1", f"Reactie {n}") for n in range(comments)]
    )
    session.flush()
    return consultation, submission.comments


# -- the promise --------------------------------------------------------------------------------


def test_scheduling_states_the_regions_usual_promise_in_the_record(session, official, in_app):
    consultation = factories.draft_consultation(session)
    consultation.region.answer_weeks = 6
    lifecycle.schedule(session, official, consultation)
    expected = lifecycle.closing_day(consultation) + timedelta(weeks=6)
    assert consultation.answers_due_on == expected
    [event] = events_of(session, consultation)
    assert event.payload == {"answers_due_on": expected.isoformat()}
    assert event.actor_role == "official"


def test_a_draft_keeps_the_date_its_region_chose(session, official, in_app):
    consultation = factories.draft_consultation(session)
    chosen = lifecycle.closing_day(consultation) + timedelta(days=30)
    consultation.answers_due_on = chosen
    session.flush()
    lifecycle.schedule(session, official, consultation)
    assert consultation.answers_due_on == chosen
    assert events_of(session, consultation)[0].payload["answers_due_on"] == chosen.isoformat()


def test_a_promise_before_the_closing_day_cannot_be_scheduled(session, official, in_app):
    consultation = factories.draft_consultation(session)
    consultation.answers_due_on = lifecycle.closing_day(consultation)
    problems = lifecycle.schedule_problems(session, consultation)
    assert [p.field for p in problems] == ["answers_due_on"]
    with pytest.raises(ConsultationError, match="only be due after the consultation closes"):
        lifecycle.schedule(session, official, consultation)


def test_extending_moves_the_promise_with_the_closing_day_as_its_own_event(
    session, official, in_app
):
    consultation = factories.consultation(session, state="open", closes_in_days=10)
    consultation.answers_due_on = lifecycle.default_answers_due(consultation)
    session.flush()
    before = consultation.answers_due_on
    lifecycle.extend(
        session, official, consultation, consultation.closes_at + timedelta(days=14), "Vakantie"
    )
    assert consultation.answers_due_on == before + timedelta(days=14)
    [moved] = events_of(session, consultation)
    assert moved.payload["previous"] == before.isoformat()
    assert moved.payload["answers_due_on"] == (before + timedelta(days=14)).isoformat()
    assert moved.payload["reason_hash"] == lifecycle.reason_hash("Vakantie")
    [change] = consultation.answer_date_changes
    assert (change.old_due_on, change.reason) == (before, "Vakantie")


def test_moving_the_promise_takes_a_reason_and_a_new_date_after_closing(session, official, in_app):
    consultation, _ = closed_with_comments(session, due_in_days=3)
    due = consultation.answers_due_on
    with pytest.raises(ConsultationError, match="Write why"):
        lifecycle.move_answers_due(session, official, consultation, due + timedelta(days=7), " ")
    with pytest.raises(ConsultationError, match="another date than the current one"):
        lifecycle.move_answers_due(session, official, consultation, due, "Meer tijd")
    with pytest.raises(ConsultationError, match="only be due after the consultation closes"):
        lifecycle.move_answers_due(
            session, official, consultation, lifecycle.closing_day(consultation), "Eerder"
        )
    with pytest.raises(ConsultationError, match="within half a year"):
        lifecycle.move_answers_due(
            session, official, consultation, due + timedelta(weeks=40), "Veel later"
        )
    change = lifecycle.move_answers_due(
        session, official, consultation, due + timedelta(days=7), "Veel meer reacties"
    )
    assert consultation.answers_due_on == due + timedelta(days=7)
    assert (change.old_due_on, change.new_due_on, change.actor_id) == (
        due,
        due + timedelta(days=7),
        official.id,
    )
    assert events_of(session, consultation)[-1].payload["previous"] == due.isoformat()


def test_once_everything_is_answered_the_date_stays(session, official):
    consultation = factories.consultation(
        session, state="answered", opens_in_days=-60, closes_in_days=-20
    )
    consultation.answers_due_on = lifecycle.today_in_amsterdam()
    with pytest.raises(ConsultationError, match="until every comment has its answer"):
        lifecycle.move_answers_due(
            session, official, consultation, consultation.answers_due_on + timedelta(7), "x"
        )


def test_verify_names_a_promise_changed_without_a_recorded_reason(session, official, in_app):
    consultation = factories.draft_consultation(session)
    lifecycle.schedule(session, official, consultation)
    assert verify(session).ok
    with tampering(session):
        session.execute(
            text("UPDATE consultations SET answers_due_on = :day WHERE id = :id"),
            {"day": consultation.answers_due_on + timedelta(days=60), "id": consultation.id},
        )
    report = verify(session)
    assert not report.ok
    assert any(
        f"consultation {consultation.slug}: its answers are due on" in failure
        for failure in report.failures
    )


# -- late ---------------------------------------------------------------------------------------


def test_a_passed_promise_with_waiting_comments_is_late(session):
    consultation, _ = closed_with_comments(session, due_in_days=-3)
    status = queries.answer_status(session, [consultation])[consultation.id]
    assert (status.comments, status.answered, status.waiting) == (2, 0, 2)
    assert status.overdue
    assert status.days_overdue == 3


def test_the_promised_day_itself_is_not_late(session):
    consultation, _ = closed_with_comments(session, due_in_days=0)
    status = queries.answer_status(session, [consultation])[consultation.id]
    assert not status.overdue
    assert status.days_overdue is None


def test_every_comment_answered_is_never_late(session, in_app):
    consultation, comments = closed_with_comments(session, due_in_days=-10)
    responder = factories.region_user(session, "responder")
    approver = factories.region_user(session, "official")
    answer = answers.draft_answer(
        session, responder, consultation, comments, Disposition.NOTED, "Gelezen."
    )
    answers.approve(session, approver, answer)
    answers.publish(session, approver, consultation)
    status = queries.answer_status(session, [consultation])[consultation.id]
    assert (status.waiting, status.overdue) == (0, False)
    assert consultation.state is ConsultationState.ANSWERED


def test_followers_hear_once_that_the_answers_are_late_and_again_after_a_move(
    session, official, in_app
):
    follower = factories.user(session, "volger@example.org")
    consultation, _ = closed_with_comments(session, due_in_days=-1)
    follows.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY)
    [notice] = follows.note_overdue(session)
    assert (notice.event, notice.consultation_id) == (follows.OVERDUE, consultation.id)
    assert follows.note_overdue(session) == []
    lifecycle.move_answers_due(
        session,
        official,
        consultation,
        lifecycle.today_in_amsterdam() + timedelta(days=1),
        "Meer tijd nodig",
    )
    assert follows.note_overdue(session) == []  # the new day has not passed
    consultation.answers_due_on = lifecycle.today_in_amsterdam() - timedelta(days=2)
    session.flush()
    assert len(follows.note_overdue(session)) == 1


def test_followers_hear_when_the_consultation_closes(session, in_app):
    follower = factories.user(session, "volger@example.org")
    consultation = factories.consultation(
        session, state="open", opens_in_days=-30, closes_in_days=-0.01
    )
    consultation.answers_due_on = lifecycle.default_answers_due(consultation)
    follows.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.IMMEDIATE)
    lifecycle.advance(session, utcnow())
    events = session.scalars(select(Notice.event).where(Notice.user_id == follower.id)).all()
    assert events == [follows.CLOSED]


# -- pages, feeds and the API ------------------------------------------------------------------


def test_an_official_moves_the_promise_and_everyone_sees_why(english_client, session, official):
    consultation, _ = closed_with_comments(session, due_in_days=-2)
    region = consultation.region
    log_in(english_client, official.email)
    path = f"/regios/{region.code}/beheer/consultaties/{consultation.id}/antwoorddatum"
    page = text_of(english_client.get(path))
    assert "Now promised: every comment has its published answer by" in page
    refused = submit_form(
        english_client, path, {"answers_due_on": "2026-13-40", "reason": "Drukte"}
    )
    assert refused.status_code == 200
    assert "Fill in a date like 2026-06-08." in text_of(refused)
    assert "Drukte</textarea>" in refused.get_data(as_text=True)  # what was typed stays
    new_day = lifecycle.today_in_amsterdam() + timedelta(days=14)
    moved = submit_form(
        english_client, path, {"answers_due_on": new_day.isoformat(), "reason": "Veel reacties"}
    )
    assert moved.status_code == 302
    detail = text_of(english_client.get(moved.headers["Location"]))
    assert "Answer date moved from" in detail
    assert "Reason: Veel reacties" in detail
    assert session.scalar(select(AnswerDateChange.reason)) == "Veel reacties"


def test_a_closed_consultation_says_how_many_comments_wait(english_client, session, official):
    consultation, _ = closed_with_comments(session, due_in_days=-4, comments=3)
    log_in(english_client, official.email)
    page = text_of(english_client.get(f"/regios/JZ22/beheer/consultaties/{consultation.id}"))
    assert "Nothing about it can change any more" not in page
    assert "3 comments still wait for their answer" in page
    assert "4 days late" in page
    assert "Move the answer date" in page


def test_a_moderator_cannot_move_the_promise(english_client, session):
    consultation, _ = closed_with_comments(session, due_in_days=5)
    moderator = factories.region_user(session, "moderator")
    log_in(english_client, moderator.email)
    path = f"/regios/JZ22/beheer/consultaties/{consultation.id}/antwoorddatum"
    assert english_client.get(path).status_code == 403


def test_the_api_and_the_feed_say_when_answers_are_late(client, session):
    consultation, _ = closed_with_comments(session, due_in_days=-5)
    body = client.get(f"/api/v1/consultations/{consultation.slug}").get_json()
    assert body["answers_due_on"] == consultation.answers_due_on.isoformat()
    assert (body["answers_overdue"], body["days_overdue"]) == (True, 5)
    assert (body["comments_to_answer"], body["comments_answered"]) == (2, 0)
    feed = client.get(f"/consultaties/{consultation.slug}/nieuws.atom").get_data(as_text=True)
    assert f"Antwoorden te laat: {consultation.title}" in feed


def test_a_region_chooses_how_many_weeks_it_takes_to_answer(english_client, session, official):
    log_in(english_client, official.email)
    path = "/regios/JZ22/beheer/instellingen"
    action = "/regios/JZ22/beheer/instellingen/antwoordtermijn"
    refused = submit_form(english_client, path, {"weeks": "30"}, action=action)
    assert refused.status_code == 400
    assert "Choose between 1 and 26 weeks." in text_of(refused)
    saved = submit_form(english_client, path, {"weeks": "6"}, action=action)
    assert saved.status_code == 302
    assert factories.region(session).answer_weeks == 6
    [event] = session.scalars(
        select(RecordEvent).where(RecordEvent.kind == "region_setting_changed")
    ).all()
    assert event.payload == {"setting": "answer_weeks", "value": 6}
    assert not region_services.set_answer_weeks(session, official, factories.region(session), 6)
