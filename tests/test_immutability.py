"""The database refuses to change evidence, whatever code runs (triggers, both databases)."""

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from consult.comments.models import Comment, Submission
from consult.consultations.models import StateChange
from consult.db import utcnow
from consult.documents.models import DocumentVersion, Section
from tests import factories


def refused(session, statement) -> str:
    """Run ``statement`` in a savepoint and return the database's refusal."""
    with pytest.raises(DBAPIError) as error, session.begin_nested():
        session.execute(statement)
    return str(error.value.orig)


def allowed(session, statement) -> None:
    with session.begin_nested():
        session.execute(statement)


@pytest.fixture
def consultation(session):
    return factories.consultation(session)  # open, on a locked version


def test_a_locked_version_and_its_sections_cannot_change(session, consultation):
    version = consultation.version
    assert version.locked_at is not None
    section = version.sections[0]
    message = refused(
        session, update(Section).where(Section.id == section.id).values(heading="Anders")
    )
    assert "a section of a locked version cannot change" in message
    assert "cannot be deleted" in refused(session, delete(Section).where(Section.id == section.id))
    # Its paragraph anchors too: comments name them.
    assert section.paragraph_anchors
    refused(session, update(Section).where(Section.id == section.id).values(paragraph_anchors=[]))
    assert "a locked document version cannot change" in refused(
        session,
        update(DocumentVersion).where(DocumentVersion.id == version.id).values(change_note="x"),
    )
    assert "cannot be deleted" in refused(
        session, delete(DocumentVersion).where(DocumentVersion.id == version.id)
    )


def test_a_draft_version_can_still_be_edited(session):
    version = factories.document_version(session, locked=False)
    allowed(
        session, update(Section).where(Section.version_id == version.id).values(heading="Nieuw")
    )
    allowed(
        session,
        update(DocumentVersion).where(DocumentVersion.id == version.id).values(locked_at=utcnow()),
    )
    # ...and from that moment it cannot.
    refused(session, update(Section).where(Section.version_id == version.id).values(heading="Weer"))


def test_a_received_comment_keeps_its_text_but_can_be_withdrawn_or_hidden(session, consultation):
    comment = factories.submission(session, consultation, [("s-1", "Mijn reactie")]).comments[0]
    message = refused(
        session, update(Comment).where(Comment.id == comment.id).values(body="Vervalst")
    )
    assert "a received comment text cannot change" in message
    refused(session, update(Comment).where(Comment.id == comment.id).values(section_id=None))
    # Nor the paragraph it is about, set or cleared.
    paragraph = consultation.version.sections[0].paragraph_anchors[0]
    refused(session, update(Comment).where(Comment.id == comment.id).values(paragraph=paragraph))
    on_paragraph = factories.submission(
        session, consultation, [("s-1", "Over de alinea", paragraph)]
    ).comments[0]
    refused(session, update(Comment).where(Comment.id == on_paragraph.id).values(paragraph=None))
    assert "never deleted" in refused(session, delete(Comment).where(Comment.id == comment.id))
    allowed(
        session,
        update(Comment)
        .where(Comment.id == comment.id)
        .values(withdrawn_at=utcnow(), is_public=False),
    )


def test_a_receipt_cannot_change_but_the_state_can(session, consultation):
    submission = factories.submission(session, consultation, confirmed=False)
    where = Submission.id == submission.id
    for values in (
        {"tracking_code": "AAAAAAAAAAA"},
        {"content_hash": "0" * 64},
        {"received_at": utcnow()},
    ):
        assert "cannot change" in refused(session, update(Submission).where(where).values(**values))
    assert "never deleted" in refused(session, delete(Submission).where(where))
    allowed(session, update(Submission).where(where).values(confirmed_at=utcnow()))


def test_the_state_history_is_kept(session, consultation):
    session.add(StateChange(consultation_id=consultation.id, to_state=consultation.state))
    session.flush()
    assert "history is kept" in refused(session, delete(StateChange))
    assert "history is fixed" in refused(session, update(StateChange).values(changed_at=utcnow()))


def test_evidence_tables_cannot_be_emptied_in_one_go(session, consultation):
    factories.submission(session, consultation)
    if session.get_bind().dialect.name == "postgresql":
        assert "never truncated" in refused(session, text("TRUNCATE comments CASCADE"))
    else:  # SQLite has no TRUNCATE; its "DELETE FROM" is refused row by row
        assert "never deleted" in refused(session, text("DELETE FROM comments"))
