"""A verified organisation with public comments and everything its page must never show.

Public: two comments on behalf of "Stichting Stem" on a closed consultation in JZ22 (one
answered, the answer later corrected) and one on an open consultation in another region.
Private: a hidden comment, a withdrawn one, an unconfirmed submission, a submission whose
text is not to be published, a comment sent before the organisation was verified, one on
a draft consultation, the members' names and email addresses, and the comments of an
unverified organisation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, HideReason, Submission
from consult.moderation import services as moderation
from consult.organisations.models import Organisation
from consult.responses.models import Answer, Disposition
from tests import factories
from tests.responses.tracing_support import World, make_world

ANSWERED_TEXT = "Stem: maak de wachtlijsten openbaar"
OPEN_TEXT = "Stem: betrek jongeren bij de inkoop"
OTHER_REGION_TEXT = "Stem in een andere regio: meer ervaringsdeskundigen"
FIRST_REASON = "We nemen dit over in hoofdstuk 2."
CORRECTED_REASON = "We nemen dit deels over: alleen de gemiddelde wachttijd."


@dataclass
class OrgWorld:
    world: World
    organisation: Organisation
    unverified: Organisation
    admin: User
    member: User
    public: list[Comment]
    answer: Answer
    secrets: list[str] = field(default_factory=list)


def _secret(label: str) -> str:
    return f"GEHEIM-{label}-{secrets.token_hex(4)}"


def build(session: Session) -> OrgWorld:
    world = make_world(session)
    admin_name, member_name = _secret("admin-naam"), _secret("lid-naam")
    admin = factories.user(session, "beheer@stem.example.org", display_name=admin_name)
    member = factories.user(session, "lid@stem.example.org", display_name=member_name)
    organisation = factories.organisation(
        session, "Stichting Stem", verified=True, admins=(admin,), members=(member,)
    )
    unverified = factories.organisation(session, "Ongecontroleerd Collectief", members=(member,))
    hidden_secrets = [admin_name, member_name, admin.email, member.email]

    def on_behalf(consultation, text: str, org=organisation, verified=True, **kwargs) -> Submission:
        email = f"{secrets.token_hex(4)}@example.org"
        hidden_secrets.append(email)
        return factories.submission(
            session,
            consultation,
            [("s-2", text)],
            email=email,
            user=member,
            organisation=org,
            organisation_verified=verified,
            **kwargs,
        )

    consultation = world.consultation
    answered = on_behalf(consultation, ANSWERED_TEXT)
    unanswered = on_behalf(consultation, OPEN_TEXT)
    hidden_text, withdrawn_text = _secret("verborgen"), _secret("ingetrokken")
    pending_text, private_text = _secret("onbevestigd"), _secret("niet-publiceren")
    before_text, unverified_text = _secret("voor-verificatie"), _secret("ongecontroleerd")
    hidden = on_behalf(consultation, hidden_text)
    withdrawn = on_behalf(consultation, withdrawn_text)
    on_behalf(consultation, pending_text, confirmed=False)
    on_behalf(consultation, private_text, publish_text=False)
    on_behalf(consultation, before_text, verified=False)
    on_behalf(consultation, unverified_text, org=unverified, verified=False)
    hidden_secrets += [hidden_text, withdrawn_text, pending_text, private_text]
    hidden_secrets += [before_text, unverified_text]
    session.flush()

    moderation.hide_comment(
        session, world.moderator, hidden.comments[0], HideReason.PERSONAL_DATA, "Naam."
    )
    withdrawn.comments[0].withdrawn_at = consultation.closes_at - timedelta(days=2)
    withdrawn.comments[0].is_public = False

    first = world.answer([answered.comments[0]], Disposition.ADOPTED, FIRST_REASON)
    correction = world.correct(first, Disposition.PARTLY_ADOPTED, CORRECTED_REASON, "Te ruim.")
    draft_reason = _secret("concept-antwoord")
    world.answer([unanswered.comments[0]], Disposition.NOTED, draft_reason, publish=False)
    hidden_secrets.append(draft_reason)

    other_version = factories.document_version(
        session, "JZ24", sections=[("Inleiding", "<p>Tekst.</p>")], locked=True
    )
    elsewhere = factories.consultation(session, other_version)
    anchor = other_version.sections[0].anchor
    other = factories.submission(
        session,
        elsewhere,
        [(anchor, OTHER_REGION_TEXT)],
        email=None,
        user=member,
        organisation=organisation,
        organisation_verified=True,
    )

    draft_text = _secret("concept-consultatie")
    draft = factories.consultation(session, state="draft")
    factories.submission(
        session,
        draft,
        [(None, draft_text)],
        email=None,
        organisation=organisation,
        organisation_verified=True,
    )
    hidden_secrets.append(draft_text)
    session.flush()
    return OrgWorld(
        world=world,
        organisation=organisation,
        unverified=unverified,
        admin=admin,
        member=member,
        public=[answered.comments[0], unanswered.comments[0], other.comments[0]],
        answer=correction,
        secrets=hidden_secrets,
    )


@pytest.fixture
def org_world(session: Session) -> OrgWorld:
    return build(session)
