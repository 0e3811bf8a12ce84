"""Test data for the answering workspace: two regions' consultations, comments and people."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, HideReason
from consult.consultations.models import Consultation
from consult.moderation import services as moderation
from consult.regions.models import Municipality
from consult.stakeholders.models import AgeBand
from tests import factories


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@dataclass
class World:
    consultation: Consultation
    # On section s-2, by a parent from a municipality of the region.
    school: Comment
    # A young person aged 12-15, on the document as a whole, with an attachment.
    young: Comment
    # Hidden by a moderator; still needs an answer.
    hidden: Comment
    responder: User
    official: User
    second_official: User
    moderator: User
    participant: User
    other_consultation: Consultation
    other_comment: Comment
    other_official: User

    @property
    def base(self) -> str:
        return f"/regios/JZ22/beheer/consultaties/{self.consultation.slug}/antwoorden"

    @property
    def other_base(self) -> str:
        return f"/regios/JZ24/beheer/consultaties/{self.other_consultation.slug}/antwoorden"

    def new_url(self, *comments: Comment, base: str | None = None) -> str:
        query = "&".join(f"comment={c.id}" for c in comments)
        return f"{base or self.base}/nieuw" + (f"?{query}" if query else "")

    def answer_url(self, answer_id: int, action: str = "", base: str | None = None) -> str:
        return f"{base or self.base}/{answer_id}" + (f"/{action}" if action else "")


def build_world(session: Session) -> World:
    consultation = factories.closed_consultation(session, slug="regiovisie-utrecht")
    municipality = session.scalar(select(Municipality).order_by(Municipality.code).limit(1))
    school = factories.submission(
        session,
        consultation,
        [("s-2", "Er moet meer hulp op school komen.")],
        email=None,
        municipality=municipality,
    )
    young = factories.submission(
        session,
        consultation,
        [(None, "Ik wacht al een jaar op hulp. De wachtlijsten zijn te lang.")],
        group="young_person",
        email=None,
        age_band=AgeBand.FROM_12_TO_15,
    )
    factories.attachment(session, young)
    hidden = factories.submission(
        session, consultation, [("s-1", "Die wethouder is een sukkel.")], email=None
    )
    moderator = factories.region_user(session, "moderator", "JZ22")
    moderation.hide_comment(
        session, moderator, hidden.comments[0], HideReason.OFFENSIVE, "Scheldwoord."
    )
    other = factories.closed_consultation(session, "JZ24", slug="regiovisie-haaglanden")
    other_submission = factories.submission(
        session, other, [("s-1", "Reactie uit Haaglanden.")], email=None
    )
    session.flush()
    return World(
        consultation=consultation,
        school=school.comments[0],
        young=young.comments[0],
        hidden=hidden.comments[0],
        responder=factories.region_user(session, "responder", "JZ22"),
        official=factories.region_user(session, "official", "JZ22", display_name="Anne Ambtenaar"),
        second_official=factories.region_user(session, "official", "JZ22"),
        moderator=moderator,
        participant=factories.user(session),
        other_consultation=other,
        other_comment=other_submission.comments[0],
        other_official=factories.region_user(session, "official", "JZ24"),
    )
