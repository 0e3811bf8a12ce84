"""Helpers for the moderation tests: two regions' consultations with comments, and moderators."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, Submission
from consult.consultations.models import Consultation
from tests import factories


@dataclass
class World:
    consultation: Consultation
    submission: Submission
    comment: Comment
    general: Comment
    moderator: User
    other_consultation: Consultation
    other_comment: Comment
    other_moderator: User

    @property
    def queue(self) -> str:
        return f"/regios/JZ22/beheer/consultaties/{self.consultation.slug}/moderatie"

    def hide_url(self, comment: Comment | None = None) -> str:
        return f"{self.queue}/reacties/{(comment or self.comment).id}/verbergen"

    def unhide_url(self, comment: Comment | None = None) -> str:
        return f"{self.queue}/reacties/{(comment or self.comment).id}/tonen"

    def dismiss_url(self, comment: Comment | None = None) -> str:
        return f"{self.queue}/reacties/{(comment or self.comment).id}/meldingen"


@pytest.fixture
def world(session: Session) -> World:
    consultation = factories.consultation(session, slug="regiovisie-utrecht")
    submission = factories.submission(
        session,
        consultation,
        [("s-2", "Er moet meer hulp op school komen."), (None, "Een goed plan in het algemeen.")],
        email="ouder@example.org",
    )
    other = factories.consultation(
        session,
        factories.document_version(session, "JZ24", locked=True),
        slug="regiovisie-haaglanden",
    )
    other_submission = factories.submission(
        session, other, [("s-1", "Reactie uit Haaglanden.")], email="haag@example.org"
    )
    return World(
        consultation=consultation,
        submission=submission,
        comment=submission.comments[0],
        general=submission.comments[1],
        moderator=factories.region_user(session, "moderator", "JZ22"),
        other_consultation=other,
        other_comment=other_submission.comments[0],
        other_moderator=factories.region_user(session, "moderator", "JZ24"),
    )


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
