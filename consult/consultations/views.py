"""The consultation workspace of a region's team, and the files of offline activities.

Every object is loaded through the region in the URL (an id of another region is a 404);
the policy decides who may look (the whole team) and who may change (officials).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

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
from werkzeug.wrappers import Response

from consult.consultations import activities as activity_services
from consult.consultations import council, lifecycle, services
from consult.consultations.forms import (
    AnswerDateForm,
    ConsultationForm,
    CouncilDecisionForm,
    ExtendForm,
    QuestionForm,
    activity_form_class,
)
from consult.consultations.lifecycle import ConsultationError
from consult.consultations.models import (
    ActivityKind,
    Consultation,
    ConsultationState,
)
from consult.documents.models import DocumentVersion
from consult.extensions import db
from consult.files import uploads
from consult.files.downloads import send_attachment
from consult.files.uploads import read_uploads
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.permissions import Permission, allowed, authorize
from consult.regions.models import Region
from consult.regions.services import get_region
from consult.stakeholders import services as stakeholders
from consult.web.arguments import whole_number

log = logging.getLogger(__name__)

bp = Blueprint("consultations", __name__)

PER_PAGE = 20
BASE = "/regios/<code>/beheer/consultaties"
ITEM = BASE + "/<int:consultation_id>"


# -- the clock: open and close on time, on the next request ------------------------------------


@bp.url_value_preprocessor
def _allow_attachments(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before the CSRF check reads the form: only the activity form takes three files.
    if endpoint == "consultations.add_activity":
        request.max_content_length = uploads.MAX_FILES * uploads.MAX_FILE_SIZE + 1024 * 1024


@bp.before_app_request
def _advance_the_clock() -> None:
    """At most every 30 s per process; a failure is logged and never breaks the page."""
    if request.endpoint == "static" or request.path.startswith("/static/"):
        return
    try:
        lifecycle.tick_in_own_transaction(current_app._get_current_object())  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - tick_in_own_transaction already logs its own
        log.exception("consultation clock failed")


# -- loading -------------------------------------------------------------------------------


def _region_or_404(code: str) -> Region:
    region = get_region(db.session, code)
    if region is None:
        abort(404)
    return region


def _consultation_or_404(region: Region, consultation_id: int) -> Consultation:
    consultation = services.region_consultation(db.session, region, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


def _load(code: str, consultation_id: int, permission: str) -> tuple[Region, Consultation]:
    region = _region_or_404(code)
    authorize(current_user, permission, region)
    return region, _consultation_or_404(region, consultation_id)


def _detail_url(consultation: Consultation, anchor: str | None = None) -> str:
    return url_for(
        "consultations.detail",
        code=consultation.region.code,
        consultation_id=consultation.id,
        _anchor=anchor,
    )


def public_path(consultation: Consultation) -> str:
    """The public page (built in consult.comments); a plain path, so we need not import it."""
    return f"/consultaties/{consultation.slug}"


def _add_error(form: Any, error: ConsultationError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        target.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


# -- list ----------------------------------------------------------------------------------


@bp.get(BASE)
def index(code: str) -> str:
    region = _region_or_404(code)
    authorize(current_user, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS, region)
    page = max(request.args.get("pagina", 1, type=whole_number) or 1, 1)
    items, total = services.region_consultations(db.session, region, page, PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if page > pages:
        abort(404)
    return render_template(
        "consultations/workspace/index.html",
        region=region,
        consultations=items,
        total=total,
        page=page,
        pages=pages,
        may_manage=allowed(current_user, Permission.REGION_CONSULTATIONS_MANAGE, region),
    )


# -- create and edit -------------------------------------------------------------------------


def _consultation_form(
    region: Region, consultation: Consultation | None = None
) -> ConsultationForm:
    form = ConsultationForm()
    versions = services.region_versions(db.session, region)
    form.set_choices(versions, stakeholders.active_groups(db.session), current_locale())
    if request.method == "GET":
        if consultation is None:
            form.fill_moments(*lifecycle.default_period())
        else:
            form.version.data = consultation.version_id
            form.title.data = consultation.title
            form.introduction.data = consultation.introduction
            form.contact_name.data = consultation.contact_name
            form.contact_email.data = consultation.contact_email
            form.contact_phone.data = consultation.contact_phone
            form.invited_groups.data = [g.stakeholder_group_id for g in consultation.invited_groups]
            form.fill_moments(consultation.opens_at, consultation.closes_at)
            if consultation.answers_due_on is not None:
                form.answers_due_on.data = consultation.answers_due_on.isoformat()
    return form


def _details(form: ConsultationForm) -> services.ConsultationDetails:
    version = db.session.get(DocumentVersion, form.version.data)
    if version is None:  # pragma: no cover - the choices only hold existing versions
        abort(400)
    assert form.opens_at is not None
    assert form.closes_at is not None
    return services.ConsultationDetails(
        version=version,
        title=form.title.data or "",
        introduction=form.introduction.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        opens_at=form.opens_at,
        closes_at=form.closes_at,
        invited_group_ids=list(form.invited_groups.data or []),
        answers_due_on=form.answers_due_day,
    )


def _warn_if_short(consultation: Consultation) -> None:
    if lifecycle.is_short(consultation.opens_at, consultation.closes_at):
        flash(
            _(
                "This consultation lasts less than four weeks. Six weeks is usual; "
                "people need time to read and talk about it."
            ),
            "warning",
        )


def _render_form(region: Region, form: ConsultationForm, consultation: Consultation | None) -> str:
    return render_template(
        "consultations/workspace/form.html",
        region=region,
        form=form,
        consultation=consultation,
        has_versions=bool(form.version.choices),
        answer_weeks=region.answer_weeks,
        answer_date_fixed=consultation is not None
        and consultation.state is not ConsultationState.DRAFT,
    )


@bp.route(BASE + "/nieuw", methods=["GET", "POST"])
def create(code: str) -> str | Response:
    region = _region_or_404(code)
    authorize(current_user, Permission.REGION_CONSULTATIONS_MANAGE, region)
    form = _consultation_form(region)
    if form.validate_on_submit():
        try:
            consultation = services.create_consultation(
                db.session, current_user, region, _details(form)
            )
        except ConsultationError as error:
            _add_error(form, error)
        else:
            db.session.commit()
            flash(_("The consultation is saved as a draft. Only your team can see it."), "success")
            _warn_if_short(consultation)
            return redirect(_detail_url(consultation))
    return _render_form(region, form, None)


@bp.route(ITEM + "/bewerken", methods=["GET", "POST"])
def edit(code: str, consultation_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    if consultation.state not in lifecycle.EDITABLE_STATES:
        flash(_("This consultation has opened; its details can no longer be changed."), "error")
        return redirect(_detail_url(consultation))
    form = _consultation_form(region, consultation)
    if form.validate_on_submit():
        try:
            services.update_consultation(db.session, current_user, consultation, _details(form))
        except ConsultationError as error:
            _add_error(form, error)
        else:
            db.session.commit()
            flash(_("The changes are saved."), "success")
            _warn_if_short(consultation)
            return redirect(_detail_url(consultation))
    return _render_form(region, form, consultation)


# -- the consultation page -------------------------------------------------------------------


@bp.get(ITEM)
def detail(code: str, consultation_id: int) -> str:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS)
    groups = {g.id: g for g in stakeholders.active_groups(db.session)}
    locale = current_locale()
    invited = sorted(
        (
            groups[invited.stakeholder_group_id]
            for invited in consultation.invited_groups
            if invited.stakeholder_group_id in groups
        ),
        key=lambda g: g.position,
    )
    return render_template(
        "consultations/workspace/detail.html",
        region=region,
        consultation=consultation,
        version=consultation.version,
        document=consultation.version.document,
        invited=[g.label_for(locale) for g in invited],
        timeline=services.timeline(db.session, consultation),
        questions=consultation.questions,
        activities=activity_services.activities_for_public(db.session, consultation),
        may_manage=allowed(current_user, Permission.REGION_CONSULTATIONS_MANAGE, region),
        may_moderate=allowed(current_user, Permission.CONSULTATION_COMMENTS_MODERATE, consultation),
        council=council.council_progress(db.session, [consultation])[consultation.id],
        may_record_council=allowed(
            current_user, Permission.CONSULTATION_COUNCIL_DECISIONS_RECORD, consultation
        ),
        editable=consultation.state in lifecycle.EDITABLE_STATES,
        may_remove_activities=activity_services.may_remove_activities(consultation),
        public_path=public_path(consultation),
        answers_due=lifecycle.answers_due(consultation),
        is_short=lifecycle.is_short(consultation.opens_at, consultation.closes_at),
        States=ConsultationState,
        choice_kinds=services.CHOICE_KINDS,
        form=ConfirmForm(),
    )


# -- lifecycle actions, each with a confirmation step ----------------------------------------


ACTIONS = {
    "schedule": {
        "title": lambda: _("Schedule the consultation"),
        "question": lambda: _(
            "Schedule this consultation? It opens by itself at the opening moment, and then "
            "everyone can read and comment on it."
        ),
        "button": lambda: _("Yes, schedule"),
        "done": lambda: _(
            "The consultation is scheduled. It opens by itself at the opening moment."
        ),
    },
    "unschedule": {
        "title": lambda: _("Back to draft"),
        "question": lambda: _(
            "Take this consultation back to draft? It will not open until you schedule it again."
        ),
        "button": lambda: _("Yes, back to draft"),
        "done": lambda: _("The consultation is a draft again."),
    },
    "open_now": {
        "title": lambda: _("Open now"),
        "question": lambda: _(
            "Open this consultation now, before its opening moment? From now on everyone can "
            "comment, and the version of the document can no longer change."
        ),
        "button": lambda: _("Yes, open now"),
        "done": lambda: _("The consultation is open. Everyone can comment now."),
    },
}


def _lifecycle_action(code: str, consultation_id: int, action: str) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    texts = ACTIONS[action]
    form = ConfirmForm()
    problems: list[ConsultationError] = []
    if action == "schedule":
        problems = lifecycle.schedule_problems(db.session, consultation)
    elif action == "unschedule" and consultation.state is not ConsultationState.SCHEDULED:
        problems = [ConsultationError(_("Only a scheduled consultation can go back to draft."))]
    elif action == "open_now" and consultation.state is not ConsultationState.SCHEDULED:
        problems = [ConsultationError(_("Only a scheduled consultation can be opened early."))]
    if form.validate_on_submit() and not problems:
        run = {
            "schedule": lifecycle.schedule,
            "unschedule": lifecycle.unschedule,
            "open_now": lifecycle.open_now,
        }[action]
        try:
            run(db.session, current_user, consultation)
        except ConsultationError as error:
            problems = [error]
        else:
            db.session.commit()
            flash(texts["done"](), "success")
            return redirect(_detail_url(consultation))
    return render_template(
        "consultations/workspace/confirm.html",
        region=region,
        consultation=consultation,
        form=form,
        title=texts["title"](),
        question=texts["question"](),
        button=texts["button"](),
        problems=problems,
        short=action == "schedule"
        and lifecycle.is_short(consultation.opens_at, consultation.closes_at),
        action_url=request.path,
    )


@bp.route(ITEM + "/inplannen", methods=["GET", "POST"])
def schedule(code: str, consultation_id: int) -> str | Response:
    return _lifecycle_action(code, consultation_id, "schedule")


@bp.route(ITEM + "/terug-naar-concept", methods=["GET", "POST"])
def unschedule(code: str, consultation_id: int) -> str | Response:
    return _lifecycle_action(code, consultation_id, "unschedule")


@bp.route(ITEM + "/nu-openen", methods=["GET", "POST"])
def open_now(code: str, consultation_id: int) -> str | Response:
    return _lifecycle_action(code, consultation_id, "open_now")


@bp.route(ITEM + "/verlengen", methods=["GET", "POST"])
def extend(code: str, consultation_id: int) -> str | Response:
    """Fill in the new closing moment and a reason, then confirm on a second page."""
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    form = ExtendForm()
    if request.method == "GET":
        form.confirmed.data = ""
        lifecycle_default = consultation.closes_at
        form.closes_on.data = lifecycle.to_amsterdam(lifecycle_default).date().isoformat()
        form.closes_time.data = lifecycle.to_amsterdam(lifecycle_default).strftime("%H:%M")
    problem = None
    if consultation.state not in (ConsultationState.SCHEDULED, ConsultationState.OPEN):
        problem = lifecycle.extend_problem(consultation, consultation.closes_at, "")
    elif form.validate_on_submit():
        assert form.closes_at is not None
        problem = lifecycle.extend_problem(consultation, form.closes_at, form.reason.data or "")
        if problem is not None:
            _add_error(form, problem)
        elif form.confirmed.data == "ja":
            lifecycle.extend(
                db.session, current_user, consultation, form.closes_at, form.reason.data or ""
            )
            db.session.commit()
            flash(_("The closing moment is moved. The change and your reason are kept."), "success")
            return redirect(_detail_url(consultation))
        else:
            return render_template(
                "consultations/workspace/extend_confirm.html",
                region=region,
                consultation=consultation,
                form=form,
                new_closes_at=form.closes_at,
            )
    return render_template(
        "consultations/workspace/extend.html",
        region=region,
        consultation=consultation,
        form=form,
        blocked=problem if problem is not None and not problem.field else None,
    )


@bp.route(ITEM + "/antwoorddatum", methods=["GET", "POST"])
def move_answer_date(code: str, consultation_id: int) -> str | Response:
    """Move the day the answers are promised, with a reason kept in the record."""
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    form = AnswerDateForm()
    if request.method == "GET":
        form.answers_due_on.data = lifecycle.answers_due(consultation).isoformat()
    blocked = None
    if consultation.state not in lifecycle.ANSWER_DATE_STATES:
        blocked = lifecycle.move_answers_due_problem(consultation, date.max, "-")
    elif form.validate_on_submit():
        assert form.due_on is not None
        try:
            lifecycle.move_answers_due(
                db.session, current_user, consultation, form.due_on, form.reason.data or ""
            )
        except ConsultationError as error:
            db.session.rollback()
            _add_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The answer date is moved. The change and your reason are shown to everyone."),
                "success",
            )
            return redirect(_detail_url(consultation))
    return render_template(
        "consultations/workspace/answer_date.html",
        region=region,
        consultation=consultation,
        form=form,
        answers_due=lifecycle.answers_due(consultation),
        blocked=blocked,
    )


# -- the council step ----------------------------------------------------------------------------


@bp.get(ITEM + "/raadsbesluiten")
def council_decisions(code: str, consultation_id: int) -> str:
    """Each member municipality's council decision on the regiovisie, for the whole team."""
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS)
    members = council.decisions_of(db.session, consultation)
    return render_template(
        "consultations/workspace/council.html",
        region=region,
        consultation=consultation,
        members=members,
        adopted=sum(1 for m in members if m.decision and m.decision.outcome.is_adoption),
        may_record=consultation.has_closed
        and allowed(current_user, Permission.CONSULTATION_COUNCIL_DECISIONS_RECORD, consultation),
    )


