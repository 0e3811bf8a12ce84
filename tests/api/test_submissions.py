"""Sending comments collected offline through the API, with an organisation's token (issue 7,
point 5): deny by default, the same checks and service as the web form, on behalf of the
token's organisation only, once per Idempotency-Key, limited per token, in the record."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from consult.comments import services as comment_services
from consult.comments.models import Submission, SubmissionState
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.ledger.models import RecordEvent
from consult.organisations import tokens
from consult.organisations.models import ApiSubmission, ApiToken
from consult.regions.models import Region
from consult.regions.services import members_on
from tests import factories
from tests.api.tokens_world import PREFIX, TokenWorld, body, build, send
from tests.conftest import log_in, make_client


@pytest.fixture
def world(session) -> TokenWorld:
    return build(session)


def _submissions(session, consultation) -> list[Submission]:
    session.expire_all()
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.consultation_id == consultation.id)
            .order_by(Submission.id)
        )
    )


def _events(session, code: str) -> dict[str, RecordEvent]:
    return {
        e.kind: e for e in session.scalars(select(RecordEvent).where(RecordEvent.object_id == code))
    }


# -- the happy path ----------------------------------------------------------------------------


def test_a_token_stores_a_confirmed_submission_for_its_organisation(
    quiet_english_client, session, world
) -> None:
    response = send(
        quiet_english_client, world.consultation.slug, body(), secret=world.token.secret
    )
    assert response.status_code == 201, response.get_data(True)
    receipt = response.get_json()
    [stored] = _submissions(session, world.consultation)
    assert receipt["tracking_code"] == stored.tracking_code
    assert receipt["state"] == "confirmed"
    assert receipt["content_hash"] == stored.content_hash
    assert receipt["comment_count"] == 2
    assert receipt["receipt_url"].endswith(f"/ontvangst/{stored.tracking_code}")
    assert response.headers["Location"] == receipt["receipt_url"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Idempotent-Replayed" not in response.headers

    # On behalf of the token's organisation, confirmed (it vouches), no email, no name.
    assert stored.organisation_id == world.organisation.id
    assert stored.organisation_verified is True
    assert stored.state is SubmissionState.CONFIRMED
    assert stored.user_id is None
    assert stored.contact.email is None
    assert stored.contact.display_name is None
    assert [(c.section.anchor if c.section else None, c.body) for c in stored.comments] == [
        ("s-2", "Luister naar jongeren zelf, niet alleen naar ouders."),
        (None, "Maak de wachttijden openbaar."),
    ]
    assert all(c.is_public for c in stored.comments)
    sent = session.scalar(select(ApiSubmission).where(ApiSubmission.submission_id == stored.id))
    assert sent.token_id == world.token.token.id
    assert sent.collected == "Schoolsessie 12 november"

    # Each use is in the record: the channel and the token's prefix, a role, no person.
    events = _events(session, stored.tracking_code)
    received = events["submission_received"]
    assert received.payload["channel"] == "api"
    # The token's prefix is in the commitment with the group, age band and municipality
    # (the leaves are public; its absence for a child would tell the age band).
    assert "api_token" not in received.payload
    opening = comment_services.attributes_opening(stored, world.token.token.prefix)
    assert opening["api_token"] == world.token.token.prefix
    assert received.payload["attributes"] == comment_services.attributes_commitment(
        stored.attributes_salt, opening
    )
    assert received.actor_role == "participant"
    assert receipt["leaf_index"] == received.leaf_index
    assert events["submission_confirmed"].payload == {"by": "api_token"}
    session.refresh(world.token.token)
    assert world.token.token.last_used_at is not None

    # The receipt's links work: the public status page and the inclusion proof.
    assert quiet_english_client.get(receipt["receipt_url"]).status_code == 200
    assert quiet_english_client.get(receipt["inclusion_url"]).status_code == 200


def test_the_record_verifies_after_api_submissions(
    app: Flask, quiet_english_client, session, world
) -> None:
    for number in range(3):
        response = send(
            quiet_english_client,
            world.consultation.slug,
            body(comments=[{"section": None, "text": f"Reactie {number}"}]),
            secret=world.token.secret,
            key=f"rij-{number:04d}",
        )
        assert response.status_code == 201
    with app.app_context():
        report = verify(session)
    assert report.ok, list(report.failures)
    result = app.test_cli_runner().invoke(args=["record", "verify"])
    assert result.exit_code == 0, result.output
    assert "the record verifies" in result.output


def test_under_16_neither_the_submission_nor_its_event_ties_it_to_the_organisation(
    quiet_english_client, session, world
) -> None:
    """The platform chain ties a token's prefix to its organisation: a child's event keeps
    the channel but not the prefix, as the submission keeps no organisation."""
    response = send(
        quiet_english_client,
        world.consultation.slug,
        body(age_band="12_15"),
        secret=world.token.secret,
    )
    assert response.status_code == 201
    [stored] = _submissions(session, world.consultation)
    assert stored.organisation_id is None  # the web form's rule, from the same service
    events = _events(session, stored.tracking_code)
    received = events["submission_received"]
    assert received.payload["channel"] == "api"
    assert "api_token" not in received.payload
    assert world.token.token.prefix not in str(received.payload)
    # Under 16 the commitment holds no prefix either: an opening never ties the child's
    # age band to the organisation.
    assert received.payload["attributes"] == comment_services.attributes_commitment(
        stored.attributes_salt, comment_services.attributes_opening(stored, None)
    )
    assert events["submission_confirmed"].payload["by"] == "api_token"


def test_a_valid_municipality_and_questions_are_taken_as_on_the_web_form(
    quiet_english_client, session, world
) -> None:
    from consult.consultations.models import Question, QuestionKind

    question = Question(
        consultation_id=world.consultation.id,
        position=1,
        kind=QuestionKind.SINGLE_CHOICE,
        text="Hoe vind je de hulp?",
        options=["goed", "slecht"],
        required=True,
    )
    session.add(question)
    session.flush()
    code = members_on(session, world.consultation.region, utcnow().date())[0].code
    without = send(
        quiet_english_client,
        world.consultation.slug,
        body(municipality=code),
        secret=world.token.secret,
    )
    # As on the web form, a required question never blocks a comment (issue 17).
    assert without.status_code == 201, without.get_data(True)
    wrong = send(
        quiet_english_client,
        world.consultation.slug,
        body(municipality=code, answers=[{"question": 1, "value": 7}]),
        secret=world.token.secret,
        key="fout-antwoord",
    )
    assert wrong.status_code == 422  # an answer given is still checked against its question
    assert any(e["field"] == "answers(question 1)" for e in wrong.get_json()["errors"])
    response = send(
        quiet_english_client,
        world.consultation.slug,
        body(municipality=code, answers=[{"question": 1, "value": 1}]),
        secret=world.token.secret,
        key="met-vraag",
    )
    assert response.status_code == 201, response.get_data(True)
    unanswered, stored = _submissions(session, world.consultation)
    assert unanswered.answers == []
    assert stored.municipality.code == code
    assert [a.value for a in stored.answers] == [1]


# -- deny by default ---------------------------------------------------------------------------


def test_no_unknown_revoked_or_expired_token_gets_401(quiet_english_client, session, world) -> None:
    slug = world.consultation.slug
    secret = world.token.secret
    prefix = world.token.token.prefix
    attempts = {
        "no header": None,
        "malformed": "abc",
        "unknown": f"consult_{'0' * 12}_{'A' * 43}",
        "right prefix, wrong secret": f"consult_{prefix}_{'A' * 43}",
        "the hash instead of the secret": world.token.token.secret_hash,
    }
    for label, value in attempts.items():
        response = send(quiet_english_client, slug, body(), secret=value)
        assert response.status_code == 401, label
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), label
    # Another scheme is no token either.
    response = send(
        quiet_english_client, slug, body(), headers={"Authorization": f"Basic {secret}"}
    )
    assert response.status_code == 401

    with factories.app_context(session):
        other = factories.api_token(session, world.organisation, world.admin, name="Oud")
        tokens.revoke_token(session, other.token, world.admin)
    response = send(quiet_english_client, slug, body(), secret=other.secret)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]

    expired = factories.api_token(session, world.organisation, world.admin, name="Verlopen")
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == expired.token.id)
        .values(created_at=utcnow() - timedelta(days=40), expires_at=utcnow() - timedelta(days=1))
    )
    response = send(quiet_english_client, slug, body(), secret=expired.secret)
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]
    assert _submissions(session, world.consultation) == []


def test_a_token_without_the_scope_gets_403(quiet_english_client, session, world) -> None:
    # A token that holds some other scope (as an older or future one would).
    secret = f"consult_{'ab' * 6}_{'B' * 43}"
    session.add(
        ApiToken(
            organisation_id=world.organisation.id,
            name="Alleen lezen",
            prefix="ab" * 6,
            secret_hash=tokens.hash_token(secret),
            scopes="consultation:comment:read",
            created_at=utcnow(),
            expires_at=utcnow() + timedelta(days=30),
        )
    )
    session.flush()
    response = send(quiet_english_client, world.consultation.slug, body(), secret=secret)
    assert response.status_code == 403
    assert 'scope="consultation:submission:create"' in response.headers["WWW-Authenticate"]
    assert _submissions(session, world.consultation) == []
    with pytest.raises(tokens.TokenError):
        tokens.check_scopes(["consultation:comment:read"])
    with pytest.raises(tokens.TokenError):
        tokens.check_scopes([])


def test_an_organisation_no_longer_verified_gets_403(quiet_english_client, session, world) -> None:
    world.organisation.verified_at = None
    session.flush()
    response = send(
        quiet_english_client, world.consultation.slug, body(), secret=world.token.secret
    )
    assert response.status_code == 403
    assert _submissions(session, world.consultation) == []


def test_no_body_field_can_name_another_organisation(quiet_english_client, session, world) -> None:
    for field, value in (
        ("organisation", world.other.id),
        ("organisation_id", world.other.id),
        ("organisation_name", world.other.name),
        ("email", "iemand@example.org"),
        ("display_name", "Iemand"),
    ):
        response = send(
            quiet_english_client,
            world.consultation.slug,
            body(**{field: value}),
            secret=world.token.secret,
        )
        assert response.status_code == 422, field
        assert {"field": field, "message": "This field is unknown."} in response.get_json()[
            "errors"
        ]
    assert _submissions(session, world.consultation) == []
    # The other organisation's token sends for the other organisation, never for this one.
    response = send(
        quiet_english_client, world.consultation.slug, body(), secret=world.other_token.secret
    )
    assert response.status_code == 201
    [stored] = _submissions(session, world.consultation)
    assert stored.organisation_id == world.other.id


def test_a_session_cookie_does_not_authenticate(app: Flask, session, world) -> None:
    client = make_client(app, "en")
    log_in(client, world.admin.email)  # an admin of the verified organisation
    response = send(client, world.consultation.slug, body())
    assert response.status_code == 401  # not a CSRF error, not a success: no token
    assert _submissions(session, world.consultation) == []


# -- the consultation and the body -------------------------------------------------------------


def test_unknown_and_draft_consultations_are_404(quiet_english_client, session, world) -> None:
    draft = factories.consultation(session, state="draft")
    for slug in ("bestaat-niet", draft.slug):
        response = send(quiet_english_client, slug, body(), secret=world.token.secret)
        assert response.status_code == 404, slug
        assert response.mimetype == "application/problem+json"


def test_a_consultation_that_is_not_open_is_409(quiet_english_client, session, world) -> None:
    closed = factories.consultation(session, state="closed", opens_in_days=-50, closes_in_days=-1)
    scheduled = factories.consultation(session, state="scheduled", opens_in_days=3)
    for consultation in (closed, scheduled):
        response = send(quiet_english_client, consultation.slug, body(), secret=world.token.secret)
        assert response.status_code == 409, consultation.state
        assert response.mimetype == "application/problem+json"
        assert _submissions(session, consultation) == []


def test_an_invalid_body_is_422_with_the_web_forms_messages(
    quiet_english_client, session, world
) -> None:
    slug = world.consultation.slug
    elsewhere = session.scalar(select(Region).where(Region.code != "JZ22").limit(1))
    outside = members_on(session, elsewhere, utcnow().date())[0].code
    cases = {
        "section": (
            body(comments=[{"section": "s-99", "text": "Hier"}]),
            "comments[0].section",
        ),
        "group": (body(stakeholder_group="marsmannetje"), "stakeholder_group"),
        "age": (body(age_band=None), "age_band"),
        "municipality": (body(municipality=outside), "municipality"),
        "length": (
            body(comments=[{"section": None, "text": "x" * 5001}]),
            "comments[0].text",
        ),
        "too many": (
            body(comments=[{"section": None, "text": f"Tekst {n}"} for n in range(4)]),
            "comments",
        ),
        "nothing": (body(comments=[]), ""),
        "no place": (body(collected=" "), "collected"),
        "consent": (body(publish_text="ja"), "publish_text"),
        "not an object": ([1, 2], ""),
    }
    for label, (sent, field) in cases.items():
        response = send(quiet_english_client, slug, sent, secret=world.token.secret)
        assert response.status_code == 422, (label, response.get_data(True))
        problem = response.get_json()
        assert problem["status"] == 422
        assert field in {e["field"] for e in problem["errors"]}, (label, problem["errors"])
    not_json = quiet_english_client.post(
        f"{PREFIX}/consultations/{slug}/submissions",
        data="stakeholder_group=parent",
        headers={"Authorization": f"Bearer {world.token.secret}", "Idempotency-Key": "k" * 10},
    )
    assert not_json.status_code == 422
    assert _submissions(session, world.consultation) == []


def test_the_idempotency_key_header_is_required(quiet_english_client, world) -> None:
    for key in (None, "kort", "met spaties erin"):
        response = send(
            quiet_english_client,
            world.consultation.slug,
            body(),
            secret=world.token.secret,
            key=key,
        )
        assert response.status_code == 400, key


# -- retries -----------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_stores_once_and_returns_the_first_receipt(
    quiet_english_client, session, world
) -> None:
    slug = world.consultation.slug
    first = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0001")
    again = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0001")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    [stored] = _submissions(session, world.consultation)
    received = session.scalar(
        select(func.count())
        .select_from(RecordEvent)
        .where(RecordEvent.object_id == stored.tracking_code)
    )
    assert received == 2  # received and confirmed, once

    # The same key with another body is refused, not answered with the first receipt.
    other = send(
        quiet_english_client,
        slug,
        body(comments=[{"section": None, "text": "Iets anders"}]),
        secret=world.token.secret,
        key="rij-0001",
    )
    assert other.status_code == 422
    # Another organisation's key space is its own: the same key is a new submission.
    theirs = send(
        quiet_english_client, slug, body(), secret=world.other_token.secret, key="rij-0001"
    )
    assert theirs.status_code == 201
    assert theirs.get_json()["tracking_code"] != first.get_json()["tracking_code"]
    assert len(_submissions(session, world.consultation)) == 2


def test_a_retry_after_closing_still_gets_the_first_receipt(
    quiet_english_client, session, world
) -> None:
    slug = world.consultation.slug
    first = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0002")
    assert first.status_code == 201
    world.consultation.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    again = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0002")
    assert again.status_code == 201
    assert again.get_json()["tracking_code"] == first.get_json()["tracking_code"]
    fresh = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0003")
    assert fresh.status_code == 409


# -- limits, CORS, storage ---------------------------------------------------------------------


@pytest.fixture
def tight_write_limit(app: Flask):
    saved = app.config.get("RATELIMIT_API_WRITE")
    app.config["RATELIMIT_API_WRITE"] = "2 per minute"
    yield
    if saved is None:
        app.config.pop("RATELIMIT_API_WRITE", None)
    else:
        app.config["RATELIMIT_API_WRITE"] = saved


def test_writes_are_limited_per_token(
    quiet_english_client, session, world, tight_write_limit
) -> None:
    slug = world.consultation.slug
    statuses = [
        send(
            quiet_english_client, slug, body(), secret=world.token.secret, key=f"rij-{n:04d}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    refused = send(quiet_english_client, slug, body(), secret=world.token.secret, key="rij-0009")
    assert refused.mimetype == "application/problem+json"
    assert "API key" in refused.get_json()["detail"]
    # Per token: the other organisation's token still has its allowance.
    other = send(
        quiet_english_client, slug, body(), secret=world.other_token.secret, key="rij-0001"
    )
    assert other.status_code == 201
    assert len(_submissions(session, world.consultation)) == 3


def test_no_cors_for_the_write(quiet_english_client, world) -> None:
    path = f"{PREFIX}/consultations/{world.consultation.slug}/submissions"
    preflight = quiet_english_client.options(
        path,
        headers={
            "Origin": "https://elders.example.net",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")
    response = send(
        quiet_english_client,
        world.consultation.slug,
        body(),
        secret=world.token.secret,
        headers={"Origin": "https://elders.example.net"},
    )
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers
    # Reading stays open to every site.
    read = quiet_english_client.get(
        f"{PREFIX}/regions", headers={"Origin": "https://elders.example.net"}
    )
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    # GET on the write's address: 405, not the HTML error page.
    assert quiet_english_client.get(path).status_code == 405


def test_tokens_are_stored_hashed(session, world) -> None:
    secrets = [world.token.secret, world.other_token.secret]
    rows = session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 2
    stored = "\n".join(str(value) for row in rows for value in row)
    for secret in secrets:
        assert secret not in stored
        assert secret.split("_", 2)[2] not in stored  # not even the random part alone
        assert hashlib.sha256(secret.encode()).hexdigest() in stored
    events = "\n".join(
        str(e.payload)
        for e in session.scalars(select(RecordEvent).where(RecordEvent.kind.like("api_token%")))
    )
    for secret in secrets:
        assert secret.split("_", 2)[2] not in events


# -- documented --------------------------------------------------------------------------------


def test_the_write_is_in_the_openapi_document_and_the_docs(quiet_english_client) -> None:
    doc = quiet_english_client.get(f"{PREFIX}/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["organisationToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["organisationToken"]["description"],
    }
    operation = doc["paths"]["/consultations/{slug}/submissions"]["post"]
    assert operation["security"] == [{"organisationToken": []}]
    assert operation["x-required-scope"] == "consultation:submission:create"
    assert {"201", "400", "401", "403", "404", "409", "422", "429"} == set(operation["responses"])
    assert "get" not in doc["paths"]["/consultations/{slug}/submissions"]
    page = quiet_english_client.get(f"{PREFIX}/docs").get_data(True)
    assert "POST /consultations/{slug}/submissions" in page
    assert "Authorization: Bearer" in page


@pytest.mark.parametrize(
    "change",
    [
        {"comments": [{"section": None, "text": "Meer \x00 hulp"}]},
        {"collected": "School\x00sessie"},
        {"stakeholder_group": "parent\x00"},
    ],
)
def test_a_nul_character_in_the_body_is_refused_and_nothing_stored(
    quiet_english_client, session, world, change
) -> None:
    """PostgreSQL cannot store a NUL in text: a 422 naming the field, never a 500."""
    response = send(
        quiet_english_client, world.consultation.slug, body(**change), secret=world.token.secret
    )
    assert response.status_code == 422, response.get_data(True)
    assert _submissions(session, world.consultation) == []


def test_a_comment_sent_through_the_api_can_name_one_paragraph(
    quiet_english_client, session, world
) -> None:
    slug = world.consultation.slug
    section = next(s for s in world.consultation.version.sections if s.anchor == "s-2")
    [paragraph] = section.paragraph_anchors
    wrong = body(comments=[{"section": "s-3", "paragraph": paragraph, "text": "Hier"}])
    response = send(quiet_english_client, slug, wrong, secret=world.token.secret, key="alinea-1")
    assert response.status_code == 422
    assert "comments[0].section" in {e["field"] for e in response.get_json()["errors"]}
    assert _submissions(session, world.consultation) == []

    right = body(comments=[{"section": "s-2", "paragraph": paragraph, "text": "Over de alinea"}])
    response = send(quiet_english_client, slug, right, secret=world.token.secret, key="alinea-2")
    assert response.status_code == 201, response.get_data(True)
    [stored] = _submissions(session, world.consultation)
    assert [c.paragraph for c in stored.comments] == [paragraph]
    listed = quiet_english_client.get(f"{PREFIX}/consultations/{slug}/comments").get_json()
    assert [c["paragraph"] for c in listed["data"]] == [paragraph]
