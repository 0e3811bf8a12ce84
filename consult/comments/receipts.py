"""Which receipts this browser may see: the codes it sent, or the signed-in sender's own.

A receipt shows what is not public (the email address, unpublished texts, the exact
canonical content); the status page of a code is for anyone. The comment form remembers
each code it hands out here; the receipt and status pages (:mod:`consult.public`) ask.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, session
from flask_login import current_user

from consult.comments import codes, services
from consult.comments.models import Submission
from consult.extensions import db, limiter

SESSION_KEY = "consult_receipts"


REMEMBERED_RECEIPTS = 10


lookup_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_LOOKUP", "30 per minute"),
    scope="receipt-lookup",
)


def actor() -> Any:
    return current_user if current_user.is_authenticated else None


def remember(code: str) -> None:
    remembered = [c for c in session.get(SESSION_KEY, []) if c != code]
    session[SESSION_KEY] = [*remembered, code][-REMEMBERED_RECEIPTS:]


def is_sender(submission: Submission) -> bool:
    if submission.tracking_code in session.get(SESSION_KEY, []):
        return True
    sender = actor()
    return sender is not None and submission.user_id == sender.id


def submission_or_404(code: str) -> Submission:
    normalised = codes.normalise(code)
    if normalised is None:
        abort(404)
    submission = services.find_by_code(db.session, normalised)
    if submission is None:
        abort(404)
    return submission


def own_submission(code: str) -> Submission | None:
    """The submission with this code if this visitor sent it, else None.

    Nobody else learns from the answer whether the code exists: an unknown code and a
    stranger's code look the same.
    """
    normalised = codes.normalise(code)
    if normalised is None:
        return None
    if normalised not in session.get(SESSION_KEY, []) and actor() is None:
        return None
    submission = services.find_by_code(db.session, normalised)
    return submission if submission is not None and is_sender(submission) else None


def question_texts(submission: Submission) -> dict[int, Any]:
    return {q.id: q for q in submission.consultation.questions}
