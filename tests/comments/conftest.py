"""Helpers for the comment tests: a consultation with questions, and the form's fields."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from consult.consultations.models import Question, QuestionKind
from tests import factories

KEY_FIELD = re.compile(
    r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"'
)
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A phone-like client that asks for English, so the tests read the msgids."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    test_client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36"
    )
    return test_client


@pytest.fixture
def open_consultation(session: Session):
    consultation = factories.consultation(session)
    session.add_all(
        [
            Question(
                consultation=consultation,
                position=1,
                kind=QuestionKind.SCALE,
                text="Hoe belangrijk is jeugdhulp dichtbij huis?",
                required=True,
            ),
            Question(
                consultation=consultation,
                position=2,
                kind=QuestionKind.MULTIPLE_CHOICE,
                text="Waar zoek je hulp?",
                options=["huisarts", "school", "wijkteam"],
            ),
            Question(
                consultation=consultation,
                position=3,
                kind=QuestionKind.OPEN_TEXT,
                text="Wat wil je nog kwijt?",
            ),
        ]
    )
    session.flush()
    return consultation


def form_tokens(page: str) -> dict[str, str]:
    """The hidden CSRF token and idempotency key of the form on ``page``."""
    csrf = CSRF_FIELD.search(page)
    key = KEY_FIELD.search(page)
    assert csrf, "no CSRF token on the page"
    assert key, "no idempotency key on the page"
    return {"csrf_token": csrf.group(1), "idempotency_key": key.group(1) or key.group(2)}


def open_form(
    client: FlaskClient, slug: str, anchor: str | None = None
) -> tuple[str, dict[str, str]]:
    path = f"/consultaties/{slug}/reageren" + (f"?onderdeel={anchor}" if anchor else "")
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    return page, form_tokens(page)


def valid_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "section_1": "s-2",
        "text_1": "Zorg dat hulp dichtbij school is.",
        "section_2": "algemeen",
        "text_2": "",
        "section_3": "algemeen",
        "text_3": "",
        "stakeholder_group": "parent",
        "municipality": "",
        "organisation_name": "",
        "publish_text": "y",
        "display_name": "",
        "email": "ouder@example.org",
        "question_1": "4",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post_form(client: FlaskClient, slug: str, tokens: dict[str, str], data: dict[str, Any], **kw):
    return client.post(
        f"/consultaties/{slug}/reageren",
        data={**tokens, **data},
        content_type="multipart/form-data",
        **kw,
    )


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def sent_without_account(
    session: Session,
    consultation,
    *,
    hours_ago: float = 0,
    texts: list[tuple[str | None, str]] | None = None,
    email: str = "ouder@example.org",
    display_name: str | None = None,
    publish_text: bool = True,
):
    """A submission sent through the service ``hours_ago`` (its receipt moment is fixed
    once stored, so an old one must be sent in the past, not dated back afterwards)."""
    import secrets
    from datetime import timedelta

    from consult.comments import services
    from consult.db import utcnow

    sections = {s.anchor: s for s in consultation.version.sections}
    draft = services.Draft(
        idempotency_key=secrets.token_hex(16),
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        publish_text=publish_text,
        publish_name=display_name is not None,
        display_name=display_name,
        email=email,
        comments=[
            (sections[anchor] if anchor else None, text)
            for anchor, text in (texts or [(None, "Ik vind dit een goed plan.")])
        ],
    )
    submission, created = services.submit(
        session, consultation, draft, utcnow() - timedelta(hours=hours_ago)
    )
    assert created
    return submission
