"""The participant's path: open the page, comment, get a receipt, confirm by email."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from consult.comments import codes
from consult.comments.models import Comment, QuestionAnswer, Submission, SubmissionState
from consult.db import utcnow
from tests import factories
from tests.comments.conftest import (
    form_tokens,
    open_form,
    post_form,
    step_page,
    text_of,
    valid_data,
)


def _count(session, model=Submission) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_full_path_without_account(english_client, session, open_consultation, outbox):
    slug = open_consultation.slug
    page = english_client.get(f"/consultaties/{slug}")
    assert page.status_code == 200
    assert f"/consultaties/{slug}/reageren?onderdeel=s-2" in page.get_data(as_text=True)

    form_page, tokens = open_form(english_client, slug, "s-2")
    assert '<option selected value="s-2">' in form_page
    response = post_form(
        english_client,
        slug,
        tokens,
        valid_data(
            section_1="s-2",
            text_1="Hulp moet dichter bij school.\r\n\r\nDat scheelt reistijd.",
            section_2="s-3",
            text_2="Laat gemeenten echt samen inkopen.",
            question_1="5",
            question_2=["0", "2"],
            question_3="Dank voor het vragen.",
            email="ouder@example.org",
        ),
    )
    assert response.status_code == 302
    receipt_url = response.location
    assert "/ontvangst/" in receipt_url
    assert receipt_url.endswith("/bewijs")

    receipt = english_client.get(receipt_url)
    body = receipt.get_data(as_text=True)
    submission = session.scalar(
        select(Submission).where(Submission.consultation_id == open_consultation.id)
    )
    assert submission.state is SubmissionState.PENDING
    assert codes.display(submission.tracking_code) in body
    assert submission.content_hash in body
    assert "Almost done: confirm your comment" in body
    assert "Hulp moet dichter bij school." in body
    assert "Laat gemeenten echt samen inkopen." in body
    assert [c.section.anchor for c in submission.comments] == ["s-2", "s-3"]
    assert submission.comments[0].body == "Hulp moet dichter bij school.\n\nDat scheelt reistijd."
    assert not any(c.is_public for c in submission.comments)
    answers = {a.question_id: a.value for a in submission.answers}
    by_position = {q.position: q.id for q in open_consultation.questions}
    assert answers == {
        by_position[1]: 5,
        by_position[2]: [0, 2],
        by_position[3]: "Dank voor het vragen.",
    }
    assert submission.contact.email == "ouder@example.org"

    # Not public yet: the page shows none of it.
    assert "Hulp moet dichter bij school." not in english_client.get(
        f"/consultaties/{slug}"
    ).get_data(as_text=True)

    [mail] = outbox.to("ouder@example.org")
    mail_text = outbox.text_of(mail)
    assert codes.display(submission.tracking_code) in mail_text
    assert submission.content_hash in mail_text
    confirm_link = next(link for link in outbox.links_in(mail) if "/reactie/bevestigen/" in link)
    path = confirm_link.replace("http://consult.test", "")

    # A mail scanner that opens the link confirms nothing.
    scanner = english_client.get(path)
    assert scanner.status_code == 200
    session.expire_all()
    assert session.get(Submission, submission.id).state is SubmissionState.PENDING

    token = form_tokens(scanner.get_data(as_text=True) + ' name="idempotency_key" value="-"')[
        "csrf_token"
    ]
    confirmed = english_client.post(path, data={"csrf_token": token})
    assert confirmed.status_code == 302
    session.expire_all()
    submission = session.get(Submission, submission.id)
    assert submission.state is SubmissionState.CONFIRMED
    assert submission.confirmed_at is not None
    assert submission.confirmed_at >= submission.received_at
    assert all(c.is_public for c in submission.comments)

    status = english_client.get(f"/ontvangst/{submission.tracking_code}")
    status_text = text_of(status)
    assert status.status_code == 200
    assert "confirmed" in status_text
    assert "published" in status_text
    assert "ouder@example.org" not in status_text
    assert "not answered yet" in status_text

    public = english_client.get(f"/consultaties/{slug}").get_data(as_text=True)
    assert "Hulp moet dichter bij school." in public
    assert "ouder@example.org" not in public


def test_double_post_stores_one_submission(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    first = post_form(english_client, open_consultation.slug, tokens, valid_data())
    second = post_form(english_client, open_consultation.slug, tokens, valid_data(text_1="Anders"))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _count(session) == 1
    assert len(outbox.messages) == 1
    # A second browser posting the same key (a copied page, another person's form) stores
    # nothing and is sent to the public status page, not to the receipt with its email
    # address and unpublished texts; the receipt stays closed to it afterwards too.
    other = english_client.application.test_client()
    other_tokens = form_tokens(
        other.get(f"/consultaties/{open_consultation.slug}/reageren").get_data(as_text=True)
    )
    third = post_form(
        other,
        open_consultation.slug,
        {**other_tokens, "idempotency_key": tokens["idempotency_key"]},
        valid_data(),
    )
    assert third.status_code == 302
    assert third.location == first.location.removesuffix("/bewijs")
    assert _count(session) == 1
    receipt = other.get(first.location)
    assert receipt.status_code == 302
    assert "/bewijs" not in receipt.location
    assert "ouder@example.org" not in other.get(receipt.location).get_data(as_text=True)


def test_idempotency_key_is_checked_before_any_lookup(english_client, session, open_consultation):
    _page, tokens = open_form(english_client, open_consultation.slug)
    for bad in ("a" * 65, "f" * 500, "not-hex-" * 5, "", "0" * 31):
        response = post_form(
            english_client, open_consultation.slug, {**tokens, "idempotency_key": bad}, valid_data()
        )
        assert response.status_code == 422, bad
        body = response.get_data(as_text=True)
        assert "Something went wrong with the form" in body
        assert "Zorg dat hulp dichtbij school is." in body  # what was typed stays
        fresh = form_tokens(body)["idempotency_key"]
        assert fresh != bad
        assert len(fresh) == 32
    assert _count(session) == 0
    # The fresh key on the page lets the next try go through.
    response = post_form(
        english_client, open_consultation.slug, {**tokens, "idempotency_key": fresh}, valid_data()
    )
    assert response.status_code == 302
    assert _count(session) == 1


def test_half_invalid_form_stores_nothing_and_keeps_input(
    english_client, session, open_consultation
):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(
            text_1="Mijn <eigen> tekst blijft staan",
            text_2="x" * 5001,
            section_2="s-3",
            email="geen-adres",
            question_1=None,
            organisation_name="Cliëntenraad Noord",
            publish_text="y",
        ),
    )
    # The first step with a problem is shown, with its problem, and everything typed kept
    # (the other steps' answers as hidden fields).
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="step-caption">Step 1 of 4<' in body
    assert 'id="error-summary"' in body
    assert "Mijn &lt;eigen&gt; tekst blijft staan" in body
    assert "longer than 5000 characters" in body
    assert 'name="email" value="geen-adres"' in body
    # The region's required question is not among the problems: it never blocks a comment.
    assert "Answer this question" not in body
    assert 'value="Cliëntenraad Noord"' in body
    assert 'name="stakeholder_group" value="parent"' in body
    assert f'value="{tokens["idempotency_key"]}"' in body
    # Sent again with the text shortened: now the step with the e-mail address is shown.
    again = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(
            text_1="Mijn <eigen> tekst blijft staan",
            text_2="x" * 50,
            section_2="s-3",
            email="geen-adres",
            question_1=None,
            organisation_name="Cliëntenraad Noord",
        ),
    )
    assert again.status_code == 422
    body = again.get_data(as_text=True)
    assert 'id="step-caption">Step 3 of 4<' in body
    assert "This is not a valid email address." in body
    assert 'value="geen-adres"' in body
    assert "longer than 5000 characters" not in body
    assert _count(session) == 0
    assert _count(session, Comment) == 0


def test_at_least_one_comment_or_answer(english_client, session, open_consultation):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client, open_consultation.slug, tokens, valid_data(text_1="   ", question_1=None)
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="step-caption">Step 1 of 4<' in body
    assert "Write your comment." in body
    assert _count(session) == 0


def test_answers_alone_are_enough(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(english_client, open_consultation.slug, tokens, valid_data(text_1=""))
    assert response.status_code == 302
    assert _count(session, Comment) == 0
    assert _count(session, QuestionAnswer) == 1


def test_late_post_stores_nothing(english_client, session, open_consultation):
    slug = open_consultation.slug
    _page, tokens = open_form(english_client, slug)
    # The closing moment passes while the form is open; the state still says "open".
    open_consultation.closes_at = utcnow() - timedelta(seconds=1)
    session.flush()
    response = post_form(english_client, slug, tokens, valid_data())
    assert response.status_code == 409
    assert "This consultation is closed" in text_of(response)
    assert _count(session) == 0
    again = english_client.get(f"/consultaties/{slug}/reageren")
    assert "This consultation is closed" in text_of(again)
    assert 'name="text_1"' not in again.get_data(as_text=True)
    page = english_client.get(f"/consultaties/{slug}")
    assert "Comment on this part" not in page.get_data(as_text=True)
    assert "closed on" in text_of(page).lower()


def test_opens_on_time_without_waiting_for_the_clock(app, english_client, session):
    """Between the opening moment and the clock's next tick the form already works."""
    from consult.consultations.lifecycle import clock_for
    from consult.consultations.models import ConsultationState

    consultation = factories.consultation(session, state="scheduled", opens_in_days=-0.0001)
    clock = clock_for(app)
    last_run = clock.last_run
    clock.last_run = time.monotonic() + 3600  # the regular clock has just ticked
    try:
        page = english_client.get(f"/consultaties/{consultation.slug}")
        assert "Not open yet" not in text_of(page)
        assert "Give your comment" in text_of(page)
        _form, tokens = open_form(english_client, consultation.slug)
        response = post_form(
            english_client, consultation.slug, tokens, valid_data(section_1="s-1", question_1=None)
        )
    finally:
        clock.last_run = last_run
    assert response.status_code == 302, text_of(response)[:500]
    assert _count(session) == 1
    session.expire_all()
    assert session.get(type(consultation), consultation.id).state is ConsultationState.OPEN


