"""Telling participants: one email per submission listing the answers to their comments.

The job runs for real (inline in tests) against the real SMTP test server. It tells every
participant with an email address once, in their own language, about their own comments
only; a rerun sends nothing new; a failed mail is retried by the next run.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from consult import jobs
from consult import outbox as box
from consult.comments.codes import display
from consult.db import utcnow
from consult.jobs import Job, JobState
from consult.outbox import OutboxMail, OutboxState
from consult.responses.answers import notify
from consult.responses.models import AnswerNotice, Disposition
from consult.responses.tracing import services as tracing
from tests import factories
from tests.conftest import free_port
from tests.responses.tracing_support import World, make_world, section


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def run_mail_job(app, session, world) -> Job:
    job = notify.after_publication(session, world.consultation)
    jobs.forget_planned(session)  # the test runs the work itself
    session.flush()
    jobs.run(job.id, notify.WORK, app=app)
    session.expire_all()
    return session.get(Job, job.id)


def notices(session) -> int:
    return session.scalar(select(func.count(AnswerNotice.id)))


def test_two_answered_comments_make_one_mail_listing_both_with_the_tracking_code(
    app, session, world, outbox
):
    submission = world.submission(
        [
            ("s-2", "Zet op elke school een vaste jeugdhulpverlener neer."),
            ("s-3", "Mijn dochter wacht al een half jaar op hulp."),
        ],
        email="ouder@example.org",
    )
    school, waiting = submission.comments
    world.answer([school], Disposition.ADOPTED, "Op elke school komt een vaste hulpverlener.")
    world.answer([waiting], Disposition.NOT_ADOPTED, "Een wachttijdgarantie kunnen wij niet geven.")

    job = run_mail_job(app, session, world)

    assert job.state is JobState.DONE
    assert (job.done, job.total, job.step) == (1, 1, "sending emails")
    [mail] = outbox.to("ouder@example.org")
    assert len(outbox.messages) == 1
    body = outbox.text_of(mail)
    assert display(submission.tracking_code) in body
    assert display(submission.tracking_code) in mail["Subject"]
    assert "Zet op elke school een vaste jeugdhulpverlener neer." in body
    assert "Mijn dochter wacht al een half jaar op hulp." in body
    assert "Op elke school komt een vaste hulpverlener." in body
    assert "Een wachttijdgarantie kunnen wij niet geven." in body
    assert f"http://consult.test/ontvangst/{submission.tracking_code}" in body
    # Dutch unless the participant's account says otherwise.
    assert body.startswith("Hallo,")
    assert notices(session) == 2


def test_a_second_run_sends_nothing_and_a_later_answer_gets_its_own_mail(
    app, session, world, outbox
):
    submission = world.submission([("s-2", "Eerste punt."), ("s-3", "Tweede punt.")])
    first, second = submission.comments
    world.answer([first])
    run_mail_job(app, session, world)
    assert len(outbox.messages) == 1
    outbox.clear()

    assert run_mail_job(app, session, world).state is JobState.DONE
    assert outbox.messages == []

    world.answer([second], Disposition.NOTED, "Wij nemen dit mee.")
    run_mail_job(app, session, world)
    [mail] = outbox.messages
    body = outbox.text_of(mail)
    assert "Tweede punt." in body
    assert "Eerste punt." not in body


def test_nobody_without_an_address_or_with_erased_contact_data_is_mailed(
    app, session, world, outbox
):
    anonymous = world.submission([("s-2", "Zonder e-mail.")], email=None)
    erased = world.submission([("s-2", "Gewist.")], email="gewist@example.org")
    erased.contact.email = None
    erased.contact.erased_at = utcnow()
    # An account holder whose contact data was erased is not mailed through the account.
    holder = factories.user(session, "houder@example.org")
    erased_holder = world.submission(
        [("s-2", "Ook gewist.")], email="houder@example.org", user=holder
    )
    erased_holder.contact.email = None
    erased_holder.contact.erased_at = utcnow()
    told = world.submission([("s-2", "Met e-mail.")], email="wel@example.org")
    world.answer(
        [anonymous.comments[0], erased.comments[0], erased_holder.comments[0], told.comments[0]]
    )

    job = run_mail_job(app, session, world)

    assert job.state is JobState.DONE
    assert [m["X-Envelope-To"] for m in outbox.messages] == ["wel@example.org"]
    assert (job.done, job.total) == (1, 1)
    assert notices(session) == 1


def test_a_group_answer_never_shows_other_peoples_comments(app, session, world, outbox):
    mine = world.submission([("s-2", "Mijn eigen brief over de school.")], email="a@example.org")
    theirs = world.submission(
        [("s-2", "Een andere brief, van iemand anders.")], email="b@example.org"
    )
    world.answer([mine.comments[0], theirs.comments[0]], reason="Wij antwoorden jullie samen.")

    run_mail_job(app, session, world)

    [to_a] = outbox.to("a@example.org")
    [to_b] = outbox.to("b@example.org")
    a, b = outbox.text_of(to_a), outbox.text_of(to_b)
    assert "Mijn eigen brief" in a
    assert "iemand anders" not in a
    assert "iemand anders" in b
    assert "Mijn eigen brief" not in b
    assert display(theirs.tracking_code) not in a
    assert display(mine.tracking_code) not in b
    assert "Wij antwoorden jullie samen." in a
    assert "Wij antwoorden jullie samen." in b


def test_the_account_language_is_used_and_account_holders_are_mailed_at_their_account(
    app, session, world, outbox
):
    holder = factories.user(session, "reader@example.org", locale="en")
    # Sent while logged in: no contact address, the account's address is used.
    submission = world.submission([("s-2", "In English please.")], email=None, user=holder)
    world.answer([submission.comments[0]], Disposition.NOTED, "Wij lezen mee.")

    run_mail_job(app, session, world)

    [mail] = outbox.to("reader@example.org")
    body = outbox.text_of(mail)
    assert body.startswith("Hello,")
    assert "Answer: noted" in body
    assert mail["Subject"].startswith("The answer to your comment on")


def test_a_correction_and_changed_sections_are_in_the_mail(app, session, world, outbox):
    v2 = world.next_version(locked=True)
    submission = world.submission([("s-2", "Meer hulp op school.")])
    answer = world.answer([submission.comments[0]], Disposition.NOT_ADOPTED, "Kan niet.")
    run_mail_job(app, session, world)
    outbox.clear()

    correction = world.correct(answer, Disposition.ADOPTED, "Het kan toch.", "Nieuw budget.")
    tracing.link(session, world.official, correction, [section(v2, "s-2")])
    run_mail_job(app, session, world)

    [mail] = outbox.messages
    body = outbox.text_of(mail)
    assert "Het kan toch." in body
    assert "Nieuw budget." in body
    link = f"http://consult.test/documenten/{v2.document_id}/versies/2#s-2"
    assert f"2 Hulp op school: {link}" in body


def test_when_the_mail_server_is_down_the_mails_wait_in_the_outbox_and_go_out_later(
    app, session, world, outbox
):
    first = world.submission([("s-2", "Eerste adres.")], email="een@example.org")
    second = world.submission([("s-2", "Tweede adres.")], email="twee@example.org")
    world.answer([first.comments[0], second.comments[0]])

    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        job = run_mail_job(app, session, world)
    finally:
        app.config["MAIL_PORT"] = port

    # The job did its part: both mails are in the outbox, with their notices.
    assert job.state is JobState.DONE
    assert (job.done, job.total) == (2, 2)
    assert outbox.messages == []
    assert notices(session) == 2
    waiting = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert [(m.recipient, m.state) for m in waiting] == [
        ("een@example.org", OutboxState.PENDING),
        ("twee@example.org", OutboxState.PENDING),
    ]

    # The server is back: the outbox's next poll sends them; a rerun tells nobody twice.
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
    session.flush()
    assert box.deliver_due(app).sent == 2
    again = run_mail_job(app, session, world)
    assert (again.state, again.total) == (JobState.DONE, 0)
    assert sorted(m["X-Envelope-To"] for m in outbox.messages) == [
        "een@example.org",
        "twee@example.org",
    ]


def test_a_run_that_stopped_halfway_resumes_without_telling_anyone_twice(
    app, session, world, outbox
):
    done = world.submission([("s-2", "Al verteld.")], email="al@example.org")
    waiting = world.submission([("s-2", "Nog niet verteld.")], email="nog@example.org")
    answer = world.answer([done.comments[0], waiting.comments[0]])
    # What an interrupted run left behind: the first mail went out and was recorded.
    session.add(AnswerNotice(submission_id=done.id, answer_id=answer.id))
    session.flush()

    job = run_mail_job(app, session, world)

    assert job.state is JobState.DONE
    assert [m["X-Envelope-To"] for m in outbox.messages] == ["nog@example.org"]
    assert (job.done, job.total) == (1, 1)
