"""Follows and their emails, end to end: the follow form, the events, the jobs that send
through the real SMTP test server, the unsubscribe link without log-in, retries."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from itsdangerous import URLSafeSerializer
from sqlalchemy import func, inspect, select, update

from consult import jobs
from consult import outbox as box
from consult.consultations import lifecycle
from consult.db import utcnow
from consult.follows import sending, services, tokens
from consult.follows.models import Follow, Frequency, Notice, TargetKind
from consult.outbox import OutboxMail, OutboxState
from consult.responses.answers import notify
from tests import factories
from tests.conftest import csrf_token, free_port, log_in, submit_form
from tests.follows.conftest import FOLLOWER
from tests.responses.tracing_support import World


def publish_answers_and_run_jobs(app, session, world: World, text: str = "Meer hulp op school."):
    """Answers are published (the real service), then the answer-mail job and the follow
    mails job run as the view would start them, inline."""
    submission = world.submission([("s-2", text)], email="ouder@example.org")
    world.answer(submission.comments)
    answer_job = notify.after_publication(session, world.consultation)
    follow_job = next(
        (job for job, work in jobs.planned(session) if work == sending.IMMEDIATE_WORK), None
    )
    jobs.forget_planned(session)  # the test runs the work itself
    session.flush()
    jobs.run(answer_job.id, notify.WORK, app=app)
    if follow_job is not None:
        jobs.run(follow_job, sending.IMMEDIATE_WORK, app=app)
    session.expire_all()
    return follow_job


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def unfolded(header: str) -> str:
    return header.replace("\r\n", "").strip()


def still_there(session, follow: Follow) -> Follow | None:
    follow_id = inspect(follow).identity[0]  # without loading a row that may be gone
    session.expire_all()
    return session.scalar(select(Follow).where(Follow.id == follow_id))


def unsubscribe_link(outbox, message) -> str:
    [link] = [
        link
        for link in outbox.links_in(message)
        if "/afmelden/" in link and "/afmelden/alles/" not in link
    ]
    return link


def test_following_a_consultation_and_publishing_answers_sends_one_mail_with_a_working_unsubscribe_link(  # noqa: E501
    app, session, world, follower, outbox
):
    client = app.test_client()
    log_in(client, FOLLOWER)
    page = f"/consultaties/{world.consultation.slug}"
    response = submit_form(
        client,
        page,
        {"frequency": "immediate"},
        action=f"/volgen/consultation/{world.consultation.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    [follow] = session.scalars(select(Follow).where(Follow.user_id == follower.id)).all()
    assert (follow.target_kind, follow.frequency) == (TargetKind.CONSULTATION, Frequency.IMMEDIATE)
    assert "You follow this" in client.get(page, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )

    follow_job = publish_answers_and_run_jobs(app, session, world)

    assert follow_job is not None
    [mail] = outbox.to(FOLLOWER)
    body = outbox.text_of(mail)
    assert world.consultation.title in mail["Subject"].replace("\r\n", "")
    assert f"Answers to the comments on {world.consultation.title} were published." in body
    assert f"http://consult.test/consultaties/{world.consultation.slug}" in body
    # The follower is told the event, never someone else's comment.
    assert "Meer hulp op school." not in body
    link = unsubscribe_link(outbox, mail)
    assert unfolded(mail["List-Unsubscribe"]) == f"<{link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notice = session.scalar(select(Notice).where(Notice.user_id == follower.id))
    assert notice.sent_at is not None
    assert notice.event_key.startswith(f"consultation:{world.consultation.id}:answers:")

    # Without log-in: a confirmation page, then the button (with its CSRF token).
    anonymous = app.test_client()
    confirm = anonymous.get(path_of(link), headers={"Accept-Language": "en"})
    assert confirm.status_code == 200
    assert world.consultation.title in confirm.get_data(as_text=True)
    assert still_there(session, follow) is not None  # a GET changes nothing
    done = submit_form(anonymous, path_of(link), {}, headers={"Accept-Language": "en"})
    assert done.status_code == 200
    assert "You no longer follow this" in done.get_data(as_text=True)
    session.expire_all()
    assert still_there(session, follow) is None

    # A second publication after unsubscribing sends the follower nothing.
    outbox.clear()
    publish_answers_and_run_jobs(app, session, world, "Tweede punt.")
    assert outbox.to(FOLLOWER) == []
    assert outbox.to("ouder@example.org")  # the participant still hears of the answer


def test_one_click_post_unsubscribes_without_csrf_or_log_in(app, session, world, follower, outbox):
    follow = services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    publish_answers_and_run_jobs(app, session, world)
    [mail] = outbox.to(FOLLOWER)
    link = unsubscribe_link(outbox, mail)
    response = app.test_client().post(
        path_of(link), data={"List-Unsubscribe": "One-Click"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    session.expire_all()
    assert still_there(session, follow) is None
    # The link used again: already done, still no log-in.
    again = app.test_client().get(path_of(link), headers={"Accept-Language": "en"})
    assert again.status_code == 200
    assert "You had already stopped these emails" in again.get_data(as_text=True)


def test_forged_or_altered_tokens_are_refused(app, session, world, follower):
    follow = services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    with app.app_context():
        good = tokens.make(follow)
        other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps(
            {"f": follow.id, "u": follower.id}
        )
        wrong_key = URLSafeSerializer("not the secret", salt=tokens.SALT).dumps(
            {"f": follow.id, "u": follower.id}
        )
    altered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    client = app.test_client()
    for token in (altered, other_salt, wrong_key, "garbage"):
        for method in (client.get, client.post):
            response = method(f"/afmelden/{token}", headers={"Accept-Language": "en"})
            assert response.status_code == 400, token
            assert "This link does not work" in response.get_data(as_text=True)
    # A valid signature for a follow id with another user's id (swapped) is no follow.
    with app.app_context():
        swapped = URLSafeSerializer(app.config["SECRET_KEY"], salt=tokens.SALT).dumps(
            {"f": follow.id, "u": follower.id + 1000}
        )
    client.post(f"/afmelden/{swapped}")
    session.expire_all()
    assert still_there(session, follow) is not None


def test_follow_needs_a_csrf_token_and_anonymous_visitors_see_a_log_in_link(
    app, session, world, follower
):
    anonymous = app.test_client()
    page = anonymous.get(
        f"/consultaties/{world.consultation.slug}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert f"/account/inloggen?next=/consultaties/{world.consultation.slug}" in page
    assert "Log in to follow this" in page

    client = app.test_client()
    log_in(client, FOLLOWER)
    response = client.post(
        f"/volgen/consultation/{world.consultation.id}", data={"frequency": "daily"}
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count(Follow.id))) == 0


def test_region_page_follow_and_account_page(app, session, follower):
    region = factories.region(session)
    client = app.test_client()
    log_in(client, FOLLOWER)
    english = {"Accept-Language": "en"}
    empty = client.get("/account/volgen", headers=english).get_data(as_text=True)
    assert "You do not follow anything yet" in empty
    submit_form(
        client,
        f"/regios/{region.code}",
        {"frequency": "daily"},
        action=f"/volgen/region/{region.id}",
    )
    [follow] = session.scalars(select(Follow)).all()
    assert (follow.target_kind, follow.frequency) == (TargetKind.REGION, Frequency.DAILY)
    listing = client.get("/account/volgen", headers=english).get_data(as_text=True)
    assert region.name in listing
    token = csrf_token(client, "/account/volgen")
    client.post(
        f"/account/volgen/{follow.id}/frequentie",
        data={"csrf_token": token, f"f{follow.id}-frequency": "immediate"},
    )
    session.expire_all()
    assert session.get(Follow, follow.id).frequency is Frequency.IMMEDIATE
    client.post(f"/account/volgen/{follow.id}/stoppen", data={"csrf_token": token})
    session.expire_all()
    assert still_there(session, follow) is None


def test_a_user_cannot_change_or_end_someone_elses_follow(app, session, world, follower):
    follow = services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    factories.user(session, "ander@example.org")
    client = app.test_client()
    log_in(client, "ander@example.org")
    token = csrf_token(client, "/account/volgen")
    stop = client.post(f"/account/volgen/{follow.id}/stoppen", data={"csrf_token": token})
    change = client.post(
        f"/account/volgen/{follow.id}/frequentie",
        data={"csrf_token": token, f"f{follow.id}-frequency": "daily"},
    )
    assert (stop.status_code, change.status_code) == (404, 404)
    session.expire_all()
    assert session.get(Follow, follow.id).frequency is Frequency.IMMEDIATE
    assert str(world.consultation.title) not in client.get("/account/volgen").get_data(as_text=True)


def test_drafts_never_notify_and_cannot_be_followed(app, session, world, follower, outbox):
    region = factories.region(session)
    services.follow(session, follower, TargetKind.REGION, region.id, Frequency.IMMEDIATE)
    draft = factories.consultation(session, state="draft")
    assert services.notify(session, draft, services.OPENED) == []
    # Answers drafted but not published: nobody is told.
    submission = world.submission([("s-2", "Nog geen antwoord.")])
    world.answer(submission.comments, publish=False)
    notify.after_publication(session, world.consultation)
    jobs.forget_planned(session)  # the test runs the work itself
    assert session.scalar(select(func.count(Notice.id))) == 0
    client = app.test_client()
    log_in(client, FOLLOWER)
    token = csrf_token(client, "/account/volgen")
    response = client.post(
        f"/volgen/consultation/{draft.id}", data={"csrf_token": token, "frequency": "daily"}
    )
    assert response.status_code == 404


def test_retries_never_double_send_and_a_refused_mail_waits_in_the_outbox(
    app, session, world, follower, outbox, monkeypatch
):
    services.follow(
        session, follower, TargetKind.REGION, world.consultation.region_id, Frequency.IMMEDIATE
    )
    [notice] = services.notify(session, world.consultation, services.ANSWERS, utcnow())
    # The same event recorded again adds nothing.
    assert (
        services.notify(session, world.consultation, services.ANSWERS, notice_moment(notice)) == []
    )
    jobs.forget_planned(session)  # the test runs the sending itself
    session.flush()
    with app.app_context():
        monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens: refused
        first = sending.send_immediate(session)
        monkeypatch.undo()
        assert outbox.to(FOLLOWER) == []
        session.expire_all()
        # The notice is done: its mail waits in the outbox, and a rerun adds no second one.
        assert session.get(Notice, notice.id).sent_at is not None
        second = sending.send_immediate(session)
        [waiting] = session.scalars(select(OutboxMail)).all()
        assert (waiting.recipient, waiting.state) == (FOLLOWER, OutboxState.PENDING)
        session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
        session.commit()
        assert box.deliver_due(app).sent == 1
    assert (first.sent, second.sent) == (1, 0)
    assert len(outbox.to(FOLLOWER)) == 1


def notice_moment(notice: Notice):
    from datetime import UTC, datetime

    stamp = notice.event_key.rsplit(":answers:", 1)[1]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_daily_digest_groups_notices_in_one_mail(app, session, follower, outbox, in_app):
    region = factories.region(session)
    services.follow(session, follower, TargetKind.REGION, region.id, Frequency.DAILY)
    official = factories.region_user(session, "official")
    scheduled = factories.consultation(
        session, state="scheduled", opens_in_days=1, closes_in_days=30
    )
    lifecycle.open_now(session, official, scheduled)
    lifecycle.extend(
        session, official, scheduled, scheduled.closes_at + timedelta(days=7), "Meer tijd."
    )
    jobs.forget_planned(session)
    events = sorted(session.scalars(select(Notice.event)).all())
    assert events == [services.EXTENDED, services.OPENED]
    assert sending.send_immediate(session).sent == 0  # daily follows wait for the digest
    result = sending.send_digest(session)
    assert result.sent == 1
    [mail] = outbox.to(FOLLOWER)
    body = outbox.text_of(mail)
    assert f"{scheduled.title} is open for comment." in body
    assert f"The closing date of {scheduled.title} was extended." in body
    assert "2 updates" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sending.send_digest(session).sent == 0


def test_closing_soon_is_noted_once_per_closing_moment(app, session, follower, in_app):
    consultation = factories.consultation(session, closes_in_days=5)
    services.follow(session, follower, TargetKind.CONSULTATION, consultation.id, Frequency.DAILY)
    later = factories.consultation(session, closes_in_days=20)
    services.follow(session, follower, TargetKind.CONSULTATION, later.id, Frequency.DAILY)
    first = services.note_closing_soon(session)
    assert [(n.event, n.consultation_id) for n in first] == [
        (services.CLOSES_SOON, consultation.id)
    ]
    assert services.note_closing_soon(session) == []
    jobs.forget_planned(session)


def test_following_a_consultation_and_its_region_tells_once(session, world, follower):
    services.follow(
        session, follower, TargetKind.REGION, world.consultation.region_id, Frequency.DAILY
    )
    services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    [notice] = services.notify(session, world.consultation, services.REACTIENOTA, utcnow())
    assert notice.follow.target_kind is TargetKind.CONSULTATION
    jobs.forget_planned(session)


def test_the_sending_job_starts_by_itself_when_the_event_is_committed(
    app, session, world, follower, outbox
):
    """Whoever records an event only commits: the follow mails' job starts after the commit
    (inline in tests, a thread or RQ otherwise)."""
    services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    with app.app_context():
        services.notify(session, world.consultation, services.REACTIENOTA, utcnow())
        session.commit()
    [mail] = outbox.to(FOLLOWER)
    assert "reactienota" in outbox.text_of(mail)
    assert jobs.planned(session) == []


def test_an_unconfirmed_address_is_never_mailed(app, session, world, outbox):
    stranger = factories.user(session, "niet-bevestigd@example.org", confirmed=False)
    services.follow(
        session, stranger, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    services.notify(session, world.consultation, services.ANSWERS, utcnow())
    jobs.forget_planned(session)
    with app.app_context():
        assert sending.send_immediate(session).sent == 0
    assert outbox.to("niet-bevestigd@example.org") == []


def test_a_long_unsubscribe_address_stays_a_readable_header(
    app, session, world, follower, outbox, monkeypatch
):
    """The header holds one long word (a site under a path, a long token). Folded at 78
    characters it would become an RFC 2047 encoded word, which mail programs do not read
    as an address; it must stay the plain ``<URL>`` on one line."""
    monkeypatch.setitem(
        app.config, "BASE_URL", "http://consult.test/een/lang/pad/onder/de/site/van/de/regio"
    )
    services.follow(
        session, follower, TargetKind.CONSULTATION, world.consultation.id, Frequency.IMMEDIATE
    )
    publish_answers_and_run_jobs(app, session, world)
    [mail] = outbox.to(FOLLOWER)
    link = unsubscribe_link(outbox, mail)
    assert len(f"List-Unsubscribe: <{link}>") > 78
    assert mail["List-Unsubscribe"] == f"<{link}>"
