"""An open consultation, verified organisations with API tokens, and a way to send with one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.organisations import tokens
from consult.organisations.models import Organisation
from tests import factories

PREFIX = "/api/v1"


@dataclass
class TokenWorld:
    consultation: Consultation
    organisation: Organisation
    other: Organisation
    admin: User
    other_admin: User
    token: tokens.NewToken
    other_token: tokens.NewToken


def build(session: Session) -> TokenWorld:
    consultation = factories.consultation(session)
    admin = factories.user(session, "beheer@jongerenraad.example.org")
    other_admin = factories.user(session, "beheer@ouderpunt.example.org")
    organisation = factories.organisation(
        session, "Jongerenraad Noord", verified=True, admins=(admin,)
    )
    other = factories.organisation(session, "Ouderpunt Zuid", verified=True, admins=(other_admin,))
    return TokenWorld(
        consultation=consultation,
        organisation=organisation,
        other=other,
        admin=admin,
        other_admin=other_admin,
        token=factories.api_token(session, organisation, admin),
        other_token=factories.api_token(session, other, other_admin),
    )


def body(**changes: Any) -> dict[str, Any]:
    sent: dict[str, Any] = {
        "stakeholder_group": "young_person",
        "age_band": "16_17",
        "municipality": None,
        "comments": [
            {"section": "s-2", "text": "Luister naar jongeren zelf, niet alleen naar ouders."},
            {"section": None, "text": "Maak de wachttijden openbaar."},
        ],
        "publish_text": True,
        "collected": "Schoolsessie 12 november",
    }
    sent.update(changes)
    return sent


def send(
    client: FlaskClient,
    slug: str,
    sent: Any,
    *,
    secret: str | None = None,
    key: str | None = "sessie-12-nov-001",
    headers: dict[str, str] | None = None,
):
    all_headers = dict(headers or {})
    if secret is not None:
        all_headers["Authorization"] = f"Bearer {secret}"
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return client.post(f"{PREFIX}/consultations/{slug}/submissions", json=sent, headers=all_headers)