def test_not_yet_open_and_drafts(english_client, session):
    scheduled = factories.consultation(session, state="scheduled", opens_in_days=2)
    assert "not open yet" in text_of(english_client.get(f"/consultaties/{scheduled.slug}/reageren"))
    draft = factories.consultation(session, state="draft")
    assert english_client.get(f"/consultaties/{draft.slug}").status_code == 404
    assert english_client.get(f"/consultaties/{draft.slug}/reageren").status_code == 404
    assert (
        english_client.get(f"/consultaties/{draft.slug}/onderdelen/s-1/reacties").status_code == 404
    )
    assert english_client.get("/consultaties/bestaat-niet").status_code == 404


def test_under_16_never_publishes_a_name(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(
            stakeholder_group="young_person",
            age_band="12_15",
            publish_name="y",
            display_name="Sanne Jansen",
        ),
    )
    assert response.status_code == 302
    submission = session.scalar(select(Submission))
    assert submission.publish_name is False
    assert submission.contact.display_name is None
    # Confirmed and public, still without a name.
    from consult.comments import services

    services.confirm(session, submission, utcnow())
    session.flush()
    assert "Sanne Jansen" not in english_client.get(
        f"/consultaties/{open_consultation.slug}"
    ).get_data(as_text=True)


def test_under_16_never_sends_on_behalf_of_an_organisation(
    english_client, session, open_consultation, outbox
):
    from tests.conftest import log_in

    member = factories.user(session, email="jong-lid@example.org", display_name="Jong")
    org = factories.organisation(session, "Jongerenraad", verified=True, members=(member,))
    log_in(english_client, "jong-lid@example.org")
    _page, tokens = open_form(english_client, open_consultation.slug)
    # With JavaScript the organisation fields hide once the age says under 16.
    assert "data-organisation-choice" in step_page(english_client, open_consultation.slug, 2)
    response = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(
            stakeholder_group="young_person",
            age_band="under_12",
            organisation_id=str(org.id),
            email=None,
        ),
    )
    assert response.status_code == 302
    app_client = english_client.application.test_client()
    _page, other_tokens = open_form(app_client, open_consultation.slug)
    post_form(
        app_client,
        open_consultation.slug,
        other_tokens,
        valid_data(
            stakeholder_group="young_person",
            age_band="12_15",
            organisation_name="Basisschool De Linde groep 8",
        ),
    )
    session.expire_all()
    submissions = session.scalars(select(Submission).order_by(Submission.id)).all()
    assert len(submissions) == 2
    for submission in submissions:
        assert submission.organisation_id is None
        assert submission.organisation_name is None
        assert submission.organisation_verified is False
    public = english_client.get(f"/consultaties/{open_consultation.slug}").get_data(as_text=True)
    assert "Jongerenraad" not in public
    assert "De Linde" not in public
    # From 16 the organisation is kept.
    _page, tokens = open_form(app_client, open_consultation.slug)
    post_form(
        app_client,
        open_consultation.slug,
        tokens,
        valid_data(
            stakeholder_group="young_person", age_band="16_17", organisation_name="MBO Raad"
        ),
    )
    session.expire_all()
    assert session.scalar(select(Submission).order_by(Submission.id.desc())).organisation_name == (
        "MBO Raad"
    )


