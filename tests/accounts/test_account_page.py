"""The account page, and changing one's email address (only once the new mailbox says so)."""

from __future__ import annotations

from consult.accounts import services
from consult.permissions import RegionRoleKind
from tests import factories
from tests.accounts.conftest import link_in, only_mail_to, text
from tests.conftest import TEST_PASSWORD, log_in, submit_form


def change_email(client, new_email: str, password: str = TEST_PASSWORD):
    return submit_form(client, "/account/email", {"new_email": new_email, "password": password})


def test_the_account_page_needs_a_log_in(english_client):
    response = english_client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/inloggen?next=")


def test_the_account_page_shows_roles_per_region_and_organisations(english_client, session):
    person = factories.region_user(session, "official", "JZ22", email="rollen@example.org")
    utrecht = factories.region(session, "JZ22")
    services.grant_region_role(session, person, utrecht, RegionRoleKind.MODERATOR, None)
    factories.organisation(session, "Stichting Stem", verified=True, admins=(person,))
    log_in(english_client, "rollen@example.org")

    page = text(english_client.get("/account/"))
    assert "rollen@example.org" in page
    assert f'href="/regios/{utrecht.code}/beheer"' in page
    assert utrecht.name in page
    assert "official, moderator" in page
    assert "Stichting Stem" in page
    assert "verified" in page
    assert "you manage this organisation" in page
    assert 'href="/account/wachtwoord"' in page
    assert 'href="/account/email"' in page


def test_name_and_language_are_saved_from_the_account_page(app, english_client, session):
    person = factories.user(session, "profiel@example.org")
    log_in(english_client, "profiel@example.org")
    response = submit_form(
        english_client,
        "/account/",
        {"display_name": "  Noor  ", "locale": "en"},
        action="/account/gegevens",
    )
    assert response.status_code == 302
    assert (
        english_client.get_cookie(app.config["LANGUAGE_COOKIE_NAME"], domain="consult.test").value
        == "en"
    )
    session.refresh(person)
    assert (person.display_name, person.locale) == ("Noor", "en")
    assert 'value="Noor"' in text(english_client.get("/account/"))

    refused = submit_form(
        english_client,
        "/account/",
        {"display_name": "x", "locale": "fr"},
        action="/account/gegevens",
    )
    assert refused.status_code == 400
    assert "Please correct the following" in text(refused)


def test_change_email_needs_the_new_mailbox_and_tells_the_old_one(
    english_client, other_english_client, session, outbox
):
    person = factories.user(session, "oud@example.org", display_name="Olaf")
    log_in(english_client, "oud@example.org")

    wrong = change_email(english_client, "nieuw@example.org", password="not my password at all")
    assert "This is not your password." in text(wrong)
    assert 'value="nieuw@example.org"' in text(wrong)
    assert outbox.messages == []

    response = change_email(english_client, "Nieuw@Example.org")
    assert response.headers["Location"] == "/account/email-verstuurd/email"
    assert "Your email address changes only when you open that link." in text(
        english_client.get(response.headers["Location"])
    )
    session.refresh(person)
    assert person.email == "oud@example.org"

    notice = only_mail_to(outbox, "oud@example.org")
    assert notice["Subject"] == "Someone asked to change your email address on Consult"
    assert "Nieuw@Example.org" in outbox.text_of(notice)
    assert "/account/wachtwoord-vergeten" in outbox.text_of(notice)
    assert "/account/email/bevestigen/" not in outbox.text_of(notice)

    message = only_mail_to(outbox, "nieuw@example.org")
    assert message["Subject"] == "Confirm your new email address for Consult"
    assert "Olaf" not in outbox.text_of(message)  # names people chose never go into mail
    link = link_in(outbox, "nieuw@example.org", "/account/email/bevestigen/")

    # Opened in another browser (a phone's mail app): it works without a log-in.
    opened = other_english_client.get(link)
    assert opened.headers["Location"] == "/account/inloggen"
    assert "Your email address is now Nieuw@Example.org." in text(
        other_english_client.get("/account/inloggen")
    )
    session.refresh(person)
    assert (person.email, person.email_key) == ("Nieuw@Example.org", "nieuw@example.org")

    # This session stays valid; the old address no longer logs in, the new one does.
    assert "Nieuw@Example.org" in text(english_client.get("/account/"))
    old = submit_form(
        other_english_client,
        "/account/inloggen",
        {"email": "oud@example.org", "password": TEST_PASSWORD},
    )
    assert "The email address or password is incorrect." in text(old)
    log_in(other_english_client, "nieuw@example.org")

    spent = english_client.get(link)
    assert spent.status_code == 400
    assert "This link does not work" in text(spent)


