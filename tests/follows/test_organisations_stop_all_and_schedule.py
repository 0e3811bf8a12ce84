"""Following an organisation, the links that stop all follow emails, and the daily email
that the clock starts by itself."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from consult import jobs
from consult.consultations import lifecycle
from consult.extensions import db
from consult.follows import schedule, sending, services, tokens
from consult.follows.models import Follow, Frequency, Notice, TargetKind
from consult.jobs import Job
from tests import factories
from tests.comments.test_concurrency import racing_app  # noqa: F401 (a fixture)
from tests.conftest import free_port, log_in, submit_form
from tests.follows.conftest import FOLLOWER
from tests.follows.test_follows import (
    path_of,
    publish_answers_and_run_jobs,
    unfolded,
)

EN = {"Accept-Language": "en"}


def links(outbox, message, part: str) -> list[str]:
    return [link for link in outbox.links_in(message) if part in link]


def follows_of(session, person) -> list[tuple[TargetKind, Frequency]]:
    session.expire_all()
    return sorted(
        (
            (f.target_kind, f.frequency)
            for f in session.scalars(select(Follow).where(Follow.user_id == person.id))
        ),
        key=lambda pair: (pair[0].value, pair[1].value),
    )


# -- organisations ----------------------------------------------------------------------------


def test_a_verified_organisation_can_be_followed_from_its_page_and_its_answers_are_mailed(
    app, session, world, follower, outbox
):
    organisation = factories.organisation(session, "Jeugdstem Utrecht", verified=True)
    client = app.test_client()
    log_in(client, FOLLOWER)
    page = f"/organisaties/{organisation.slug}"
    before = client.get(page, headers=EN).get_data(as_text=True)
    assert f'action="/volgen/organisation/{organisation.id}"' in before
    assert "when a region answers the comments of this organisation" in before

    response = submit_form(
        client, page, {"frequency": "immediate"}, action=f"/volgen/organisation/{organisation.id}"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    assert follows_of(session, follower) == [(TargetKind.ORGANISATION, Frequency.IMMEDIATE)]
    assert "You follow this" in client.get(page, headers=EN).get_data(as_text=True)

    # The organisation commented; the region answers: its follower hears of it.
    submission = world.submission([("s-1", "Namens onze leden: meer inspraak.")], email=None)
    submission.organisation_id = organisation.id
    session.flush()
    world.answer(submission.comments)
    publish_answers_and_run_jobs(app, session, world)
    [mail] = outbox.to(FOLLOWER)
    assert f"Answers to the comments on {world.consultation.title}" in outbox.text_of(mail)


def test_an_unverified_organisation_cannot_be_followed(app, session, follower):
    hidden = factories.organisation(session, "Nog niet geverifieerd", verified=False)
    client = app.test_client()
    log_in(client, FOLLOWER)
    response = submit_form(
        client,
        "/account/volgen",
        {"frequency": "daily"},
        action=f"/volgen/organisation/{hidden.id}",
    )
    assert response.status_code == 404
    assert follows_of(session, follower) == []


# -- stop all ---------------------------------------------------------------------------------


def test_every_mail_has_a_stop_all_link_that_ends_every_follow_without_log_in(
    app, session, world, follower, outbox
):
    region = factories.region(session)
    services.follow(session, follower, TargetKind.REGION, region.id, Frequency.DAILY)
    services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    someone_else = factories.user(session, "ander@example.org")
    services.follow(session, someone_else, TargetKind.REGION, region.id, Frequency.DAILY)
    publish_answers_and_run_jobs(app, session, world)
    [mail] = outbox.to(FOLLOWER)
    [stop_all] = links(outbox, mail, "/afmelden/alles/")
    assert "To stop all emails about everything you follow" in outbox.text_of(mail)
    # The header stops what this mail is about (the one follow), not everything.
    assert "/afmelden/alles/" not in unfolded(mail["List-Unsubscribe"])

    anonymous = app.test_client()
    confirm = anonymous.get(path_of(stop_all), headers=EN).get_data(as_text=True)
    assert "all 2 things you follow" in confirm
    assert len(follows_of(session, follower)) == 2  # a GET changes nothing
    done = submit_form(anonymous, path_of(stop_all), {}, headers=EN)
    assert done.status_code == 200
    assert "You no longer follow anything" in done.get_data(as_text=True)
    assert follows_of(session, follower) == []
    assert follows_of(session, someone_else) == [(TargetKind.REGION, Frequency.DAILY)]
    again = anonymous.get(path_of(stop_all), headers=EN).get_data(as_text=True)
    assert "There is nothing left to stop" in again


def test_the_daily_emails_one_click_header_stops_the_daily_follows_only(
    app, session, world, follower, outbox, in_app
):
    consultation = factories.consultation(session, closes_in_days=3)
    services.follow(session, follower, TargetKind.REGION, consultation.region_id, Frequency.DAILY)
    other = factories.region(session)
    services.follow(session, follower, TargetKind.REGION, other.id, Frequency.DAILY)
    services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    services.notify(session, consultation, services.CLOSES_SOON, consultation.closes_at)
    jobs.forget_planned(session)
    assert sending.send_digest(session).sent == 1
    [mail] = outbox.to(FOLLOWER)
    header = unfolded(mail["List-Unsubscribe"]).strip("<>")
    assert "/afmelden/alles/" in header
    assert "To stop the daily email" in outbox.text_of(mail)

    # The mail program's one-click POST: no log-in, no CSRF token.
    response = app.test_client().post(
        path_of(header), data={"List-Unsubscribe": "One-Click"}, headers=EN
    )
    assert response.status_code == 200
    assert "You get no more daily emails" in response.get_data(as_text=True)
    assert follows_of(session, follower) == [(TargetKind.CONSULTATION, Frequency.IMMEDIATE)]


def test_stop_all_tokens_cannot_be_forged_or_swapped_with_other_links(app, session, follower):
    follow = services.follow(session, follower, TargetKind.REGION, 1, Frequency.DAILY)
    with app.app_context():
        one_follow = tokens.make(follow)  # signed, but for another purpose
        good = tokens.make_all(follower)
    altered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    client = app.test_client()
    for token in (one_follow, altered, "garbage"):
        for method in (client.get, client.post):
            response = method(f"/afmelden/alles/{token}", headers=EN)
            assert response.status_code == 400, token
            assert "This link does not work" in response.get_data(as_text=True)
    # The "stop all" token does not work as a one-follow link either.
    assert client.post(f"/afmelden/{good}", headers=EN).status_code == 400
    assert follows_of(session, follower) == [(TargetKind.REGION, Frequency.DAILY)]
    # Made for the address the account had: once it changed, the old link stops nothing.
    follower.email = "nieuw.adres@example.org"
    session.flush()
    moved = client.post(f"/afmelden/alles/{good}", headers=EN)
    assert moved.status_code == 200
    assert "There is nothing left to stop" in moved.get_data(as_text=True)
    assert follows_of(session, follower) == [(TargetKind.REGION, Frequency.DAILY)]


# -- the daily email from the clock -----------------------------------------------------------


def amsterdam(hour: int, minute: int = 0, day: int = 30) -> datetime:
    # 30 November: Amsterdam is UTC+1.
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)


def digest_jobs(session) -> list[str]:
    return list(
        session.scalars(select(Job.subject).where(Job.kind == sending.DIGEST_KIND).order_by(Job.id))
    )


def test_the_digest_is_queued_once_a_day_after_its_time(session):
    at = time(7, 0)
    assert schedule.queue_if_due(session, at, amsterdam(6, 59)) is None
    first = schedule.queue_if_due(session, at, amsterdam(7, 0))
    assert first is not None
    assert first.subject == "daily:2026-11-30"
    assert schedule.queue_if_due(session, at, amsterdam(7, 1)) is None
    assert schedule.queue_if_due(session, at, amsterdam(23, 30)) is None
    # 00:30 in Amsterdam is still the evening before in UTC: the day is Amsterdam's.
    assert schedule.queue_if_due(session, at, datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) is None
    second = schedule.queue_if_due(session, at, datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    assert second is not None
    assert second.subject == "daily:2026-12-01"
    assert schedule.queue_if_due(session, None, amsterdam(12)) is None
    assert digest_jobs(session) == ["daily:2026-11-30", "daily:2026-12-01"]


@pytest.mark.parametrize(("value", "expected"), [("07:00", time(7)), ("6:30", None), ("off", None)])
def test_the_digest_time_setting(value, expected):
    if value == "6:30":
        with pytest.raises(schedule.ScheduleError, match="HH:MM or off"):
            schedule.digest_time({"FOLLOWS_DIGEST_AT": value})
    else:
        assert schedule.digest_time({"FOLLOWS_DIGEST_AT": value}) == expected


def test_the_clock_sends_the_daily_email_by_itself(
    app, session, follower, outbox, monkeypatch, quiet_housekeeping
):
    consultation = factories.consultation(session, closes_in_days=4)
    services.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY)
    session.commit()
    monkeypatch.setitem(app.config, "FOLLOWS_DIGEST_AT", "00:00")
    lifecycle.clock_for(app).reset()
    with app.app_context():
        lifecycle.tick_in_own_transaction(app)
    [mail] = outbox.to(FOLLOWER)
    assert f"{consultation.title} closes within 7 days." in outbox.text_of(mail)
    [job] = session.scalars(select(Job).where(Job.kind == sending.DIGEST_KIND)).all()
    session.refresh(job)
    assert job.state is jobs.JobState.DONE
    # The next tick the same day sends nothing more.
    outbox.clear()
    lifecycle.clock_for(app).reset()
    with app.app_context():
        lifecycle.tick_in_own_transaction(app)
    assert outbox.to(FOLLOWER) == []
    assert session.scalar(select(func.count(Job.id)).where(Job.kind == sending.DIGEST_KIND)) == 1


def test_a_digest_run_from_cron_counts_as_the_days_run(app, session, follower, outbox):
    consultation = factories.consultation(session, closes_in_days=2)
    services.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY)
    session.commit()
    result = app.test_cli_runner().invoke(args=["follows", "digest"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 mails sent, 0 failed" in result.output
    assert len(outbox.to(FOLLOWER)) == 1
    assert session.scalar(select(func.count(Notice.id)).where(Notice.sent_at.is_(None))) == 0
    assert schedule.queue_if_due(session, time(0, 0), datetime.now(UTC)) is None


@pytest.mark.parametrize("value", ["7h", "07:00+01:00", "25:00", "7:00"])
def test_a_wrong_digest_time_stops_the_start_not_the_clock(tmp_path, value):
    from consult.app import create_app
    from consult.config import ConfigError

    settings = {"INSTANCE_PATH": str(tmp_path), "FOLLOWS_DIGEST_AT": value}
    with pytest.raises(ConfigError, match="CONSULT_FOLLOWS_DIGEST_AT must be HH:MM or off"):
        create_app(settings, "testing")


def test_a_failing_digest_never_undoes_the_clock(
    app, session, monkeypatch, quiet_housekeeping, caplog
):
    scheduled = factories.consultation(session, state="scheduled", opens_in_days=-0.01)
    session.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("the digest broke")

    monkeypatch.setattr(schedule, "queue_if_due", broken)
    monkeypatch.setitem(app.config, "FOLLOWS_DIGEST_AT", "00:00")
    lifecycle.clock_for(app).reset()
    with app.app_context():
        tick = lifecycle.tick_in_own_transaction(app)
    assert tick is not None
    assert [c.id for c in tick.opened] == [scheduled.id]
    session.expire_all()
    assert session.get(type(scheduled), scheduled.id).state.value == "open"
    assert "could not start the daily follow email" in caplog.text


def test_the_cron_tick_waits_for_a_digest_that_falls_back_to_a_thread(
    racing_app,  # noqa: F811 (the fixture, imported above)
    outbox,
    monkeypatch,
):
    """With Redis unreachable the job runs in a thread of the command: the command waits
    for it, or the mail would die with the process. (An app and database of its own: the
    job's threads need connections of their own.)"""
    app = racing_app
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.config, "FOLLOWS_DIGEST_AT", "00:00")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        person = factories.user(db.session, FOLLOWER, locale="en")
        consultation = factories.consultation(db.session, closes_in_days=3)
        title = consultation.title
        services.follow(
            db.session, person, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["consultations", "tick", "--quiet"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "sending the daily follow email" in result.output
    [mail] = outbox.to(FOLLOWER)  # there when the command returns: it waited
    assert f"{title} closes within 7 days." in outbox.text_of(mail)
    with app.app_context():
        [state] = db.session.scalars(select(Job.state).where(Job.kind == sending.DIGEST_KIND))
    assert state is jobs.JobState.DONE


def test_a_reminder_noted_by_another_run_at_the_same_moment_does_not_stop_the_sending(
    app, session, follower, outbox, monkeypatch, in_app
):
    """Two servers' clocks may start the day's run together; both note the same reminder
    and the database's unique key refuses the second. That run still sends what is due."""
    consultation = factories.consultation(session, closes_in_days=3)
    services.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY)
    [noted] = services.note_closing_soon(session)
    jobs.forget_planned(session)
    session.commit()
    real = services.note_closing_soon

    def as_the_other_run_did(race_session, now=None):
        # What the other run inserted a moment earlier, inserted again: the real refusal.
        race_session.add(
            Notice(
                user_id=noted.user_id,
                follow_id=noted.follow_id,
                event_key=noted.event_key,
                event=noted.event,
                consultation_id=noted.consultation_id,
            )
        )
        race_session.flush()
        return real(race_session, now)

    monkeypatch.setattr(services, "note_closing_soon", as_the_other_run_did)
    result = sending.daily(session)
    assert (result.sent, result.failed) == (1, 0)
    [mail] = outbox.to(FOLLOWER)
    assert f"{consultation.title} closes within 7 days." in outbox.text_of(mail)
