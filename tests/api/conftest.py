"""A world with public content and everything the API must never show.

Public: a closed consultation (JZ22) with versions 1 (consulted) and 2 (later, locked),
published comments (one with a public name), published answers (one corrected), a signed
checkpoint over events that include a submission's arrival. Private: a draft version 3, a
draft consultation, a hidden comment, a withdrawn one, an unconfirmed submission, a
submission whose text is not to be published, an under-16 who typed a name, every email
address, every tracking code, and an answer that is drafted but not published.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.comments import services as comment_services
from consult.comments.models import Comment, HideReason, Submission
from consult.consultations.models import Consultation
from consult.ledger import checkpoints
from consult.ledger.models import RecordCheckpoint
from consult.moderation import services as moderation
from consult.responses.models import Answer, Disposition
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.responses.tracing_support import make_world

PUBLIC_TEXT = "Openbare reactie: wachttijden moeten korter"
NAMED_TEXT = "Reactie met naam: meer hulp op school"
CHILD_TEXT = "Reactie van een kind: luister naar ons"
PUBLIC_NAME = "Pieter Publiek"


@dataclass
class ApiWorld:
    consultation: Consultation
    draft: Consultation
    public_comments: list[Comment]
    private_comments: list[Comment]
    answers: list[Answer]
    checkpoint: RecordCheckpoint
    tree_size: int
    # Strings that must not be in any response of the API.
    secrets: list[str] = field(default_factory=list)


def _secret(label: str) -> str:
    return f"GEHEIM-{label}-{secrets.token_hex(4)}"


def build_world(session: Session) -> ApiWorld:
    world = make_world(session)
    consultation = world.consultation
    world.next_version(locked=True)  # version 2: later, locked, public
    draft_text = _secret("draft-version")
    factories.document_version(
        session,
        document=world.consulted.document,
        number=3,
        sections=[("Nog geheim", f"<p>{draft_text}</p>")],
    )
    hidden_secrets = [draft_text]

    def submit(text: str, **kwargs: object) -> Submission:
        email = f"{secrets.token_hex(4)}@example.org"
        hidden_secrets.append(email)
        item = factories.submission(session, consultation, [("s-2", text)], email=email, **kwargs)
        hidden_secrets.append(item.tracking_code)
        return item

    public = submit(PUBLIC_TEXT)
    named = submit(
        NAMED_TEXT,
        group="young_person",
        age_band=AgeBand.FROM_18_TO_23,
        display_name=PUBLIC_NAME,
        publish_name=True,
    )
    child_name = _secret("child-name")
    child = submit(
        CHILD_TEXT,
        group="young_person",
        age_band=AgeBand.FROM_12_TO_15,
        display_name=child_name,
        publish_name=True,
    )
    hidden_secrets.append(child_name)

    hidden_text, withdrawn_text = _secret("hidden"), _secret("withdrawn")
    pending_text, private_text = _secret("unconfirmed"), _secret("not-to-publish")
    hidden = submit(hidden_text)
    withdrawn = submit(withdrawn_text)
    pending = submit(pending_text, confirmed=False)
    private = submit(private_text, publish_text=False)
    hidden_secrets += [hidden_text, withdrawn_text, pending_text, private_text]
    session.flush()

    moderation.hide_comment(
        session,
        world.moderator,
        hidden.comments[0],
        HideReason.PERSONAL_DATA,
        "Naam van een ander.",
    )
    # Withdrawn while it was open (the service refuses after closing).
    withdrawn.comments[0].withdrawn_at = consultation.closes_at - timedelta(days=2)
    withdrawn.comments[0].is_public = False
    with factories.app_context(session):
        for item in (public, named, child, hidden, withdrawn, pending, private):
            comment_services.record_submission(session, item)

    public_comments = [public.comments[0], named.comments[0], child.comments[0]]
    private_comments = [c.comments[0] for c in (hidden, withdrawn, pending, private)]

    first = world.answer([public.comments[0], hidden.comments[0]], Disposition.ADOPTED)
    correction = world.correct(first, Disposition.PARTLY_ADOPTED, "Deels overgenomen.", "Fout.")
    second = world.answer([named.comments[0], private.comments[0]], Disposition.NOTED)
    draft_reason = _secret("draft-answer")
    world.answer([child.comments[0]], Disposition.NOT_ADOPTED, draft_reason, publish=False)
    hidden_secrets.append(draft_reason)

    draft_title = _secret("draft-consultation")
    draft = factories.consultation(session, state="draft", slug="jz22-geheim-concept")
    draft.title = draft_title
    hidden_secrets += [draft_title, draft.slug]
    factories.submission(session, draft, [(None, "Reactie op een concept")])

    with factories.app_context(session):
        checkpoint = checkpoints.make(session, "manual")
    session.flush()
    return ApiWorld(
        consultation=consultation,
        draft=draft,
        public_comments=public_comments,
        private_comments=private_comments,
        answers=[first, correction, second],
        checkpoint=checkpoint,
        tree_size=checkpoint.tree_size,
        secrets=hidden_secrets,
    )


@pytest.fixture
def api_world(session: Session) -> ApiWorld:
    return build_world(session)