def test_young_person_must_give_age_band(english_client, session, open_consultation):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client, open_consultation.slug, tokens, valid_data(stakeholder_group="young_person")
    )
    assert response.status_code == 422
    assert "Choose your age." in response.get_data(as_text=True)


def test_name_published_with_consent_from_16(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(
            stakeholder_group="young_person", age_band="16_17", publish_name="y", display_name="Sam"
        ),
    )
    submission = session.scalar(select(Submission))
    assert submission.publish_name is True
    assert submission.contact.display_name == "Sam"


def test_csrf_is_required(english_client, session, open_consultation):
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client, open_consultation.slug, {**tokens, "csrf_token": "forged"}, valid_data()
    )
    assert response.status_code == 400
    assert _count(session) == 0


def test_logged_in_member_of_verified_organisation(
    english_client, session, open_consultation, outbox
):
    from tests.conftest import log_in

    member = factories.user(session, email="lid@example.org", display_name="Lid")
    org = factories.organisation(session, "Stichting Jeugdstem", verified=True, members=(member,))
    other = factories.organisation(session, "Andere Stichting", verified=True)
    log_in(english_client, "lid@example.org")
    _page, tokens = open_form(english_client, open_consultation.slug)
    page = step_page(english_client, open_consultation.slug, 2)
    assert "Stichting Jeugdstem" in page
    assert "Andere Stichting" not in page
    assert 'name="email"' not in step_page(english_client, open_consultation.slug, 3)

    refused = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(organisation_id=str(other.id), email=None),
    )
    assert refused.status_code == 422
    assert "verified organisation you are a member of" in refused.get_data(as_text=True)
    assert _count(session) == 0

    response = post_form(
        english_client,
        open_consultation.slug,
        tokens,
        valid_data(organisation_id=str(org.id), email=None),
    )
    assert response.status_code == 302
    submission = session.scalar(select(Submission))
    assert submission.state is SubmissionState.CONFIRMED
    assert submission.confirmed_at == submission.received_at
    assert submission.organisation_id == org.id
    assert submission.organisation_verified is True
    assert submission.user_id == member.id
    assert all(c.is_public for c in submission.comments)
    [mail] = outbox.to("lid@example.org")
    assert "/reactie/bevestigen/" not in outbox.text_of(mail)
    public = english_client.get(f"/consultaties/{open_consultation.slug}").get_data(as_text=True)
    assert "Stichting Jeugdstem" in public
    assert "verified" in public


