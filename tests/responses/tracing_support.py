"""A closed consultation with a next version, a team and answers, for the tracing tests.

Version 1 (consulted, locked) has sections s-1, s-2, s-3; version 2 rewrites s-2 and adds
s-4. Answers go through the real services: drafted by a responder, approved and published
by an official.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, Submission
from consult.consultations.models import Consultation
from consult.documents.models import DocumentVersion, Section
from consult.responses.models import Answer, Disposition
from tests import factories

V1_SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    ("Hulp op school", "<p>Scholen werken samen met de wijkteams.</p>"),
    ("Wachttijden", "<p>Wij willen dat niemand te lang wacht.</p>"),
]
V2_SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    ("Hulp op school", "<p>Op elke school werkt een vaste jeugdhulpverlener.</p>"),
    ("Wachttijden", "<p>Wij willen dat niemand te lang wacht.</p>"),
    ("Een steunpunt", "<p>Een onafhankelijk steunpunt helpt jongeren en ouders.</p>"),
]


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@dataclass
class World:
    session: Session
    consultation: Consultation
    consulted: DocumentVersion
    responder: User
    official: User
    other_official: User
    moderator: User

    @property
    def team(self) -> str:
        return f"/regios/JZ22/beheer/consultaties/{self.consultation.slug}"

    def answer_url(self, answer: Answer) -> str:
        return f"{self.team}/antwoorden/{answer.id}/secties"

    def section_url(self, section: Section) -> str:
        return f"{self.team}/wijzigingen/{section.id}"

    def next_version(self, *, locked: bool = False) -> DocumentVersion:
        return factories.document_version(
            self.session,
            document=self.consulted.document,
            number=2,
            sections=V2_SECTIONS,
            locked=locked,
        )

    def submission(self, comments: list[tuple[str | None, str]], **kwargs: object) -> Submission:
        return factories.submission(self.session, self.consultation, comments, **kwargs)

    def answer(
        self,
        comments: Sequence[Comment],
        disposition: Disposition = Disposition.ADOPTED,
        reason: str = "We nemen dit over.",
        *,
        publish: bool = True,
    ) -> Answer:
        """By the world's responder; approved and published by its official, unless not
        ``publish`` (then a draft)."""
        return factories.answer(
            self.session,
            self.consultation,
            comments,
            disposition,
            reason,
            responder=self.responder,
            official=self.official,
            state="published" if publish else "draft",
        )

    def correct(self, answer: Answer, disposition: Disposition, reason: str, note: str) -> Answer:
        return factories.correction(
            self.session,
            self.consultation,
            answer,
            disposition,
            reason,
            note,
            responder=self.responder,
            official=self.official,
        )


def make_world(session: Session) -> World:
    consulted = factories.document_version(session, sections=V1_SECTIONS, locked=True)
    consultation = factories.closed_consultation(
        session, version=consulted, slug="uitvoeringsagenda-utrecht"
    )
    return World(
        session=session,
        consultation=consultation,
        consulted=consulted,
        responder=factories.region_user(session, "responder"),
        official=factories.region_user(session, "official"),
        other_official=factories.region_user(session, "official", "JZ24"),
        moderator=factories.region_user(session, "moderator"),
    )


def section(version: DocumentVersion, anchor: str) -> Section:
    return next(s for s in version.sections if s.anchor == anchor)