@bp.route(ITEM + "/raadsbesluiten/<municipality_code>", methods=["GET", "POST"])
def record_council_decision(
    code: str, consultation_id: int, municipality_code: str
) -> str | Response:
    """Record one council's decision, or correct it (the record keeps both entries)."""
    region = _region_or_404(code)
    consultation = _consultation_or_404(region, consultation_id)
    authorize(current_user, Permission.CONSULTATION_COUNCIL_DECISIONS_RECORD, consultation)
    member = next(
        (
            m
            for m in council.decisions_of(db.session, consultation)
            if m.municipality.code == municipality_code.upper()
        ),
        None,
    )
    if member is None:
        abort(404)
    back = url_for(
        "consultations.council_decisions", code=region.code, consultation_id=consultation.id
    )
    if not consultation.has_closed:
        flash(
            _("A council decides after the consultation has closed. Record its decision then."),
            "error",
        )
        return redirect(back)
    form = CouncilDecisionForm()
    existing = member.decision
    if request.method == "GET" and existing is not None:
        form.decided_on.data = existing.decided_on.isoformat()
        form.outcome.data = existing.outcome.value
        form.url.data = existing.url
    if form.validate_on_submit():
        assert form.day is not None
        try:
            council.record_decision(
                db.session,
                current_user,
                consultation,
                member.municipality,
                form.day,
                form.chosen_outcome,
                form.url.data or "",
            )
        except ConsultationError as error:
            db.session.rollback()
            _add_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The correction is saved. The evidence record keeps both entries.")
                if existing is not None
                else _("The council's decision is saved."),
                "success",
            )
            return redirect(back)
    return render_template(
        "consultations/workspace/council_form.html",
        region=region,
        consultation=consultation,
        municipality=member.municipality,
        existing=existing,
        form=form,
        today=lifecycle.today_in_amsterdam().isoformat(),
    )


