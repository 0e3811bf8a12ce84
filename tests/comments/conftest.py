"""Helpers for the comment tests: a consultation with questions, and the form's fields."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from consult.consultations.models import QuestionKind
from tests import factories

KEY_FIELD = re.compile(
    r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"'
)
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def open_consultation(session: Session):
    consultation = factories.consultation(session)
    factories.question(
        session,
        consultation,
        "Hoe belangrijk is jeugdhulp dichtbij huis?",
        QuestionKind.SCALE,
        position=1,
        required=True,
    )
    factories.question(
        session,
        consultation,
        "Waar zoek je hulp?",
        QuestionKind.MULTIPLE_CHOICE,
        position=2,
        options=["huisarts", "school", "wijkteam"],
    )
    factories.question(session, consultation, "Wat wil je nog kwijt?", position=3)
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


HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
STEP_ANSWERS = {
    1: {"text_1": "Zorg dat hulp dichtbij school is."},
    2: {"stakeholder_group": "parent"},
    3: {"publish_text": "y"},
}


def step_page(client: FlaskClient, slug: str, step: int, query: str = "", **answers: Any) -> str:
    """The page of ``step`` (1 to 4) of the comment form, walked to from step 1 with
    ``answers`` (or a plain answer for each step before it)."""
    page = client.get(f"/consultaties/{slug}/reageren{query}").get_data(as_text=True)
    for done in range(1, step):
        form = page.split('id="comment-form"', 1)[1].split("</form>", 1)[0]
        carried = {html.unescape(n): html.unescape(v) for n, v in HIDDEN_FIELD.findall(form)}
        csrf = CSRF_FIELD.search(form)
        if csrf:
            carried["csrf_token"] = csrf.group(1)
        mine = {k: v for k, v in answers.items() if k in _STEP_NAMES[done]}
        response = client.post(
            f"/consultaties/{slug}/reageren/stappen",
            data={**carried, **STEP_ANSWERS[done], **mine},
        )
        assert response.status_code == 200, text_of(response)[:2000]
        page = response.get_data(as_text=True)
    return page


_STEP_NAMES = {
    1: {"section_1", "text_1", "paragraph_1", "section_2", "text_2", "section_3", "text_3"},
    2: {"stakeholder_group", "age_band", "municipality", "organisation_id", "organisation_name"},
    3: {"publish_text", "publish_name", "display_name", "email"},
}