def test_typed_organisation_is_not_verified(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    post_form(
        english_client, open_consultation.slug, tokens, valid_data(organisation_name="MIND Utrecht")
    )
    submission = session.scalar(select(Submission))
    assert submission.organisation_name == "MIND Utrecht"
    assert not submission.organisation_verified


def test_anonymous_cannot_claim_an_organisation(english_client, session, open_consultation):
    org = factories.organisation(session, "Geverifieerd", verified=True)
    _page, tokens = open_form(english_client, open_consultation.slug)
    response = post_form(
        english_client, open_consultation.slug, tokens, valid_data(organisation_id=str(org.id))
    )
    assert response.status_code == 422
    assert _count(session) == 0


def test_municipality_from_the_region_only(english_client, session, open_consultation, outbox):
    _page, tokens = open_form(english_client, open_consultation.slug)
    page = step_page(english_client, open_consultation.slug, 2)
    assert 'value="GM0344"' in page  # Utrecht is a member of JZ22
    assert 'value="GM0363"' not in page  # Amsterdam is not
    refused = post_form(
        english_client, open_consultation.slug, tokens, valid_data(municipality="GM0363")
    )
    assert refused.status_code == 422
    ok = post_form(
        english_client, open_consultation.slug, tokens, valid_data(municipality="GM0344")
    )
    assert ok.status_code == 302
    assert session.scalar(select(Submission)).municipality.code == "GM0344"
