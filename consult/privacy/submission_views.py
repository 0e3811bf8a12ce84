"""The sender erases their email address and name from a submission: "Mijn gegevens wissen".

Two ways in, as for withdrawing: the sender with an account from their receipt page (the
policy's ``submission:contact:erase``; anyone else gets the same 404 as for an unknown
code), and the signed link in the receipt mail. Both show what is erased and what stays,
and erase only on a POST with the form's CSRF token.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.comments import codes, services
from consult.comments.models import Submission
from consult.comments.views import link_limit
from consult.db import utcnow
from consult.extensions import db, limiter
from consult.forms import ConfirmForm
from consult.ledger.models import ActorRole
from consult.permissions import Permission, allowed, authorize
from consult.privacy import submissions as erasure

bp = Blueprint("erasure", __name__)

Page = str | tuple[str, int] | Response

# The codes this browser erased the details of, for the result page (which shows no more).
ERASED_KEY = "consult_erased"

erase_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ERASURE", "10 per hour"),
    methods=["POST"],
    scope="contact-erasure",
)


@bp.app_template_global()
def may_erase_contact(submission: Submission) -> bool:
    """Show "Erase my details" on the receipt page: to the sender with an account only."""
    return not erasure.is_erased(submission) and allowed(
        current_user, Permission.SUBMISSION_CONTACT_ERASE, submission
    )


def _erase_page(submission: Submission, action: str, back: str) -> Page:
    if erasure.is_erased(submission):
        return _remember_and_show(submission)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "privacy/erase_contact.html",
            submission=submission,
            fields=erasure.personal_fields(submission.contact),
            has_contact=submission.contact is not None,
            name_in_report=erasure.name_in_published_report(db.session, submission),
            form=form,
            action=action,
            back=back,
        )
    erasure.erase_submission_contact(db.session, submission, ActorRole.PARTICIPANT, utcnow())
    db.session.commit()
    return _remember_and_show(submission)


def _remember_and_show(submission: Submission) -> Response:
    erased = [c for c in session.get(ERASED_KEY, []) if c != submission.tracking_code]
    session[ERASED_KEY] = [*erased, submission.tracking_code][-5:]
    return redirect(url_for(".erased", code=submission.tracking_code))


@bp.route("/reactie/gegevens-wissen/<token>", methods=["GET", "POST"])
@link_limit
@erase_limit
def erase_by_link(token: str) -> Page:
    try:
        submission = erasure.read_token(db.session, token)
    except services.TokenError as error:
        return (
            render_template("privacy/erase_link_problem.html", expired=error.expired),
            410 if error.expired else 404,
        )
    action = url_for(".erase_by_link", token=token)
    return _erase_page(submission, action, url_for("public.status", code=submission.tracking_code))


@bp.route("/ontvangst/<code>/gegevens-wissen", methods=["GET", "POST"])
@erase_limit
def erase_as_sender(code: str) -> Page:
    normalised = codes.normalise(code)
    submission = services.find_by_code(db.session, normalised) if normalised else None
    if submission is None:
        abort(404)
    authorize(current_user, Permission.SUBMISSION_CONTACT_ERASE, submission, hide=True)
    return _erase_page(
        submission,
        url_for(".erase_as_sender", code=submission.tracking_code),
        url_for("public.receipt", code=submission.tracking_code),
    )


@bp.get("/ontvangst/<code>/gegevens-gewist")
def erased(code: str) -> Page:
    """The result, for the browser that erased (or found erased) this code's details only."""
    normalised = codes.normalise(code)
    if normalised is None or normalised not in session.get(ERASED_KEY, []):
        abort(404)
    return render_template("privacy/erase_done.html", code=normalised)
