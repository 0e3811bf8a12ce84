"""The answering workspace: comments with filters, drafting, approving, publishing answers.

Every page is loaded through the region and the consultation in the URL, and an answer or
comment id is only ever looked up within that consultation: another region's ids answer
404, whatever the URL around them (Decidim's CVE-2026-40869 was exactly that hole).
Anonymous visitors go to the log-in page; a logged-in person who may not answer for this
consultation gets 404, as in moderation, so nobody learns which consultations exist.
Approving and publishing need more than drafting: the policy decides, and refuses with 403.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from consult import jobs
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.i18n import current_locale, safe_next_url
from consult.permissions import Permission, allowed, authorize
from consult.regions.models import Region
from consult.responses import queries
from consult.responses.answers import notify, services, workspace
from consult.responses.answers.forms import (
    CorrectionForm,
    DraftForm,
    FilterForm,
    PublishForm,
)
from consult.responses.loading import team_consultation
from consult.responses.models import Answer, AnswerState, Disposition
from consult.stakeholders import services as stakeholders
from consult.web.arguments import whole_number

log = logging.getLogger(__name__)

bp = Blueprint("responses", __name__)

Page = str | tuple[str, int] | Response

BASE = "/regios/<code>/beheer/consultaties/<slug>/antwoorden"
# How many chosen comments the new-answer page shows in full; the rest are counted.
SHOWN_COMMENTS = 50


# -- loading ---------------------------------------------------------------------------------


def _answering(code: str, slug: str) -> tuple[Region, Consultation]:
    """The region and consultation of the URL, for someone who may answer for it; else 404."""
    return team_consultation(code, slug, Permission.CONSULTATION_ANSWERS_DRAFT)


def _answer(consultation: Consultation, answer_id: int) -> Answer:
    answer = workspace.answer_in(db.session, consultation, answer_id)
    if answer is None:
        abort(404)
    return answer


def _workspace_url(region: Region, consultation: Consultation, **args: Any) -> str:
    return url_for("responses.workspace", code=region.code, slug=consultation.slug, **args)


def _answer_url(region: Region, consultation: Consultation, answer: Answer) -> str:
    return url_for(
        "responses.answer", code=region.code, slug=consultation.slug, answer_id=answer.id
    )


def _back(region: Region, consultation: Consultation, fallback: str | None = None) -> str:
    """Where the person came from within this consultation's answering pages (``terug``)."""
    fallback = fallback or _workspace_url(region, consultation)
    target = safe_next_url(request.values.get("terug"), fallback)
    prefix = url_for("responses.workspace", code=region.code, slug=consultation.slug)
    return target if target.startswith(prefix) else fallback


def _apply_error(form: Any, error: services.AnswerError) -> None:
    """Show the service's refusal at the field it is about, or above the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and error.field not in ("comment", "comments"):
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@dataclass
class AnsweringLinks:
    """What the consultation's own page links to in answering, for the person looking."""

    workspace_url: str | None = None
    waiting: int = 0
    report_url: str | None = None
    # How far the answering is against the promised day (None for a draft).
    status: queries.AnswerStatus | None = None


@bp.app_template_global()
def answering_links(consultation: Consultation) -> AnsweringLinks:
    """For the consultation page: "Answer comments (N waiting)" and the reactienota link."""
    links = AnsweringLinks()
    links.status = queries.answer_status(db.session, [consultation]).get(consultation.id)
    code, slug = consultation.region.code, consultation.slug
    if allowed(current_user, Permission.CONSULTATION_ANSWERS_DRAFT, consultation):
        links.workspace_url = url_for("responses.workspace", code=code, slug=slug)
        links.waiting = workspace.waiting_count(db.session, consultation)
    if allowed(current_user, Permission.CONSULTATION_REPORT_PREVIEW, consultation):
        links.report_url = url_for("reactienota.manage", code=code, slug=slug)
    return links


