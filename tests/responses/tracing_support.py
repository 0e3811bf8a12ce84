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

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, Submission
from consult.consultations.models import Consultation
from consult.documents.models import DocumentVersion, Section
from consult.responses.answers import services
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


def english_client(app: Flask) -> FlaskClient:
    """A client that asks for English, so tests read the msgids whatever the catalogs say."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


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
        return answer_in(
            self.session,
            self.consultation,
            self.responder,
            self.official,
            comments,
            disposition,
            reason,
            publish=publish,
        )

    def correct(self, answer: Answer, disposition: Disposition, reason: str, note: str) -> Answer:
        correction = services.correct(
            self.session, self.responder, answer, disposition, reason, note
        )
        services.approve(self.session, self.official, correction)
        with factories.app_context(self.session):  # may answer the last comment: signed
            services.publish(self.session, self.official, self.consultation, [correction])
        return correction


def answer_in(
    session: Session,
    consultation: Consultation,
    responder: User,
    official: User,
    comments: Sequence[Comment],
    disposition: Disposition = Disposition.ADOPTED,
    reason: str = "We nemen dit over.",
    *,
    publish: bool = True,
) -> Answer:
    """A draft by ``responder``, approved and published by ``official`` (unless not ``publish``)."""
    answer = services.draft_answer(
        session, responder, consultation, list(comments), disposition, reason
    )
    if publish:
        services.approve(session, official, answer)
        with factories.app_context(session):  # may answer the last comment: signed
            services.publish(session, official, consultation, [answer])
    return answer


def make_world(session: Session) -> World:
    consulted = factories.document_version(session, sections=V1_SECTIONS, locked=True)
    consultation = factories.consultation(
        session,
        consulted,
        state="closed",
        opens_in_days=-50,
        closes_in_days=-1,
        slug="uitvoeringsagenda-utrecht",
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