# -- the questionnaire -------------------------------------------------------------------------


def _questionnaire_locked(consultation: Consultation) -> Response | None:
    if consultation.state in lifecycle.EDITABLE_STATES:
        return None
    flash(_("The questionnaire cannot change once the consultation has opened."), "error")
    return redirect(_detail_url(consultation, "vragenlijst"))


def _question_details(form: QuestionForm) -> services.QuestionDetails:
    return services.QuestionDetails(
        kind=form.question_kind,
        text=form.text.data or "",
        hint=form.hint.data or "",
        required=bool(form.required.data),
        options=services.parse_options(form.options.data or ""),
    )


def _render_question_form(
    region: Region, consultation: Consultation, form: QuestionForm, question: Any
) -> str:
    return render_template(
        "consultations/workspace/question_form.html",
        region=region,
        consultation=consultation,
        form=form,
        question=question,
        max_options=services.MAX_OPTIONS,
        max_option_length=services.MAX_OPTION_LENGTH,
    )


@bp.route(ITEM + "/vragen/nieuw", methods=["GET", "POST"])
def add_question(code: str, consultation_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    if locked := _questionnaire_locked(consultation):
        return locked
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(db.session, consultation, _question_details(form))
        except ConsultationError as error:
            _add_error(form, error)
        else:
            db.session.commit()
            flash(_("The question is added."), "success")
            return redirect(_detail_url(consultation, "vragenlijst"))
    return _render_question_form(region, consultation, form, None)


def _question_or_404(consultation: Consultation, question_id: int) -> Any:
    question = services.region_question(db.session, consultation, question_id)
    if question is None:
        abort(404)
    return question


@bp.route(ITEM + "/vragen/<int:question_id>/bewerken", methods=["GET", "POST"])
def edit_question(code: str, consultation_id: int, question_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    question = _question_or_404(consultation, question_id)
    if locked := _questionnaire_locked(consultation):
        return locked
    form = QuestionForm()
    if request.method == "GET":
        form.kind.data = question.kind.value
        form.text.data = question.text
        form.hint.data = question.hint
        form.required.data = question.required
        form.options.data = "\n".join(question.options or [])
    if form.validate_on_submit():
        try:
            services.update_question(db.session, question, _question_details(form))
        except ConsultationError as error:
            _add_error(form, error)
        else:
            db.session.commit()
            flash(_("The question is changed."), "success")
            return redirect(_detail_url(consultation, "vragenlijst"))
    return _render_question_form(region, consultation, form, question)


@bp.route(ITEM + "/vragen/<int:question_id>/verwijderen", methods=["GET", "POST"])
def remove_question(code: str, consultation_id: int, question_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    question = _question_or_404(consultation, question_id)
    if locked := _questionnaire_locked(consultation):
        return locked
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_question(db.session, question)
        db.session.commit()
        flash(_("The question is removed."), "success")
        return redirect(_detail_url(consultation, "vragenlijst"))
    return render_template(
        "consultations/workspace/remove_question.html",
        region=region,
        consultation=consultation,
        question=question,
        form=form,
    )


@bp.post(ITEM + "/vragen/<int:question_id>/verplaatsen")
def move_question(code: str, consultation_id: int, question_id: int) -> Response:
    _region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    question = _question_or_404(consultation, question_id)
    if locked := _questionnaire_locked(consultation):
        return locked
    form = ConfirmForm()
    direction = request.form.get("richting")
    if not form.validate_on_submit() or direction not in ("omhoog", "omlaag"):
        abort(400)
    services.move_question(db.session, question, -1 if direction == "omhoog" else 1)
    db.session.commit()
    flash(_("The order of the questions is changed."), "success")
    return redirect(_detail_url(consultation, f"vraag-{question.id}"))


# -- offline activities ----------------------------------------------------------------------


UPLOAD_MESSAGES = {
    "empty": lambda name: _("The file %(name)s is empty.", name=name),
    "too_large": lambda name: _("The file %(name)s is larger than 10 MB.", name=name),
    "unknown_kind": lambda name: _(
        "The file %(name)s is not a PDF, Word (.docx), OpenDocument (.odt), PNG or JPEG file.",
        name=name,
    ),
}


def _checked_uploads(form: Any) -> list[Any] | None:
    """The chosen files, checked by content; None (with errors on the form) when refused."""
    read = read_uploads(
        request.files.getlist(form.attachments.name), activity_services.MAX_ATTACHMENTS
    )
    errors = form.attachments.errors = list(form.attachments.errors)
    for refused in read.refused:
        if refused.reason == "too_many":
            errors.append(_("Add at most %(max)d files.", max=activity_services.MAX_ATTACHMENTS))
        else:
            errors.append(UPLOAD_MESSAGES[refused.reason](refused.filename))
    return None if errors else read.files


@bp.route(ITEM + "/activiteiten/nieuw", methods=["GET", "POST"])
def add_activity(code: str, consultation_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    locale = current_locale()
    form_class = activity_form_class(stakeholders.active_groups(db.session), locale)
    form = form_class()
    participants_error = None
    if form.validate_on_submit():
        uploads = _checked_uploads(form)
        if uploads is not None:
            assert form.held_on_day is not None
            details = activity_services.ActivityDetails(
                kind=ActivityKind(form.kind.data),
                held_on=form.held_on_day,
                place=form.place.data or "",
                summary=form.summary.data or "",
                participants=form.participants(),
                attachments=uploads,
            )
            try:
                activity_services.register_activity(db.session, current_user, consultation, details)
            except ConsultationError as error:
                if error.field == "participants":
                    participants_error = error.message
                    form.form_errors.append(error.message)
                else:
                    _add_error(form, error)
            else:
                db.session.commit()
                flash(_("The activity is registered."), "success")
                return redirect(_detail_url(consultation, "activiteiten"))
    return render_template(
        "consultations/workspace/activity_form.html",
        region=region,
        consultation=consultation,
        form=form,
        participants_error=participants_error,
        locale=locale,
        max_files=activity_services.MAX_ATTACHMENTS,
        today=lifecycle.today_in_amsterdam().isoformat(),
    )


@bp.route(ITEM + "/activiteiten/<int:activity_id>/verwijderen", methods=["GET", "POST"])
def remove_activity(code: str, consultation_id: int, activity_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id, Permission.REGION_CONSULTATIONS_MANAGE)
    activity = activity_services.consultation_activity(db.session, consultation, activity_id)
    if activity is None:
        abort(404)
    if not activity_services.may_remove_activities(consultation):
        flash(
            _(
                "This consultation has closed. Its activities are part of the record now "
                "and cannot be removed."
            ),
            "error",
        )
        return redirect(_detail_url(consultation, "activiteiten"))
    form = ConfirmForm()
    if form.validate_on_submit():
        activity_services.remove_activity(db.session, consultation, activity, current_user)
        db.session.commit()
        flash(_("The activity is removed."), "success")
        return redirect(_detail_url(consultation, "activiteiten"))
    return render_template(
        "consultations/workspace/remove_activity.html",
        region=region,
        consultation=consultation,
        activity=activity,
        form=form,
    )


@bp.get("/consultaties/<slug>/activiteiten/bijlagen/<int:attachment_id>")
def activity_attachment(slug: str, attachment_id: int) -> Response:
    """A file of an offline activity: public once the consultation is no longer a draft."""
    consultation = services.consultation_by_slug(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    attachment = activity_services.activity_attachment(db.session, consultation, attachment_id)
    if attachment is None:
        abort(404)
    return send_attachment(attachment)