def _common(region: Region, consultation: Consultation) -> dict[str, Any]:
    drafts, approved = workspace.approval_counts(db.session, consultation)
    return {
        "region": region,
        "consultation": consultation,
        "draft_count": drafts,
        "approved_count": approved,
        "may_publish": allowed(current_user, Permission.CONSULTATION_ANSWERS_PUBLISH, consultation),
        "States": AnswerState,
        "dispositions": {d.value: d for d in Disposition},
    }


# -- the list --------------------------------------------------------------------------------


@bp.get(BASE, endpoint="workspace")
def workspace_list(code: str, slug: str) -> Page:
    region, consultation = _answering(code, slug)
    form = FilterForm(
        formdata=request.args,
        sections=workspace.sections_of(db.session, consultation),
        groups=stakeholders.all_groups(db.session),
        locale=current_locale(),
    )
    filters = form.filters()
    page_number = request.args.get("pagina", 1, type=whole_number) or 1
    result = workspace.workspace_page(db.session, consultation, filters, page_number)
    args = form.query_args()
    here = _workspace_url(
        region, consultation, **args, pagina=result.page if result.page > 1 else None
    )
    return render_template(
        "responses/workspace.html",
        form=form,
        result=result,
        args=args,
        here=here,
        **_common(region, consultation),
    )


# -- drafting --------------------------------------------------------------------------------


def _answers_of_chosen(comment_ids: list[int]) -> dict[int, Answer]:
    """Answers the chosen comments already have (open first), to say so next to them."""
    return {
        **queries.current_answers(db.session, comment_ids),
        **queries.open_answers(db.session, comment_ids),
    }


@bp.route(BASE + "/nieuw", methods=["GET", "POST"])
def new_answer(code: str, slug: str) -> Page:
    region, consultation = _answering(code, slug)
    back = _back(region, consultation)
    form = DraftForm()
    if request.method == "GET":
        ids = request.args.getlist("comment", type=whole_number)
        group_id = request.args.get("groep", type=whole_number)
        if group_id:
            ids += workspace.group_comment_ids(
                db.session, consultation, group_id, waiting_only=True
            )
        form.comment.process_formdata([str(i) for i in ids])
    asked = form.comment.data or []
    comments = workspace.chosen_comments(db.session, consultation, asked)
    if request.method == "GET" and not comments:
        flash(_("Choose at least one comment to answer."), "error")
        return redirect(back)
    if form.validate_on_submit():
        try:
            answer = services.draft_answer(
                db.session,
                current_user,
                consultation,
                comments,
                form.chosen_disposition,
                form.reason.data or "",
            )
        except services.AnswerError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The draft answer to %(num)d comment is saved. Someone else must approve it.",
                    "The draft answer to %(num)d comments is saved. Someone else must approve it.",
                    len(answer.links),
                ),
                "success",
            )
            return redirect(back)
    return render_template(
        "responses/new_answer.html",
        form=form,
        comments=comments,
        shown=comments[:SHOWN_COMMENTS],
        left_out=len(asked) - len(comments),
        existing=_answers_of_chosen([c.id for c in comments]),
        back=back,
        **_common(region, consultation),
    )


# -- one answer ------------------------------------------------------------------------------


def _approval_refusal(answer: Answer, consultation: Consultation) -> str | None:
    """Why the person looking may not approve this draft, in words; None when they may."""
    if answer.state is not AnswerState.DRAFT:
        return None
    if allowed(current_user, Permission.ANSWER_APPROVE, answer):
        return None
    if answer.drafted_by_id == current_user.id and allowed(
        current_user, Permission.CONSULTATION_ANSWERS_PUBLISH, consultation
    ):
        return _("You drafted this answer, so someone else must approve it.")
    return _("Only an official of the region can approve answers: someone else must approve it.")


