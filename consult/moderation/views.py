"""The moderation queue of a consultation, hiding and showing comments, and reporting one.

Every moderator page is loaded through the region and the consultation in the URL, and a
comment id is only ever looked up within that consultation: an id of another region's
comment answers 404, as does a consultation of another region.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from consult.comments.models import Comment, Submission, SubmissionState
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation, ConsultationState
from consult.extensions import db, limiter
from consult.moderation import services
from consult.moderation.forms import (
    ApproveForm,
    DismissReportsForm,
    HideForm,
    RejectForm,
    ReportForm,
    UnhideForm,
)
from consult.permissions import Permission, authorize
from consult.regions.models import Region
from consult.regions.services import get_region
from consult.web.arguments import whole_number

log = logging.getLogger(__name__)

bp = Blueprint("moderation", __name__)

Page = str | tuple[str, int] | Response

# Per address: enough for someone who reads along and reports what they see, not a flood.
report_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_COMMENT_REPORT", "5 per hour"),
    methods=["POST"],
)


# -- loading ---------------------------------------------------------------------------------


def _moderated(code: str, slug: str) -> tuple[Region, Consultation]:
    """The region and consultation of the URL, for someone who may moderate it; else 404.

    Anonymous visitors go to the log-in page; a logged-in person without the right in this
    region gets 404, so nobody learns which consultations another region has.
    """
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    region = get_region(db.session, code)
    if region is None:
        abort(404)
    consultation = services.consultation_in_region(db.session, region.id, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_COMMENTS_MODERATE, consultation, hide=True)
    return region, consultation


def _comment(consultation: Consultation, comment_id: int) -> Comment:
    comment = services.comment_in_consultation(db.session, consultation, comment_id)
    if comment is None:
        abort(404)
    return comment


def _queue_url(region: Region, consultation: Consultation, **args: object) -> str:
    return url_for("moderation.queue", code=region.code, slug=consultation.slug, **args)


def _back_to_queue(region: Region, consultation: Consultation) -> str:
    """Back to the filter and page the moderator came from (kept in the form's URL)."""
    show = request.args.get("toon")
    page = request.args.get("pagina", type=whole_number)
    args: dict[str, object] = {}
    if show in services.QUEUE_FILTERS and show != "alle":
        args["toon"] = show
    if page and page > 1:
        args["pagina"] = page
    return _queue_url(region, consultation, **args)


def _tell(comment: Comment, action: object) -> bool:
    """Put the mail to the participant in the outbox, in the change's transaction."""
    return services.tell_participant(db.session, comment, action)  # type: ignore[arg-type]


def _say_if_untold(told: bool) -> None:
    if not told:
        flash(_("The sender left no email address, so they were not told by email."), "info")


# -- the queue -------------------------------------------------------------------------------


@bp.get("/regios/<code>/beheer/consultaties/<slug>/moderatie")
def queue(code: str, slug: str) -> Page:
    region, consultation = _moderated(code, slug)
    show = request.args.get("toon", "alle")
    if show not in services.QUEUE_FILTERS:
        show = "alle"
    page = request.args.get("pagina", 1, type=whole_number) or 1
    result = services.moderation_queue(db.session, consultation, show, page)
    return render_template(
        "moderation/queue.html",
        region=region,
        consultation=consultation,
        queue=result,
        show=show,
        awaiting=services.awaiting_count(db.session, consultation),
        dismiss_form=DismissReportsForm(),
    )


@bp.route(
    "/regios/<code>/beheer/consultaties/<slug>/moderatie/reacties/<int:comment_id>/verbergen",
    methods=["GET", "POST"],
)
def hide(code: str, slug: str, comment_id: int) -> Page:
    region, consultation = _moderated(code, slug)
    comment = _comment(consultation, comment_id)
    back = _back_to_queue(region, consultation)
    if comment.hidden_at is not None:
        flash(_("This comment is already hidden."), "info")
        return redirect(back)
    form = HideForm()
    if form.validate_on_submit():
        try:
            action = services.hide_comment(
                db.session, current_user, comment, form.hide_reason, form.note.data or ""
            )
        except services.ModerationError as exc:
            form.form_errors.append(str(exc))
        else:
            told = _tell(comment, action)
            db.session.commit()
            flash(
                _("The comment is hidden. It still counts and will still get an answer."), "success"
            )
            _say_if_untold(told)
            return redirect(back)
    return render_template(
        "moderation/hide.html",
        region=region,
        consultation=consultation,
        comment=comment,
        form=form,
        back=back,
    )


@bp.route(
    "/regios/<code>/beheer/consultaties/<slug>/moderatie/reacties/<int:comment_id>/tonen",
    methods=["GET", "POST"],
)
def unhide(code: str, slug: str, comment_id: int) -> Page:
    region, consultation = _moderated(code, slug)
    comment = _comment(consultation, comment_id)
    back = _back_to_queue(region, consultation)
    if comment.hidden_at is None:
        flash(_("This comment is not hidden."), "info")
        return redirect(back)
    form = UnhideForm()
    if form.validate_on_submit():
        try:
            action = services.unhide_comment(db.session, current_user, comment, form.note.data)
        except services.ModerationError as exc:
            form.form_errors.append(str(exc))
        else:
            told = _tell(comment, action)
            db.session.commit()
            if comment.is_public:
                flash(_("The comment can be seen again."), "success")
            else:
                flash(
                    _(
                        "The comment is no longer hidden. It is still not public, because the "
                        "sender did not confirm it, gave no consent or withdrew it."
                    ),
                    "success",
                )
            _say_if_untold(told)
            return redirect(back)
    return render_template(
        "moderation/unhide.html",
        region=region,
        consultation=consultation,
        comment=comment,
        form=form,
        back=back,
    )


# -- approving comments sent without e-mail ------------------------------------------------


def _awaiting(consultation: Consultation, submission_id: int) -> Submission:
    submission = services.awaiting_submission(db.session, consultation, submission_id)
    if submission is None:
        abort(404)
    return submission


def _approvals_url(region: Region, consultation: Consultation) -> str:
    page = request.args.get("pagina", type=whole_number)
    return url_for(
        "moderation.approvals",
        code=region.code,
        slug=consultation.slug,
        pagina=page if page and page > 1 else None,
    )


@bp.get("/regios/<code>/beheer/consultaties/<slug>/moderatie/goedkeuren")
def approvals(code: str, slug: str) -> Page:
    region, consultation = _moderated(code, slug)
    page = request.args.get("pagina", 1, type=whole_number) or 1
    return render_template(
        "moderation/approvals.html",
        region=region,
        consultation=consultation,
        queue=services.approval_queue(db.session, consultation, page),
        approve_form=ApproveForm(),
    )


@bp.post(
    "/regios/<code>/beheer/consultaties/<slug>/moderatie/inzendingen/<int:submission_id>/goedkeuren"
)
def approve(code: str, slug: str, submission_id: int) -> Response:
    region, consultation = _moderated(code, slug)
    submission = _awaiting(consultation, submission_id)
    back = _approvals_url(region, consultation)
    if not ApproveForm().validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(back)
    try:
        services.approve_submission(db.session, current_user, submission)
    except services.NotAwaiting as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(back)
    db.session.commit()
    flash(_("Approved. The comment now counts and gets an answer."), "success")
    return redirect(back)


@bp.route(
    "/regios/<code>/beheer/consultaties/<slug>/moderatie/inzendingen/<int:submission_id>/afwijzen",
    methods=["GET", "POST"],
)
def reject(code: str, slug: str, submission_id: int) -> Page:
    region, consultation = _moderated(code, slug)
    submission = _awaiting(consultation, submission_id)
    back = _approvals_url(region, consultation)
    if submission.state is not SubmissionState.AWAITING:
        flash(_("Another moderator already decided about this comment."), "info")
        return redirect(back)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_submission(
                db.session, current_user, submission, form.hide_reason, form.note.data or ""
            )
        except services.ModerationError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Not approved. It is kept, but it is not shown and does not count."), "success")
            return redirect(back)
    return render_template(
        "moderation/reject.html",
        region=region,
        consultation=consultation,
        submission=submission,
        form=form,
        back=back,
    )


@bp.post("/regios/<code>/beheer/consultaties/<slug>/moderatie/reacties/<int:comment_id>/meldingen")
def dismiss(code: str, slug: str, comment_id: int) -> Response:
    region, consultation = _moderated(code, slug)
    comment = _comment(consultation, comment_id)
    back = _back_to_queue(region, consultation)
    form = DismissReportsForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(back)
    count = services.dismiss_reports(db.session, current_user, comment)
    db.session.commit()
    if count:
        flash(_("The reports are handled. The comment stays as it was."), "success")
    else:
        flash(_("This comment had no open reports."), "info")
    return redirect(back)


# -- reporting (anyone) ----------------------------------------------------------------------


def _reportable(comment_id: int) -> Comment:
    comment = services.reportable_comment(db.session, comment_id)
    if comment is None:
        abort(404)
    return comment


def _consultation_path(slug: str) -> str:
    """The public consultation page (its own blueprint serves it at /consultaties/<slug>)."""
    return f"{request.script_root}/consultaties/{slug}"


@bp.route("/reacties/<int:comment_id>/melden", methods=["GET", "POST"])
@report_limit
def report(comment_id: int) -> Page:
    comment = _reportable(comment_id)
    form = ReportForm()
    if form.validate_on_submit():
        services.report_comment(
            db.session, comment, form.hide_reason, form.note.data or "", current_user
        )
        db.session.commit()
        return redirect(
            url_for("moderation.reported", consultatie=comment.submission.consultation.slug)
        )
    return render_template(
        "moderation/report.html",
        comment=comment,
        form=form,
        consultation_path=_consultation_path(comment.submission.consultation.slug),
    )


@bp.get("/reacties/gemeld")
def reported() -> str:
    """Thanks; it names no comment, so it tells nothing about any id."""
    slug = request.args.get("consultatie", "")
    consultation = consultation_services.public_consultation(db.session, slug) if slug else None
    if consultation is not None and consultation.state is ConsultationState.DRAFT:
        consultation = None
    return render_template(
        "moderation/report_thanks.html",
        consultation=consultation,
        consultation_path=_consultation_path(consultation.slug) if consultation else None,
    )


@bp.errorhandler(TooManyRequests)
def too_many_reports(error: TooManyRequests) -> tuple[str, int]:
    return render_template("moderation/report_limited.html"), 429
