"""Moderation: hide and show comments with a reason, tell the sender, report a comment.

Nothing is ever deleted: a hidden comment keeps its text, still counts, and its history
says who hid it, when and why. Ids are only looked up within the consultation of the URL.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from consult.comments.codes import display
from consult.comments.models import (
    Comment,
    CommentReport,
    HideReason,
    ModerationAction,
    ModerationKind,
    SubmissionContact,
)
from consult.db import utcnow
from consult.extensions import db
from consult.moderation import services
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.moderation.conftest import text_of


def reread(session, comment: Comment) -> Comment:
    session.expire_all()
    return session.get(Comment, comment.id)


def label_nl(app, reason: HideReason) -> str:
    with app.test_request_context(), force_locale("nl"):
        return reason.label


# -- hiding ------------------------------------------------------------------------------------


def test_a_moderator_hides_a_comment_with_a_reason_and_the_sender_is_told(
    app, english_client, session, world, outbox
):
    received_before = services.count_received_comments(session, world.consultation)
    log_in(english_client, world.moderator.email)
    page = english_client.get(world.hide_url())
    assert page.status_code == 200
    assert "Er moet meer hulp op school komen." in text_of(page)

    response = submit_form(
        english_client,
        world.hide_url(),
        {"reason": "personal_data", "note": "Je noemt de naam van een hulpverlener."},
    )
    assert response.status_code == 302
    assert response.location.endswith(world.queue)

    comment = reread(session, world.comment)
    assert comment.hidden_at is not None
    assert comment.hidden_reason is HideReason.PERSONAL_DATA
    assert comment.hidden_note == "Je noemt de naam van een hulpverlener."
    assert comment.is_public is False
    assert comment.body == "Er moet meer hulp op school komen."  # still stored, unchanged
    [action] = comment.moderation
    assert (action.kind, action.reason, action.actor_id) == (
        ModerationKind.HIDE,
        HideReason.PERSONAL_DATA,
        world.moderator.id,
    )
    # Still a received comment: hiding takes nothing out of the count.
    assert services.count_received_comments(session, world.consultation) == received_before == 2
    # The other comment of the submission is untouched.
    assert reread(session, world.general).is_public is True

    [mail] = outbox.to("ouder@example.org")
    body = outbox.text_of(mail)
    assert label_nl(app, HideReason.PERSONAL_DATA) in body
    assert "Je noemt de naam van een hulpverlener." in body
    assert display(world.submission.tracking_code) in body
    assert f"http://consult.test/ontvangst/{world.submission.tracking_code}" in outbox.links_in(
        mail
    )
    assert "Er moet meer hulp op school komen." not in body  # no need to repeat it


def test_hiding_twice_is_refused_and_records_nothing_more(app, english_client, session, world):
    services.hide_comment(session, world.moderator, world.comment, HideReason.SPAM, "")
    with pytest.raises(services.AlreadyHidden):
        services.hide_comment(session, world.moderator, world.comment, HideReason.SPAM, "")
    session.flush()

    log_in(english_client, world.moderator.email)
    assert (
        english_client.get(world.hide_url()).status_code == 302
    )  # back to the queue, with a message
    response = english_client.post(
        world.hide_url(),
        data={
            "reason": "offensive",
            "note": "",
            "csrf_token": csrf_token(english_client, world.queue),
        },
        follow_redirects=True,
    )
    assert "This comment is already hidden." in text_of(response)
    actions = session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == world.comment.id)
    ).all()
    assert [a.kind for a in actions] == [ModerationKind.HIDE]


def test_other_reason_needs_a_note(english_client, session, world, outbox):
    log_in(english_client, world.moderator.email)
    response = submit_form(english_client, world.hide_url(), {"reason": "other", "note": "  "})
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert "Explain why you hide this comment when you choose 'other reason'." in page
    assert reread(session, world.comment).hidden_at is None
    assert outbox.messages == []
    with pytest.raises(services.NoteRequired):
        services.hide_comment(session, world.moderator, world.comment, HideReason.OTHER, "")


def test_unhide_makes_it_public_again_and_keeps_the_history(english_client, session, world, outbox):
    services.hide_comment(session, world.moderator, world.comment, HideReason.OFFENSIVE, "Grof.")
    session.flush()
    log_in(english_client, world.moderator.email)
    page = english_client.get(world.unhide_url())
    assert "Grof." in text_of(page)
    response = submit_form(
        english_client, world.unhide_url(), {"note": "Bij nader inzien is het een nette reactie."}
    )
    assert response.status_code == 302

    comment = reread(session, world.comment)
    assert comment.hidden_at is None
    assert comment.hidden_reason is None
    assert comment.is_public is True
    assert [(a.kind, a.note) for a in comment.moderation] == [
        (ModerationKind.HIDE, "Grof."),
        (ModerationKind.UNHIDE, "Bij nader inzien is het een nette reactie."),
    ]
    [mail] = outbox.to("ouder@example.org")
    assert "Bij nader inzien is het een nette reactie." in outbox.text_of(mail)
    with pytest.raises(services.NotHidden):
        services.unhide_comment(session, world.moderator, comment, "nog eens")


def test_unhide_does_not_publish_what_was_never_public(session, world):
    world.submission.publish_text = False
    world.comment.is_public = False
    services.hide_comment(session, world.moderator, world.comment, HideReason.SPAM, "")
    services.unhide_comment(session, world.moderator, world.comment, "Toch geen spam.")
    assert world.comment.is_public is False


def test_nobody_is_written_to_once_the_contact_was_erased_not_even_the_account(
    english_client, session, world, outbox
):
    """Erasing means "do not write to me about this"; the answer mails do the same."""
    person = factories.user(session, "deelnemer@example.org")
    world.submission.user_id = person.id
    world.submission.contact.erased_at = utcnow()
    world.submission.contact.email = None
    session.flush()
    log_in(english_client, world.moderator.email)
    response = submit_form(
        english_client, world.hide_url(), {"reason": "spam", "note": ""}, follow_redirects=True
    )
    assert outbox.messages == []
    assert reread(session, world.comment).hidden_at is not None
    assert "The sender left no email address" in text_of(response)


def test_the_account_address_is_used_when_the_sender_left_none(
    english_client, session, world, outbox
):
    person = factories.user(session, "deelnemer@example.org")
    world.submission.user_id = person.id
    world.submission.contact.email = None
    session.flush()
    log_in(english_client, world.moderator.email)
    submit_form(english_client, world.hide_url(), {"reason": "spam", "note": ""})
    assert len(outbox.to("deelnemer@example.org")) == 1


def test_nobody_to_tell_is_said_to_the_moderator(english_client, session, world, outbox):
    session.delete(session.scalar(select(SubmissionContact)))
    session.flush()
    log_in(english_client, world.moderator.email)
    response = submit_form(
        english_client, world.hide_url(), {"reason": "spam", "note": ""}, follow_redirects=True
    )
    assert "The sender left no email address" in text_of(response)
    assert outbox.messages == []
    assert reread(session, world.comment).hidden_at is not None


# -- who may moderate --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(english_client, world):
    response = english_client.get(world.queue)
    assert response.status_code == 302
    assert response.location.startswith("/account/inloggen")


@pytest.mark.parametrize("role", ["responder"])
def test_a_responder_may_not_moderate(english_client, session, world, role):
    person = factories.region_user(session, role, "JZ22")
    log_in(english_client, person.email)
    assert english_client.get(world.queue).status_code == 404
    assert english_client.get(world.hide_url()).status_code == 404


def test_an_official_of_the_region_may_moderate(english_client, session, world):
    official = factories.region_user(session, "official", "JZ22")
    log_in(english_client, official.email)
    assert english_client.get(world.queue).status_code == 200


def test_another_regions_moderator_finds_nothing(english_client, session, world):
    log_in(english_client, world.other_moderator.email)
    assert english_client.get(world.queue).status_code == 404
    assert english_client.get(world.hide_url()).status_code == 404
    # Their own region in the URL, with a Utrecht comment id: not found either.
    own = f"/regios/JZ24/beheer/consultaties/{world.other_consultation.slug}/moderatie"
    assert english_client.get(own).status_code == 200
    token = csrf_token(english_client, own)
    for action in ("verbergen", "tonen", "meldingen"):
        url = f"{own}/reacties/{world.comment.id}/{action}"
        response = english_client.post(
            url, data={"reason": "spam", "note": "x", "csrf_token": token}
        )
        assert response.status_code == 404, url
    # The Utrecht consultation's slug under Haaglanden's code is not found.
    assert (
        english_client.get(
            f"/regios/JZ24/beheer/consultaties/{world.consultation.slug}/moderatie"
        ).status_code
        == 404
    )
    assert reread(session, world.comment).hidden_at is None


def test_a_comment_id_of_another_consultation_in_the_same_region_is_not_found(
    english_client, session, world
):
    second = factories.consultation(session, slug="tweede-consultatie")
    log_in(english_client, world.moderator.email)
    url = (
        f"/regios/JZ22/beheer/consultaties/{second.slug}/moderatie"
        f"/reacties/{world.comment.id}/verbergen"
    )
    assert english_client.get(url).status_code == 404


def test_hiding_without_the_csrf_token_is_refused(english_client, session, world):
    log_in(english_client, world.moderator.email)
    response = english_client.post(world.hide_url(), data={"reason": "spam", "note": ""})
    assert response.status_code == 400
    assert reread(session, world.comment).hidden_at is None


# -- the queue ---------------------------------------------------------------------------------


def test_the_queue_shows_reported_comments_first_with_their_number_of_reports(
    english_client, session, world
):
    newer = factories.submission(session, world.consultation, [("s-3", "De nieuwste reactie.")])
    services.report_comment(session, world.comment, HideReason.OFFENSIVE, "Grof!", None)
    services.report_comment(session, world.comment, HideReason.SPAM, "", None)
    session.flush()

    log_in(english_client, world.moderator.email)
    page = english_client.get(world.queue).get_data(as_text=True)
    reported = page.index(f'id="reactie-{world.comment.id}"')
    newest = page.index(f'id="reactie-{newer.comments[0].id}"')
    general = page.index(f'id="reactie-{world.general.id}"')
    assert reported < newest < general
    text = text_of(english_client.get(world.queue))
    assert "Reported 2 times" in text
    assert "Offensive or abusive language: Grof!" in text
    assert "De nieuwste reactie." in text

    only_reported = text_of(english_client.get(world.queue + "?toon=gemeld"))
    assert "Er moet meer hulp op school komen." in only_reported
    assert "De nieuwste reactie." not in only_reported


def test_the_hidden_filter_shows_hidden_comments_with_their_reason(english_client, session, world):
    services.hide_comment(session, world.moderator, world.general, HideReason.SPAM, "Reclame.")
    session.flush()
    log_in(english_client, world.moderator.email)
    page = text_of(english_client.get(world.queue + "?toon=verborgen"))
    assert "Een goed plan in het algemeen." in page
    assert "Reclame." in page
    assert "Er moet meer hulp op school komen." not in page
    assert "Show again" in page


def test_the_queue_shows_unpublished_texts_with_their_state(english_client, session, world):
    factories.submission(
        session, world.consultation, [(None, "Nog niet bevestigd.")], confirmed=False
    )
    factories.submission(
        session, world.consultation, [(None, "Niet voor publicatie.")], publish_text=False
    )
    log_in(english_client, world.moderator.email)
    page = text_of(english_client.get(world.queue))
    assert "Nog niet bevestigd." in page
    assert "Waiting for confirmation" in page
    assert "Niet voor publicatie." in page
    assert "No consent to publish" in page


def test_comment_text_is_escaped_in_the_queue(english_client, session, world):
    factories.submission(session, world.consultation, [(None, '<script>alert("x")</script>')])
    log_in(english_client, world.moderator.email)
    body = english_client.get(world.queue).get_data(as_text=True)
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


def test_the_queue_pages_by_25(english_client, session, world):
    for n in range(30):
        factories.submission(session, world.consultation, [(None, f"Reactie nummer {n}.")])
    log_in(english_client, world.moderator.email)
    first = text_of(english_client.get(world.queue))
    assert "Page 1 of 2" in first
    assert "Reactie nummer 29." in first
    assert "Reactie nummer 0." not in first
    second = text_of(english_client.get(world.queue + "?pagina=2"))
    assert "Reactie nummer 0." in second
    assert "Reactie nummer 29." not in second


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_queue_query_count_does_not_grow_with_the_comments(app, english_client, session, world):
    def queries_for_queue() -> int:
        statements: list[str] = []
        engine = db.state(app).engine

        def count(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert english_client.get(world.queue).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    log_in(english_client, world.moderator.email)
    services.report_comment(session, world.comment, HideReason.SPAM, "", None)
    session.flush()
    few = queries_for_queue()
    for n in range(40):
        sub = factories.submission(session, world.consultation, [(None, f"Reactie {n}.")])
        if n % 3 == 0:
            services.report_comment(session, sub.comments[0], HideReason.SPAM, "", None)
        if n % 5 == 0:
            services.hide_comment(session, world.moderator, sub.comments[0], HideReason.SPAM, "")
    session.flush()
    assert queries_for_queue() == few


def test_dismissing_reports_leaves_the_comment_public(english_client, session, world):
    services.report_comment(session, world.comment, HideReason.OFFENSIVE, "", None)
    session.flush()
    log_in(english_client, world.moderator.email)
    response = submit_form(
        english_client, world.queue, {}, action=world.dismiss_url(), follow_redirects=True
    )
    assert "The reports are handled." in text_of(response)
    session.expire_all()
    report = session.scalar(select(CommentReport))
    assert report.handled_at is not None
    assert reread(session, world.comment).is_public is True
    assert "There are no comments with open reports." in text_of(
        english_client.get(world.queue + "?toon=gemeld")
    )


def test_hiding_handles_the_open_reports(session, world):
    services.report_comment(session, world.comment, HideReason.OFFENSIVE, "", None)
    services.hide_comment(session, world.moderator, world.comment, HideReason.OFFENSIVE, "")
    session.expire_all()
    assert session.scalar(select(CommentReport)).handled_at is not None


# -- reporting ---------------------------------------------------------------------------------


def report_url(comment: Comment) -> str:
    return f"/reacties/{comment.id}/melden"


def test_anyone_can_report_a_public_comment(english_client, session, world):
    page = english_client.get(report_url(world.comment))
    assert page.status_code == 200
    assert "Er moet meer hulp op school komen." in text_of(page)
    response = submit_form(
        english_client,
        report_url(world.comment),
        {"reason": "offensive", "note": "Dit is kwetsend."},
    )
    assert response.status_code == 302
    thanks = english_client.get(response.location)
    assert "Thank you for your report" in text_of(thanks)
    report = session.scalar(select(CommentReport))
    assert (report.comment_id, report.reason, report.note, report.reporter_id) == (
        world.comment.id,
        HideReason.OFFENSIVE,
        "Dit is kwetsend.",
        None,
    )


def test_a_logged_in_reporter_is_remembered(english_client, session, world):
    person = factories.user(session)
    log_in(english_client, person.email)
    submit_form(english_client, report_url(world.comment), {"reason": "spam", "note": ""})
    assert session.scalar(select(CommentReport)).reporter_id == person.id


def test_a_report_needs_a_reason(english_client, session, world):
    response = submit_form(english_client, report_url(world.comment), {"note": "zomaar"})
    assert response.status_code == 200
    assert "Choose what is wrong with this comment." in text_of(response)
    assert "zomaar" in response.get_data(as_text=True)  # what was typed stays
    assert session.scalar(select(CommentReport)) is None


@pytest.mark.parametrize("state", ["hidden", "no-consent", "pending", "withdrawn", "draft"])
def test_only_public_comments_can_be_reported(english_client, session, world, state):
    comment = world.comment
    if state == "hidden":
        services.hide_comment(session, world.moderator, comment, HideReason.SPAM, "")
    elif state == "no-consent":
        sub = factories.submission(
            session, world.consultation, [(None, "Privé.")], publish_text=False
        )
        comment = sub.comments[0]
    elif state == "pending":
        sub = factories.submission(session, world.consultation, [(None, "Wacht.")], confirmed=False)
        comment = sub.comments[0]
    elif state == "withdrawn":
        comment.withdrawn_at = utcnow()
        comment.is_public = False
    else:
        draft = factories.consultation(session, state="draft")
        sub = factories.submission(session, draft, [(None, "Concept.")])
        comment = sub.comments[0]
    session.flush()
    assert english_client.get(report_url(comment)).status_code == 404
    token = csrf_token(english_client, report_url(world.general))
    response = english_client.post(
        report_url(comment), data={"reason": "spam", "csrf_token": token}
    )
    assert response.status_code == 404
    assert session.scalar(select(CommentReport)) is None


def test_an_unknown_comment_cannot_be_reported(english_client):
    assert english_client.get("/reacties/999999/melden").status_code == 404


def test_reporting_without_the_csrf_token_is_refused(english_client, session, world):
    response = english_client.post(report_url(world.comment), data={"reason": "spam"})
    assert response.status_code == 400
    assert session.scalar(select(CommentReport)) is None


def test_reporting_is_rate_limited_per_address(english_client, session, world):
    token = csrf_token(english_client, report_url(world.comment))
    for _ in range(5):
        response = english_client.post(
            report_url(world.comment), data={"reason": "spam", "csrf_token": token}
        )
        assert response.status_code == 302
    response = english_client.post(
        report_url(world.comment), data={"reason": "spam", "csrf_token": token}
    )
    assert response.status_code == 429
    assert "You have reported a lot" in text_of(response)
    assert len(session.scalars(select(CommentReport)).all()) == 5
    # Another address may still report.
    other = english_client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    token = csrf_token(other, report_url(world.comment))
    response = other.post(report_url(world.comment), data={"reason": "spam", "csrf_token": token})
    assert response.status_code == 302


def test_the_hide_form_starts_without_a_reason_and_asks_for_one(english_client, session, world):
    log_in(english_client, world.moderator.email)
    page = english_client.get(world.hide_url()).get_data(as_text=True)
    assert re.search(r'<option (selected )?value="">Choose a reason</option>', page)
    assert 'value="personal_data">Contains personal data of someone else</option>' in page
    response = submit_form(english_client, world.hide_url(), {"reason": "", "note": "Iets."})
    assert response.status_code == 200
    assert "Choose a reason." in text_of(response)
    assert "Iets." in response.get_data(as_text=True)
    assert reread(session, world.comment).hidden_at is None