@bp.get(BASE + "/<int:answer_id>")
def answer(code: str, slug: str, answer_id: int) -> Page:
    region, consultation = _answering(code, slug)
    item = _answer(consultation, answer_id)
    correction = workspace.correction_of(db.session, item)
    older = item.supersedes
    names = workspace.people(
        db.session,
        [
            item.drafted_by_id,
            item.approved_by_id,
            item.published_by_id,
            correction.drafted_by_id if correction else None,
        ],
    )
    return render_template(
        "responses/answer.html",
        answer=item,
        comments=item.comments,
        correction=correction,
        older=older,
        names=names,
        may_approve=(
            item.state is AnswerState.DRAFT
            and allowed(current_user, Permission.ANSWER_APPROVE, item)
        ),
        refusal=_approval_refusal(item, consultation),
        confirm_form=ConfirmForm(),
        **_common(region, consultation),
    )


@bp.route(BASE + "/<int:answer_id>/wijzigen", methods=["GET", "POST"])
def edit_answer(code: str, slug: str, answer_id: int) -> Page:
    region, consultation = _answering(code, slug)
    item = _answer(consultation, answer_id)
    here = _answer_url(region, consultation, item)
    if item.state not in queries.OPEN_STATES:
        flash(_("A published answer cannot be changed; publish a correction instead."), "info")
        return redirect(here)
    form = DraftForm()
    if request.method == "GET":
        form.disposition.data = item.disposition.value
        form.reason.data = item.reason
        form.comment.data = [link.comment_id for link in item.links]
    comments = workspace.chosen_comments(db.session, consultation, form.comment.data or [])
    if form.validate_on_submit():
        try:
            services.revise_draft(
                db.session,
                current_user,
                item,
                form.chosen_disposition,
                form.reason.data or "",
                comments,
            )
        except services.AnswerError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("The answer is changed. Someone else must approve it."), "success")
            return redirect(here)
    return render_template(
        "responses/edit_answer.html",
        answer=item,
        form=form,
        linked=workspace.chosen_comments(
            db.session, consultation, [link.comment_id for link in item.links]
        ),
        checked=set(form.comment.data or []),
        **_common(region, consultation),
    )


@bp.route(BASE + "/<int:answer_id>/verwijderen", methods=["GET", "POST"])
def discard_answer(code: str, slug: str, answer_id: int) -> Page:
    region, consultation = _answering(code, slug)
    item = _answer(consultation, answer_id)
    if item.state not in queries.OPEN_STATES:
        flash(_("A published answer is never removed; publish a correction instead."), "info")
        return redirect(_answer_url(region, consultation, item))
    form = ConfirmForm()
    if form.validate_on_submit():
        count = len(item.links)
        try:
            services.discard_draft(db.session, item)
        except services.AnswerError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The draft answer is removed. %(num)d comment waits for an answer again.",
                    "The draft answer is removed. %(num)d comments wait for an answer again.",
                    count,
                ),
                "success",
            )
            return redirect(_workspace_url(region, consultation))
    return render_template(
        "responses/discard_answer.html", answer=item, form=form, **_common(region, consultation)
    )


@bp.post(BASE + "/<int:answer_id>/goedkeuren")
def approve_answer(code: str, slug: str, answer_id: int) -> Response:
    region, consultation = _answering(code, slug)
    item = _answer(consultation, answer_id)
    here = _answer_url(region, consultation, item)
    back = _back(region, consultation, here)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(back)
    authorize(current_user, Permission.ANSWER_APPROVE, item)
    if item.state is not AnswerState.DRAFT:
        flash(_("Only a draft answer can be approved."), "info")
        return redirect(back)
    try:
        services.approve(db.session, current_user, item)
    except services.AnswerError as error:
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    if item.self_approved:
        flash(
            _("You approved your own answer, as the region allows. The reactienota says so."),
            "success",
        )
    else:
        flash(_("The answer is approved. An official can now publish it."), "success")
    return redirect(back)