def test_changing_to_an_address_with_an_account_says_the_same_and_changes_nothing(
    english_client, session, outbox
):
    person = factories.user(session, "mijn@example.org")
    factories.user(session, "bezet@example.org")
    log_in(english_client, "mijn@example.org")

    response = change_email(english_client, "bezet@example.org")
    assert response.headers["Location"] == "/account/email-verstuurd/email"
    session.refresh(person)
    assert person.email == "mijn@example.org"

    to_owner = outbox.text_of(only_mail_to(outbox, "bezet@example.org"))
    assert "This address already has its own account, so nothing changed." in to_owner
    assert "/account/email/bevestigen/" not in to_owner
    assert only_mail_to(outbox, "mijn@example.org")["Subject"] == (
        "Someone asked to change your email address on Consult"
    )


def test_an_address_taken_before_the_link_is_opened_is_not_moved(english_client, session, outbox):
    person = factories.user(session, "eerst@example.org")
    log_in(english_client, "eerst@example.org")
    change_email(english_client, "gewild@example.org")
    link = link_in(outbox, "gewild@example.org", "/account/email/bevestigen/")
    factories.user(session, "gewild@example.org")

    response = english_client.get(link)
    assert response.status_code == 409
    assert "This email address is already in use" in text(response)
    session.refresh(person)
    assert person.email == "eerst@example.org"


def test_the_same_address_is_not_a_change(english_client, session, outbox):
    factories.user(session, "zelfde@example.org")
    log_in(english_client, "zelfde@example.org")
    response = change_email(english_client, "ZELFDE@example.org")
    assert response.status_code == 200
    assert "This is already your email address." in text(response)
    assert outbox.messages == []


def test_guessing_the_password_on_the_change_email_form_is_limited(english_client, session, outbox):
    person = factories.user(session, "raden@example.org")
    log_in(english_client, person.email)
    statuses = [
        change_email(
            english_client, f"nieuw{n}@example.org", password="wrong password guess"
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10  # each a form with an error, nothing sent
    assert statuses[10] == 429
    assert outbox.messages == []


def test_the_account_page_lists_what_you_sent_and_how_much_was_answered(english_client, session):
    from consult.comments.codes import display
    from consult.comments.models import SubmissionState
    from tests.responses.tracing_support import make_world

    world = make_world(session)
    person = factories.user(session, "ouder.account@example.org")
    answered = world.submission(
        [("s-1", "Meer hulp op school."), ("s-2", "Kortere wachttijden.")], user=person
    )
    world.answer(answered.comments[:1])
    waiting = world.submission([(None, "Een algemene opmerking.")], user=person)
    discarded = world.submission([(None, "Nooit bevestigd.")], user=person, confirmed=False)
    discarded.state = SubmissionState.DISCARDED
    someone_else = world.submission([(None, "Van iemand anders.")], email="ander@example.org")
    session.flush()
    log_in(english_client, "ouder.account@example.org")

    response = english_client.get("/account/")
    body = response.get_data(as_text=True)
    page = text(response)
    assert "You sent 2 submissions from this account." in page
    assert f'href="/ontvangst/{answered.tracking_code}/bewijs"' in body
    assert f'href="/ontvangst/{waiting.tracking_code}/bewijs"' in body
    assert display(answered.tracking_code) in page
    assert "2 comments, 1 answered" in page
    assert "1 comment, 0 answered" in page
    assert discarded.tracking_code not in body
    assert someone_else.tracking_code not in body


def test_the_account_page_pages_through_many_submissions(english_client, session):
    from tests.responses.tracing_support import make_world

    world = make_world(session)
    person = factories.user(session, "veel@example.org")
    sent = [world.submission([(None, f"Reactie {n}.")], user=person) for n in range(21)]
    log_in(english_client, "veel@example.org")
    first = english_client.get("/account/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'href="/account/?pagina=2#je-reacties"' in first
    second = english_client.get("/account/?pagina=2").get_data(as_text=True)
    # Newest first: the first one sent is the only one on page 2 (same moment: by id).
    assert sent[0].tracking_code in second
    assert sent[-1].tracking_code not in second


def test_an_account_without_submissions_says_so(english_client, session):
    factories.user(session, "leeg@example.org")
    log_in(english_client, "leeg@example.org")
    assert "You have not sent a comment from this account yet." in text(
        english_client.get("/account/")
    )
