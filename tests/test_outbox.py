"""The outbox: a mail is a row of the change that causes it, delivered after the commit.

Delivery runs inline in the tests (``JOBS_RUNNER=inline``): right after a commit, in the
process. The retry, dead-letter and stale-claim tests call :func:`outbox.deliver_due`
themselves, as the worker's poll would; the two-worker test runs it from threads on a
database of its own, where each thread has its own connection.
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import nullcontext
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult import jobs
from consult import outbox as box
from consult.db import utcnow
from consult.extensions import db
from consult.jobs import Job, JobState
from consult.mail import build_message
from consult.outbox import OutboxMail, OutboxState
from tests import factories
from tests.accounts.conftest import register
from tests.comments.test_concurrency import racing_app  # noqa: F401 (a fixture)
from tests.conftest import csrf_token, free_port, log_in, submit_form
from tests.test_jobs import rq_app  # noqa: F401 (a fixture)

TO = "lezer@example.org"


def queue_mail(session, to: str = TO, text: str = "Hallo.") -> OutboxMail:
    app = session.info.get("app")
    with app.app_context() if app is not None else nullcontext():
        return box.enqueue(session, build_message(to, "Een bericht", text), kind="test")


def commit(session) -> None:
    """Commit as a request does: in the app, so the outbox delivers right after it."""
    with session.info["app"].app_context():
        session.commit()


def rows(session) -> list[OutboxMail]:
    session.expire_all()
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def make_due(session) -> None:
    """The pause before the next try is over (as if the clock moved on)."""
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


@pytest.fixture
def smtp_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    return monkeypatch


def test_a_rolled_back_change_leaves_no_mail(app, session, in_app, outbox):
    factories.user(session, email="nieuw@example.org")
    queue_mail(session)
    session.rollback()
    assert rows(session) == []
    assert outbox.messages == []


def test_a_committed_mail_is_sent_with_the_message_id_of_its_row(app, session, in_app, outbox):
    row = queue_mail(session, text="Je reactie is binnen.\n" * 100)  # > 1 line of SMTP
    assert row.message_id.startswith("<outbox-")
    assert row.message_id.endswith("@consult.test>")
    session.commit()  # delivered right after the commit

    [sent] = outbox.to(TO)
    assert sent["Message-ID"] == row.message_id
    assert "Je reactie is binnen." in outbox.text_of(sent)
    [stored] = rows(session)
    assert stored.state is OutboxState.SENT
    assert stored.sent_at is not None
    assert stored.attempts == 1
    assert stored.message is None  # the text is not kept once it is sent


def test_a_committed_change_keeps_its_mail_while_the_server_is_down(
    app, english_client, session, outbox, smtp_down
):
    """Registering while the mail server is down: the account and its mail are both kept,
    the page says the mail is on its way, and the mail goes out once the server is back."""
    response = register(english_client, "geen.post@example.org")
    assert response.headers["Location"] == "/account/email-verstuurd/registreren"
    response = english_client.get(response.headers["Location"])
    assert "An email is on its way to the address you entered." in response.get_data(True)
    [row] = rows(session)
    assert (row.state, row.attempts, row.recipient) == (
        OutboxState.PENDING,
        1,
        "geen.post@example.org",
    )
    assert "geen.post" not in row.last_error
    assert outbox.messages == []

    smtp_down.undo()
    make_due(session)
    assert box.deliver_due(app).sent == 1
    [sent] = outbox.to("geen.post@example.org")
    assert sent["Message-ID"] == row.message_id
    assert "/account/bevestigen/" in outbox.text_of(sent)


def test_refused_mails_are_retried_with_growing_pauses_then_dead_then_sent_by_an_admin(
    app, client, session, outbox, smtp_down
):
    smtp_down.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    row = queue_mail(session)
    commit(session)  # the first try, right after the commit, is refused
    pauses = []
    for attempt in (1, 2, 3):
        [stored] = rows(session)
        assert stored.attempts == attempt
        if attempt < 3:
            assert stored.state is OutboxState.PENDING
            pauses.append((stored.next_attempt_at - stored.claimed_at).total_seconds())
            # Not due yet: the poll leaves it alone.
            assert box.deliver_due(app).claimed == 0
            make_due(session)
            box.deliver_due(app)
    assert 30 <= pauses[0] < 40
    assert 60 <= pauses[1] < 70
    [dead] = rows(session)
    assert dead.state is OutboxState.DEAD
    assert dead.last_error.startswith("ConnectionRefusedError")
    assert outbox.messages == []

    # The server is back; a platform admin sees the dead mail, masked, and sends it again.
    smtp_down.undo()
    smtp_down.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    admin = factories.user(session, admin=True)
    commit(session)
    log_in(client, admin.email)
    page = client.get("/beheer/uitgaande-mail", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "l***@e***.org" in text
    assert TO not in text
    assert "Not delivered: 1" in text
    confirm = client.get(f"/beheer/uitgaande-mail/{row.id}/opnieuw")
    assert confirm.status_code == 200
    assert outbox.messages == []
    response = submit_form(client, f"/beheer/uitgaande-mail/{row.id}/opnieuw", {})
    assert response.status_code == 302
    [sent] = outbox.to(TO)
    assert sent["Message-ID"] == row.message_id
    assert rows(session)[0].state is OutboxState.SENT


def test_only_platform_admins_see_and_retry_dead_mails_and_only_with_a_csrf_token(
    app, client, session, outbox, smtp_down
):
    smtp_down.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    row = queue_mail(session)
    commit(session)
    assert rows(session)[0].state is OutboxState.DEAD
    smtp_down.undo()
    official = factories.region_user(session, "official")
    commit(session)
    log_in(client, official.email)
    assert client.get("/beheer/uitgaande-mail").status_code == 403
    token = csrf_token(client, "/account/")
    answer = client.post(f"/beheer/uitgaande-mail/{row.id}/opnieuw", data={"csrf_token": token})
    assert answer.status_code == 403
    client.post("/account/uitloggen", data={"csrf_token": token})

    admin = factories.user(session, admin=True)
    commit(session)
    log_in(client, admin.email)
    assert client.post("/beheer/uitgaande-mail/opnieuw", data={}).status_code == 400
    assert rows(session)[0].state is OutboxState.DEAD
    assert outbox.messages == []
    assert client.get("/beheer/uitgaande-mail/999999/opnieuw").status_code == 404
    response = submit_form(client, "/beheer/uitgaande-mail/opnieuw", {}, follow_redirects=True)
    assert "1 mail wordt opnieuw verstuurd." in response.get_data(as_text=True)
    assert len(outbox.to(TO)) == 1


def test_a_stale_claim_is_sent_again_with_the_same_message_id(app, session, in_app, outbox):
    """A worker claimed two mails and died (perhaps after the server accepted one): the
    stale claim is taken over; a fresh claim of a living worker is left alone."""
    stale, fresh = queue_mail(session, "oud@example.org"), queue_mail(session, "vers@example.org")
    planned = session.info.pop("consult.outbox.queued")  # as if the process died here
    assert planned == [stale.id, fresh.id]
    session.commit()
    now = utcnow()
    for row, claimed_at in ((stale, now - timedelta(minutes=10)), (fresh, now)):
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == row.id)
            .values(
                state=OutboxState.SENDING, claim="dead-worker", claimed_at=claimed_at, attempts=1
            )
        )
    session.commit()

    assert box.deliver_due(app).sent == 1
    [sent] = outbox.messages
    assert sent["Message-ID"] == stale.message_id
    states = {r.recipient: (r.state, r.attempts) for r in rows(session)}
    assert states == {
        "oud@example.org": (OutboxState.SENT, 2),
        "vers@example.org": (OutboxState.SENDING, 1),
    }


def test_a_claim_that_went_stale_on_its_last_attempt_is_dead(app, session, in_app, outbox):
    row = queue_mail(session)
    session.info.pop("consult.outbox.queued")
    session.commit()
    session.execute(
        update(OutboxMail).values(
            state=OutboxState.SENDING,
            claim="dead-worker",
            claimed_at=utcnow() - timedelta(hours=1),
            attempts=app.config["OUTBOX_MAX_ATTEMPTS"],
        )
    )
    session.commit()
    assert box.deliver_due(app).claimed == 0
    [dead] = rows(session)
    assert (dead.id, dead.state) == (row.id, OutboxState.DEAD)
    assert outbox.messages == []


def test_workers_at_once_send_each_mail_exactly_once(
    racing_app,  # noqa: F811 (the fixture, imported above)
    outbox,
):
    """Four deliverers poll the same 60 mails at the same moment, each on its own
    connection (PostgreSQL: SKIP LOCKED; SQLite: one claiming UPDATE at a time)."""
    app = racing_app
    with app.test_request_context():
        for number in range(60):
            queue_mail(db.session, f"lezer{number}@example.org")
        db.session.info.pop("consult.outbox.queued")  # nobody delivers at the commit
        db.session.commit()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliverer() -> None:
        try:
            start.wait(timeout=10)
            while box.deliver_due(app, limit=5).claimed:
                pass
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    ids = Counter(message["Message-ID"] for message in outbox.messages)
    assert len(ids) == 60
    assert max(ids.values()) == 1
    with app.app_context():
        states = dict(
            db.session.execute(
                select(OutboxMail.state, func.count()).group_by(OutboxMail.state)
            ).all()
        )
    assert states == {OutboxState.SENT: 60}


def test_a_job_whose_start_was_lost_is_started_by_the_poll(app, session):
    """The process died right after committing the job's row: the outbox's poll starts it."""
    job = jobs.create(session, "count", "test:lost")
    jobs.start_after_commit(session, job, "tests.test_jobs:count_to_three")
    jobs.forget_planned(session)  # the commit happens, the start does not
    session.commit()
    assert jobs.start_unstarted(app) == []  # too early: its start may still come
    session.execute(
        update(Job).where(Job.id == job.id).values(created_at=utcnow() - timedelta(minutes=5))
    )
    session.commit()
    assert box.round_of_work(app).claimed == 0
    session.expire_all()
    assert session.get(Job, job.id).state is JobState.DONE
    assert jobs.start_unstarted(app) == []  # once only


def test_the_metrics_show_the_outbox_backlog(app, client, session, smtp_down):
    from tests.test_observability import TOKEN, scrape, value

    smtp_down.setitem(app.config, "METRICS_TOKEN", TOKEN)
    smtp_down.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    queue_mail(session)
    queue_mail(session, "tweede@example.org")
    commit(session)  # both refused: dead at once
    queue_mail(session, "derde@example.org")
    session.info.pop("consult.outbox.queued")
    commit(session)
    text = scrape(client)
    assert value(text, 'consult_outbox_backlog{state="dead"}') == 2
    assert value(text, 'consult_outbox_backlog{state="pending"}') == 1
    assert value(text, 'consult_outbox_backlog{state="sending"}') == 0


def test_the_deliver_command_sends_what_is_due_and_the_cron_tick_forgets_old_rows(
    app, session, outbox
):
    row = queue_mail(session)
    session.info.pop("consult.outbox.queued")  # as if the process died after the commit
    commit(session)
    assert outbox.messages == []
    result = app.test_cli_runner().invoke(args=["jobs", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry, 0 dead" in result.output
    [sent] = outbox.to(TO)
    assert sent["Message-ID"] == row.message_id

    kept = queue_mail(session, "nieuw@example.org")
    session.info.pop("consult.outbox.queued")
    long_ago = utcnow() - timedelta(days=31)
    session.execute(update(OutboxMail).where(OutboxMail.id == row.id).values(sent_at=long_ago))
    session.flush()
    dead = queue_mail(session, "dood@example.org")
    session.info.pop("consult.outbox.queued")
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == dead.id)
        .values(state=OutboxState.DEAD, created_at=long_ago)
    )
    commit(session)
    result = app.test_cli_runner().invoke(args=["consultations", "tick", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "outbox: 1 sent, 0 to retry, 0 dead" in result.output  # the tick sends too
    assert [(r.id, r.state) for r in rows(session)] == [(kept.id, OutboxState.SENT)]


def test_the_worker_command_delivers_the_outbox(rq_app, session, outbox):  # noqa: F811
    queue_mail(session)
    session.info.pop("consult.outbox.queued")
    commit(session)
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(outbox.to(TO)) == 1
    assert rows(session)[0].state is OutboxState.SENT


def test_erasing_an_address_deletes_its_mails_sent_or_not(app, session, in_app, outbox):
    queue_mail(session, "Wis.Mij@example.org")
    session.commit()  # sent
    queue_mail(session, "wis.mij@example.org")
    queue_mail(session, "blijf@example.org")
    session.info.pop("consult.outbox.queued")
    session.commit()
    assert box.forget_recipient(session, " WIS.mij@Example.org ") == 2
    assert [r.recipient for r in rows(session)] == ["blijf@example.org"]
