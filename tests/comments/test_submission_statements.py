"""The number of SQL statements of one submission: a regression shows here, not in a timing.

One comment with an e-mail address through the web form, as the submission benchmark sends
it (``bench/submission.py``): the POST stores the submission, its record event and the
log's signed promise in one transaction and puts the receipt mail in the outbox; the
receipt page shows it. The counts are the same on SQLite and PostgreSQL. When a change
needs more statements, raise the number here and say why in the commit.
"""

from __future__ import annotations

from sqlalchemy import func, select

from consult.comments.models import Submission
from consult.comments.services import canonical_content
from consult.ledger.canonical import digest
from consult.ledger.models import RecordEvent, RecordPromise
from consult.outbox import OutboxMail
from tests.comments.conftest import open_form, post_form, valid_data
from tests.consultations.conftest import count_queries

# Read: the consultation, its sections, the stakeholder groups, the region's
# municipalities, the questions, the idempotency key. Write: the submission, its comment,
# its contact; the record's head (locked), the chain's end, the event, the head again,
# the log's name, the promise; the outbox row. (SAVEPOINT and RELEASE are not counted.)
POST_STATEMENTS = 16
# The submission with its comments, its answers, its attachments; the questions; the
# public answers; the record event, its promise, the latest checkpoint, when the next is due.
RECEIPT_STATEMENTS = 9


def test_one_submission_sends_a_fixed_number_of_statements(
    app, english_client, session, open_consultation, outbox, quiet_housekeeping
):
    slug = open_consultation.slug
    _page, tokens = open_form(english_client, slug, "s-2")
    data = valid_data(question_1=None, email="ouder@example.org")
    with count_queries(app) as statements:
        response = post_form(english_client, slug, tokens, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        posted = [s for s in statements if not _outbox_delivery(s)]
    listing = "\n".join(" ".join(s.split())[:120] for s in posted)
    assert len(posted) == POST_STATEMENTS, listing

    with count_queries(app) as statements:
        receipt = english_client.get(response.location)
        assert receipt.status_code == 200
        shown = list(statements)
    listing = "\n".join(" ".join(s.split())[:120] for s in shown)
    assert len(shown) == RECEIPT_STATEMENTS, listing

    # What the statements stored: one of each, and the mail went out.
    code = response.location.split("/ontvangst/")[1].split("/")[0]
    submission = session.scalar(select(Submission).where(Submission.tracking_code == code))
    received = session.scalar(select(RecordEvent).where(RecordEvent.object_id == code))
    assert received is not None
    assert received.kind == "submission_received"
    assert session.scalar(
        select(func.count(RecordPromise.id)).where(RecordPromise.leaf_index == received.leaf_index)
    )
    # Hashed before the insert: what the receipt proves is what was stored.
    assert submission.content_hash == digest(canonical_content(submission))
    assert received.payload["content_hash"] == submission.content_hash
    assert submission.attributes_salt
    assert session.scalar(select(func.count(OutboxMail.id))) == 1
    assert len(outbox.messages) == 1


def _outbox_delivery(statement: str) -> bool:
    """The tests deliver the outbox inline, right after the commit, in the request's
    thread; the server does that in a thread of its own (counted by the profile)."""
    text = " ".join(statement.split()).upper()
    return text.startswith(("UPDATE OUTBOX", "SELECT OUTBOX", "COMMIT")) or ("FROM JOBS" in text)