@bp.route(BASE + "/<int:answer_id>/corrigeren", methods=["GET", "POST"])
def correct_answer(code: str, slug: str, answer_id: int) -> Page:
    region, consultation = _answering(code, slug)
    item = _answer(consultation, answer_id)
    here = _answer_url(region, consultation, item)
    if not item.is_current:
        flash(_("Only the current published answer can be corrected."), "info")
        return redirect(here)
    existing = workspace.correction_of(db.session, item)
    if existing is not None:
        flash(_("A correction of this answer is already being drafted."), "info")
        return redirect(_answer_url(region, consultation, existing))
    form = CorrectionForm()
    if request.method == "GET":
        form.disposition.data = item.disposition.value
        form.reason.data = item.reason
    if form.validate_on_submit():
        try:
            correction = services.correct(
                db.session,
                current_user,
                item,
                form.chosen_disposition,
                form.reason.data or "",
                form.note.data or "",
            )
        except services.AnswerError as error:
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The correction is saved as a draft. Once approved and published, it "
                    "replaces the old answer; both stay visible, dated."
                ),
                "success",
            )
            return redirect(_answer_url(region, consultation, correction))
    return render_template(
        "responses/correct_answer.html",
        answer=item,
        form=form,
        **_common(region, consultation),
    )


# -- approving and publishing ----------------------------------------------------------------


@bp.get(BASE + "/goedkeuring")
def approvals(code: str, slug: str) -> Page:
    region, consultation = _answering(code, slug)
    drafts = workspace.drafts_waiting_for_approval(db.session, consultation)
    mine = {a.id for a in drafts if allowed(current_user, Permission.ANSWER_APPROVE, a)}
    # Those the person looking may approve first; otherwise oldest first (a stable sort).
    drafts.sort(key=lambda a: a.id not in mine)
    approved = workspace.approved_waiting_for_publication(db.session, consultation)
    names = workspace.people(
        db.session,
        [a.drafted_by_id for a in drafts + approved] + [a.approved_by_id for a in approved],
    )
    return render_template(
        "responses/approvals.html",
        drafts=drafts,
        approvable=mine,
        approved=approved,
        names=names,
        can_publish_now=consultation.state in services.PUBLISHING_STATES,
        form=ConfirmForm(),
        **_common(region, consultation),
    )


@bp.route(BASE + "/publiceren", methods=["GET", "POST"])
def publish(code: str, slug: str) -> Page:
    region, consultation = _answering(code, slug)
    authorize(current_user, Permission.CONSULTATION_ANSWERS_PUBLISH, consultation)
    queue = url_for("responses.approvals", code=region.code, slug=consultation.slug)
    form = PublishForm()
    if form.validate_on_submit():
        chosen = workspace.answers_by_id(db.session, consultation, form.answer.data or [])
        current = workspace.approved_waiting_for_publication(db.session, consultation)
        if not chosen or {a.id for a in chosen} != {a.id for a in current}:
            flash(
                _("The approved answers changed while you looked. Check them and publish again."),
                "error",
            )
            return redirect(url_for("responses.publish", code=region.code, slug=consultation.slug))
        try:
            publication = services.publish(db.session, current_user, consultation, chosen)
        except services.AnswerError as error:
            flash(error.message, "error")
            return redirect(queue)
        count, answered = len(publication.answers), publication.answered_consultation
        notify.after_publication(db.session, consultation)
        db.session.commit()
        if jobs.not_started(db.session):  # the answers are published; the mails can follow
            flash(
                _(
                    "The answers are published, but the emails to the participants could "
                    "not be started."
                ),
                "warning",
            )
        flash(
            ngettext(
                "%(num)d answer published.",
                "%(num)d answers published.",
                count,
            ),
            "success",
        )
        if answered:
            flash(
                _(
                    "Every comment now has a published answer: the consultation is answered. "
                    "You can make the reactienota."
                ),
                "success",
            )
        return redirect(queue)
    approved = workspace.approved_waiting_for_publication(db.session, consultation)
    return render_template(
        "responses/publish.html",
        approved=approved,
        comment_count=workspace.covered_count(db.session, approved),
        can_publish_now=consultation.state in services.PUBLISHING_STATES,
        form=form,
        **_common(region, consultation),
    )
