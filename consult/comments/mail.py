"""The email a sender gets: the receipt, with the confirmation link when one is needed.

The address is used for this and for later updates only; it is never shown anywhere.
"""

from __future__ import annotations

from consult.comments import codes
from consult.comments.models import Submission, SubmissionState
from consult.comments.services import make_token
from consult.extensions import db
from consult.ledger import promises
from consult.ledger.models import EventKind
from consult.mail import external_url
from consult.outbox import send_template


def recipient(submission: Submission) -> str | None:
    if submission.contact is not None and submission.contact.email:
        return submission.contact.email
    return None


def send_receipt(submission: Submission, to: str) -> None:
    """The receipt: code, hash, the log's signed promise, status page, withdraw and erase
    links; confirm link if pending. Put in the outbox of ``db.session``'s transaction: it
    goes out when that commits."""
    from flask_babel import gettext as _

    code = codes.display(submission.tracking_code)
    pending = submission.state is SubmissionState.PENDING
    subject = (
        _("Confirm your comment (code %(code)s)", code=code)
        if pending
        else _("Your comment has been received (code %(code)s)", code=code)
    )
    send_template(
        db.session,
        to,
        subject,
        "mail/comments/receipt",
        submission=submission,
        code=code,
        pending=pending,
        confirm_link=(
            external_url("comments.confirm", token=make_token("confirm-submission", submission))
            if pending
            else None
        ),
        status_link=external_url("public.status", code=submission.tracking_code),
        # The log's signed promise of inclusion, to keep (see docs/evidence-record.md).
        promise=promises.note_of_object(
            db.session, EventKind.SUBMISSION_RECEIVED.value, submission.tracking_code
        ),
        withdraw_link=external_url(
            "comments.withdraw_choose", token=make_token("withdraw-comment", submission)
        ),
        erase_link=external_url(
            "erasure.erase_by_link", token=make_token("erase-contact", submission)
        ),
    )
