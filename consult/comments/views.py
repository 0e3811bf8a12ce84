"""The public consultation page and everything a participant does there.

Read the plan, send comments, confirm by email, keep the receipt, look up its state,
withdraw a comment, and (for the sender with an account and the region's team) download
an attachment. Times are compared with the clock, not only with the consultation's state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from consult.comments import channels, codes, forms, receipts, services
from consult.comments import mail as comment_mail
from consult.comments.models import Comment, Submission, SubmissionState
from consult.comments.text import EXCERPT_WORDS, excerpt, render_comment
from consult.consultations import pages
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.documents import paragraphs
from consult.documents.sanitising import sanitise_body
from consult.errors import render_error
from consult.extensions import db, limiter
from consult.files import uploads
from consult.files.downloads import send_attachment
from consult.files.models import Attachment
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.organisations.models import Organisation
from consult.permissions import Permission, allowed
from consult.regions.services import members_on
from consult.stakeholders import services as stakeholders
from consult.web.arguments import whole_number

log = logging.getLogger(__name__)

bp = Blueprint("comments", __name__)

Page = str | tuple[str, int] | Response

# The idempotency keys of the forms this browser was given: only a repeat from the browser
# that filled in the form gets the receipt again (with the email address and all texts).
FORM_KEYS = "consult_form_keys"
REMEMBERED_FORM_KEYS = 10
DISCARD_EVERY = timedelta(minutes=5)
# SQLite lets one writer in at a time; a request that finds it busy tries again.
STORE_ATTEMPTS = 5
# Three files of 10 MB and the text fields; the app's 10 MB default covers other forms.
SUBMISSION_MAX_REQUEST = uploads.MAX_FILES * uploads.MAX_FILE_SIZE + 1024 * 1024

SUBMISSION_ENDPOINTS = ("comments.submit", "comments.step")

submission_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_SUBMISSION", "20 per hour"), methods=["POST"]
)
# Each step of the form posts every answer so far; nothing is stored until the last one.
# Generous for a person (a step a few times over), a ceiling for a program.
step_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_SUBMISSION_STEPS", "120 per hour"),
    scope="submission-steps",
    methods=["POST"],
)
link_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_LOOKUP", "30 per minute"),
    scope="submission-links",
)


def _sent_without_email() -> bool:
    """This POST takes the path without e-mail: no account, and no address typed."""
    return (
        request.method == "POST"
        and not current_user.is_authenticated
        and not (request.form.get("email") or "").strip()
    )


def _consultation_key() -> str:
    return f"no-email:{(request.view_args or {}).get('slug', '')}"


# The path without e-mail waits for a moderator, so a flood would bury the queue: a few
# per visitor's address, and a ceiling per consultation (people with an address can
# still react then). Counted only when a submission was stored, so a form with a mistake
# costs nothing; checked before anything is read.
NO_EMAIL_PER_VISITOR = "no-email-visitor"
NO_EMAIL_PER_CONSULTATION = "no-email-consultation"
no_email_per_visitor = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_NO_EMAIL", "5 per hour"),
    scope=NO_EMAIL_PER_VISITOR,
    methods=["POST"],
    exempt_when=lambda: not _sent_without_email(),
    deduct_when=lambda _response: bool(g.get("stored_without_email")),
    error_message=NO_EMAIL_PER_VISITOR,
)
no_email_per_consultation = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_NO_EMAIL_CONSULTATION", "200 per hour"),
    key_func=_consultation_key,
    scope=NO_EMAIL_PER_CONSULTATION,
    methods=["POST"],
    exempt_when=lambda: not _sent_without_email(),
    deduct_when=lambda _response: bool(g.get("stored_without_email")),
    error_message=NO_EMAIL_PER_CONSULTATION,
)


def _resend_key() -> str:
    code = codes.normalise((request.view_args or {}).get("code", "")) or "invalid"
    return f"receipt-resend:{code}"


# Each resend is an email to someone: few per address of the visitor, and per submission
# few in a day, counted only when an email really went out.
resend_per_visitor = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_RESEND_VISITOR", "5 per hour"),
    scope="receipt-resend-visitor",
)
resend_per_submission = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_RESEND", "3 per day"),
    key_func=_resend_key,
    scope="receipt-resend",
    deduct_when=lambda _response: bool(g.get("receipt_mail_sent")),
)


# -- hooks and helpers ---------------------------------------------------------------------


@bp.url_value_preprocessor
def _allow_attachments(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the CSRF check reads the form, so the larger limit applies to it.
    if endpoint in SUBMISSION_ENDPOINTS:  # "Wijzig" on the check page may carry the files
        request.max_content_length = SUBMISSION_MAX_REQUEST


@bp.before_app_request
def _discard_unconfirmed_now_and_then() -> None:
    """Discard submissions unconfirmed after 72 hours, at most every five minutes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = utcnow()
    last = app.extensions.get("consult.comments.discarded_at")
    if last is not None and now - last < DISCARD_EVERY:
        return
    app.extensions["consult.comments.discarded_at"] = now
    job_session = db.session_factory()
    try:
        count = services.discard_unconfirmed(job_session, now)
        job_session.commit()
        if count:
            log.info("discarded %d unconfirmed submission(s)", count)
    except Exception:  # a housekeeping failure must never break the visitor's request
        job_session.rollback()
        log.exception("could not discard unconfirmed submissions")
    finally:
        job_session.close()


@bp.app_template_filter("comment_text")
def _comment_text_filter(text: str | None) -> Markup:
    return render_comment(text)


@bp.app_template_filter("section_html")
def _section_html(html: str | None) -> Markup:
    """Section HTML passes the documents' own sanitiser when stored; passing it again here,
    with the same rules (links ``nofollow``), costs little and guards against old rows."""
    return Markup(sanitise_body(html or ""))  # noqa: S704 - sanitise_body output is safe HTML


@bp.app_template_global()
def paragraph_quote(comment: Comment) -> str | None:
    """The text of the paragraph ``comment`` is about, or None."""
    section = comment.section
    if not comment.paragraph or section is None:
        return None
    return paragraphs.paragraph_text(
        section.body_html, section.paragraph_anchors, comment.paragraph
    )


@bp.app_template_global("excerpt")
def _excerpt(text: str | None, words: int = EXCERPT_WORDS) -> str:
    return excerpt(text or "", words)


@bp.app_template_global()
def tracking_code(code: str) -> str:
    return codes.display(code)


@bp.app_template_global()
def public_name(submission: Submission) -> str | None:
    return services.public_name(submission)


def _remember_form_key(key: str | None) -> None:
    if not forms.is_idempotency_key(key):
        return
    remembered = [k for k in session.get(FORM_KEYS, []) if k != key]
    session[FORM_KEYS] = [*remembered, key][-REMEMBERED_FORM_KEYS:]


def _filled_in_here(key: str) -> bool:
    """This browser was given the form with this key (it is the sender's browser)."""
    return key in session.get(FORM_KEYS, [])


# -- the public page -----------------------------------------------------------------------


# -- submitting ----------------------------------------------------------------------------


@dataclass
class _Choices:
    """What the form offers, loaded once per request: the POST reads the answers from it."""

    groups: list[Any]
    municipalities: list[Any]


def _build_form(
    consultation: Consultation,
    anchor: str | None,
    formdata: Any = None,
    paragraph: str | None = None,
):
    actor = receipts.actor()
    sections = consultation_services.sections_of(db.session, consultation)
    if anchor and anchor not in {s.anchor for s in sections}:
        anchor = None
    if paragraph:  # ?alinea=: its own part, whatever ?onderdeel= says; unknown: ignored
        owner = next((s for s in sections if paragraph in (s.paragraph_anchors or [])), None)
        anchor, paragraph = (owner.anchor, paragraph) if owner else (anchor, None)
    choices = _Choices(
        groups=stakeholders.active_groups(db.session),
        municipalities=members_on(db.session, consultation.region, utcnow().date()),
    )
    form = forms.build_submission_form(
        sections=sections,
        groups=choices.groups,
        municipalities=choices.municipalities,
        organisations=services.verified_organisations_of(db.session, actor),
        questions=services.questions_of(db.session, consultation),
        locale=current_locale(),
        asks_email=actor is None,
        section_anchor=anchor,
        paragraph_anchor=paragraph,
        default_name=getattr(actor, "display_name", None),
        formdata=formdata,
        # The questionnaire never blocks a comment: the receipt offers it afterwards.
        questions_required=False,
    )
    return form, sections, choices


def _chosen_paragraph(form: Any) -> tuple[Any, str] | None:
    """The first comment's chosen paragraph as (its section, its text), or None."""
    section_field, _text = form.comment_rows[0]
    anchor = form.paragraph_fields[0].data
    section = form.sections_by_anchor.get(section_field.data)
    if not anchor or section is None:
        return None
    text = paragraphs.paragraph_text(section.body_html, section.paragraph_anchors, anchor)
    return (section, text) if text is not None else None


def _render_form(
    consultation: Consultation,
    form: Any,
    sections: list[Any],
    step: int = forms.STEP_SAY,
    **extra: Any,
) -> Page:
    """One step of the form, with every answer so far (the others as hidden fields)."""
    _remember_form_key(form.idempotency_key.data)
    shown = [] if step == forms.STEP_CHECK else form.step_fields(step)
    return render_template(
        "comments/step.html",
        consultation=consultation,
        form=form,
        step=step,
        shown={f.name for f in shown},
        chosen_label=forms.chosen_label,
        sections=sections,
        chosen_paragraph=_chosen_paragraph(form),
        max_length=services.MAX_COMMENT_LENGTH,
        max_files=uploads.MAX_FILES,
        max_file_mb=uploads.MAX_FILE_SIZE // (1024 * 1024),
        time_left=pages.time_left(consultation, utcnow()),
        via=channels.arrived_with(consultation.slug, request.values.get(channels.QUERY_ARGUMENT)),
        files_again_field=FILES_AGAIN,
        **extra,
    )


def _closed_page(consultation: Consultation, status: int = 200) -> tuple[str, int]:
    now = utcnow()
    return (
        render_template(
            "comments/closed.html",
            consultation=consultation,
            phase=consultation_services.phase(consultation, now),
        ),
        status,
    )


def _upload_message(refused: uploads.UploadRefused) -> str:
    name = refused.filename
    mb = uploads.MAX_FILE_SIZE // (1024 * 1024)
    if refused.reason == "too_many":
        return _("You can send at most %(max)d files.", max=uploads.MAX_FILES)
    if refused.reason == "empty":
        return _("The file %(name)s is empty.", name=name)
    if refused.reason == "too_large":
        return _("The file %(name)s is larger than %(mb)d MB.", name=name, mb=mb)
    return _(
        "We cannot accept %(name)s. Send a PDF, Word (.docx), OpenDocument (.odt), PNG "
        "or JPEG file.",
        name=name,
    )


def _checked_files(form: Any) -> list[uploads.CheckedFile] | None:
    """The attached files, checked by content; None (with errors on the form) when refused."""
    read = uploads.read_uploads(request.files.getlist(form.attachments.name), uploads.MAX_FILES)
    if not read.ok:
        form.attachments.errors = [_upload_message(refused) for refused in read.refused]
        return None
    return read.files


def _organisation(form: Any) -> tuple[Organisation | None, bool]:
    """The organisation chosen from the list, and whether the sender may speak for it."""
    chosen = form.organisation_id.data
    if not chosen:
        return None, True
    try:
        organisation = db.session.get(Organisation, whole_number(chosen))
    except (TypeError, ValueError):
        return None, False
    if organisation is None:
        return None, False
    return organisation, allowed(
        current_user, Permission.ORGANISATION_COMMENT_ON_BEHALF, organisation
    )


def _draft(
    form: Any,
    sections: list[Any],
    choices: _Choices,
    organisation: Organisation | None,
    files: list[Any],
) -> services.Draft:
    """The validated form as a draft; ``organisation`` is one the sender may speak for.

    What is kept of someone under 16 (no name, no organisation) is the service's rule,
    applied to every channel: the form only passes on what was typed."""
    actor = receipts.actor()
    return forms.draft_from(
        form,
        sections=sections,
        groups=choices.groups,
        municipalities=choices.municipalities,
        organisation=organisation,
        organisation_name=(form.organisation_name.data or None) if not organisation else None,
        publish_name=bool(form.publish_name.data),
        display_name=form.display_name.data or None,
        email=form.email.data if actor is None else None,
        user=actor,
        files=files,
    )


@bp.route("/consultaties/<slug>/reageren", methods=["GET", "POST"])
@submission_limit
@no_email_per_visitor
@no_email_per_consultation
def submit(slug: str) -> Page:
    consultation = pages.consultation_or_404(slug)
    now = utcnow()
    pages.catch_up_clock(consultation, now)
    if request.method == "GET":
        channels.remember(slug, request.args.get(channels.QUERY_ARGUMENT))
        if not consultation.accepts_comments_at(now):
            return _closed_page(consultation)
        form, sections, _choices = _build_form(
            consultation, request.args.get("onderdeel"), paragraph=request.args.get("alinea")
        )
        return _render_form(consultation, form, sections)

    form, sections, choices = _build_form(consultation, None)
    # Checked before any lookup: a key the form could not have made is no key at all.
    key = form.idempotency_key.data if forms.is_idempotency_key(form.idempotency_key.data) else ""
    # The same form sent twice (double click, retry, back and send again): one submission.
    if key and (existing := services.find_by_key(db.session, consultation, key)):
        return _answer_repeat(existing, key)
    if not consultation.accepts_comments_at(now):
        return _closed_page(consultation, 409)

    flood = form.flood_problem(current_app.config["COMMENT_MIN_FILL_SECONDS"], time.time())
    valid = form.validate_on_submit() and bool(key)
    if flood is not None:
        form.form_errors.append(FLOOD_MESSAGES[flood]())
        valid = False
    chosen, may_speak = _organisation(form)
    if not may_speak:
        form.organisation_id.errors = [_on_behalf_refused()]
        valid = False
    files = _checked_files(form)
    if files is None:
        valid = False
    if not valid:
        had_files = any(f and f.filename for f in request.files.getlist(form.attachments.name))
        # The first step with a problem, with everything typed kept; problems of the whole
        # form (too fast, a file refused) are told on the check page.
        step = form.first_step_with_errors() or forms.STEP_CHECK
        form.keep_errors_of(step)
        if step == forms.STEP_SAY and form.nothing_to_send:
            form.comment_rows[0][1].errors = [_("Write your comment.")]
        form.renew_guards()
        return _render_form(consultation, form, sections, step, files_lost=had_files), 422

    draft = _draft(form, sections, choices, chosen, files or [])
    draft.via = channels.arrived_with(slug, request.form.get(channels.QUERY_ARGUMENT))
    try:
        submission, created = _store(consultation, draft, now)
    except services.SubmissionError:
        db.session.rollback()
        return _closed_page(consultation, 409)
    except services.ParagraphRefused:  # the form checked it; only a race gets here
        db.session.rollback()
        for paragraph_field in form.paragraph_fields:
            paragraph_field.data = ""
        form.form_errors.append(
            _("We could not find the paragraph you chose in this plan. Send your comment again.")
        )
        form.step_messages.extend(form.form_errors)
        return _render_form(consultation, form, sections, forms.STEP_SAY), 422
    if not created:  # a request with the same key won the race: this one is a repeat
        return _answer_repeat(submission, key)
    receipts.remember(submission.tracking_code)
    g.stored_without_email = submission.premoderated
    return redirect(url_for("public.receipt", code=submission.tracking_code))


@bp.post("/consultaties/<slug>/reageren/stappen")
@step_limit
def step(slug: str) -> Page:
    """A step of the form was answered: check that step only, then show it again with its
    problems, or show the next step. No half-finished submission is kept on the server:
    every answer so far travels with each step, and the check page sends them all to
    :func:`submit`, the one place that stores. "Wijzig" (``wijzig=N``) goes back to step N
    with everything kept."""
    consultation = pages.consultation_or_404(slug)
    now = utcnow()
    pages.catch_up_clock(consultation, now)
    if not consultation.accepts_comments_at(now):
        return _closed_page(consultation, 409)
    form, sections, _choices = _build_form(consultation, None)
    # Files chosen on the check page cannot travel back with "Wijzig" (a page cannot set a
    # file field): say so where the person lands, and again on the check page.
    files_again = bool(request.form.get(FILES_AGAIN)) or any(
        f.filename for f in request.files.getlist(form.attachments.name)
    )
    back_to = _step_number(request.form.get("wijzig"), forms.STEP_SHOW)
    if back_to:
        form.renew_guards()
        return _render_form(consultation, form, sections, back_to, files_lost=files_again)
    done = _step_number(request.form.get("stap"), forms.STEP_SHOW) or forms.STEP_SAY
    valid = form.validate_step(done)
    if done == forms.STEP_WHO:
        _chosen, may_speak = _organisation(form)
        if not may_speak:
            form.organisation_id.errors = [_on_behalf_refused()]
            valid = False
    form.renew_guards()
    if not valid:
        return _render_form(consultation, form, sections, done, files_lost=files_again), 422
    return _render_form(consultation, form, sections, form.next_step(done), files_lost=files_again)


# A hidden field: files were chosen, then "Wijzig" pressed; the check page asks again.
FILES_AGAIN = "bestanden_opnieuw"


def _step_number(value: str | None, highest: int) -> int | None:
    """A step the visitor may go to (1 to ``highest``), or None."""
    if value and value.isdigit() and 1 <= int(value) <= highest:
        return int(value)
    return None


def _on_behalf_refused() -> str:
    return _("You can only react on behalf of a verified organisation you are a member of.")


# Said on the form, which keeps everything typed: a person who was quick, or whose browser
# filled in a field it should not have, sends again; a program learns nothing it can use.
FLOOD_MESSAGES = {
    "too_fast": lambda: _("That went very fast. Read your comment once more, then send it again."),
    "honeypot": lambda: _(
        "A field that must stay empty was filled in, perhaps by your browser. We emptied "
        "it. Send your comment again."
    ),
}


@bp.errorhandler(TooManyRequests)
def too_many_submissions(error: TooManyRequests) -> tuple[str, int]:
    """The friendly 429 of the form: why, what to do, and the text typed, to copy. (The
    other pages of this blueprint, the links in mails, get the site's own 429 page.)"""
    if request.endpoint not in SUBMISSION_ENDPOINTS:
        return render_error(429)
    texts = []
    if request.method == "POST":
        texts = [t for name in ("text_1", "text_2", "text_3") if (t := request.form.get(name))]
    return (
        render_template(
            "comments/too_many.html",
            per_consultation=error.description == NO_EMAIL_PER_CONSULTATION,
            without_email=error.description in (NO_EMAIL_PER_VISITOR, NO_EMAIL_PER_CONSULTATION),
            texts=[t[: services.MAX_COMMENT_LENGTH] for t in texts],
            slug=(request.view_args or {}).get("slug"),
        ),
        429,
    )


def _store(
    consultation: Consultation, draft: services.Draft, now: datetime
) -> tuple[Submission, bool]:
    """Store and commit; (submission, newly created).

    Two requests with the same key at once (a double click): on PostgreSQL the second
    waits for the first and then finds its submission. On SQLite the second may find the
    database locked instead; it starts again, a few times, and then finds it too.
    """
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            stored = services.submit(db.session, consultation, draft, now)
            if stored[1]:  # the receipt is stored with the submission, sent after the commit
                _queue_receipt(stored[0], draft)
            db.session.commit()
            return stored
        except OperationalError as error:
            db.session.rollback()
            if attempt == STORE_ATTEMPTS or "database is locked" not in str(error.orig):
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _queue_receipt(submission: Submission, draft: services.Draft) -> None:
    to = comment_mail.recipient(submission) or (draft.user.email if draft.user else None)
    if to:
        comment_mail.send_receipt(submission, to)


def _answer_repeat(existing: Submission, key: str) -> Response:
    """The receipt again for the browser that sent it; anyone else sees the public status.

    A key alone proves nothing: it may come from a copied page or another person's form,
    and the receipt shows the email address and texts that are not published.
    """
    if _filled_in_here(key) or receipts.is_sender(existing):
        receipts.remember(existing.tracking_code)
        return redirect(url_for("public.receipt", code=existing.tracking_code))
    return redirect(url_for("public.status", code=existing.tracking_code))


# -- receipts ------------------------------------------------------------------------------


@bp.post("/ontvangst/<code>/bewijs/opnieuw-mailen")
@resend_per_visitor
@resend_per_submission
def resend_receipt(code: str) -> Page:
    submission = receipts.own_submission(code)
    if submission is None or not ConfirmForm().validate_on_submit():
        abort(404)
    actor = receipts.actor()
    to = comment_mail.recipient(submission) or (
        actor.email if actor is not None and submission.user_id == actor.id else None
    )
    if to and submission.state is not SubmissionState.DISCARDED:
        comment_mail.send_receipt(submission, to)
        db.session.commit()
        g.receipt_mail_sent = True
        flash(
            _("We are sending the email again. It usually arrives within a few minutes."), "success"
        )
    return redirect(url_for("public.receipt", code=submission.tracking_code))


# -- the questionnaire after sending -------------------------------------------------------

# Each answer is a row: a few sends per visitor's address (a form with a mistake counts too).
questionnaire_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_QUESTIONNAIRE", "20 per hour"),
    scope="questionnaire-later",
    methods=["POST"],
)


@bp.route("/ontvangst/<code>/vragen", methods=["GET", "POST"])
@receipts.lookup_limit
@questionnaire_limit
def questionnaire(code: str) -> Page:
    """The questionnaire after sending, for the sender only (as the receipt: this browser
    sent it, or the signed-in sender); anyone else sees nothing here."""
    submission = receipts.own_submission(code)
    if submission is None:
        abort(404)
    now = utcnow()
    questions = services.questions_to_answer_later(db.session, submission, now)
    back = url_for("public.receipt", code=submission.tracking_code)
    if not questions:
        return redirect(back)
    form = forms.build_questionnaire_form(questions)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template(
            "comments/questionnaire.html",
            submission=submission,
            consultation=submission.consultation,
            form=form,
            back=back,
            max_length=services.MAX_COMMENT_LENGTH,
        ), status
    try:
        services.answer_later(db.session, submission, form.answers(), now)
        db.session.flush()
    except (services.SubmissionError, IntegrityError):  # closed meanwhile, or sent twice
        db.session.rollback()
        return redirect(back)
    db.session.commit()
    flash(_("Thank you for your answers."), "success")
    return redirect(back)


# -- confirming by email -------------------------------------------------------------------


def _link_problem(error: services.TokenError) -> tuple[str, int]:
    return (
        render_template("comments/link_problem.html", expired=error.expired),
        410 if error.expired else 400,
    )


@bp.route("/reactie/bevestigen/<token>", methods=["GET", "POST"])
@link_limit
def confirm(token: str) -> Page:
    # The link is valid a little longer than the 72 hours; the state decides in the end.
    try:
        submission = services.read_token(
            db.session, "confirm-submission", token, int(services.CONFIRM_WITHIN.total_seconds())
        )
    except services.TokenError as error:
        return _link_problem(error)
    now = utcnow()
    if submission.state is SubmissionState.CONFIRMED:
        flash(_("Your comment was already confirmed."), "info")
        return redirect(url_for("public.status", code=submission.tracking_code))
    if submission.state is SubmissionState.DISCARDED or services.is_pending_expired(
        submission, now
    ):
        return render_template("comments/link_problem.html", expired=True), 410
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("comments/confirm.html", submission=submission, form=form)
    services.confirm(db.session, submission, now)
    db.session.commit()
    receipts.remember(submission.tracking_code)
    flash(_("Thank you! Your comment is confirmed."), "success")
    return redirect(url_for("public.status", code=submission.tracking_code))


# -- withdrawing ---------------------------------------------------------------------------


def _withdraw_submission(token: str) -> Submission:
    try:
        return services.read_token(
            db.session, "withdraw-comment", token, services.WITHDRAW_LINK_MAX_AGE
        )
    except services.TokenError:
        abort(404)


def _comment_at(submission: Submission, position: int) -> Comment:
    for comment in submission.comments:
        if comment.position == position:
            return comment
    abort(404)


def _withdraw_page(submission: Submission, comment: Comment, action: str, back: str) -> Page:
    now = utcnow()
    if comment.withdrawn_at is not None:
        flash(_("This comment was already withdrawn."), "info")
        return redirect(url_for("public.status", code=submission.tracking_code))
    if not submission.consultation.accepts_comments_at(now):
        return render_template(
            "comments/withdraw_closed.html", submission=submission, back=back
        ), 409
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "comments/withdraw.html",
            submission=submission,
            comment=comment,
            form=form,
            action=action,
            back=back,
        )
    try:
        services.withdraw(db.session, comment, now)
    except services.SubmissionError:
        db.session.rollback()
        return render_template(
            "comments/withdraw_closed.html", submission=submission, back=back
        ), 409
    db.session.commit()
    flash(_("Your comment is withdrawn. It is no longer shown on the website."), "success")
    return redirect(url_for("public.status", code=submission.tracking_code))


@bp.get("/reactie/intrekken/<token>")
@link_limit
def withdraw_choose(token: str) -> Page:
    submission = _withdraw_submission(token)
    return render_template(
        "comments/withdraw_choose.html",
        submission=submission,
        comments=submission.comments,
        token=token,
        open_now=submission.consultation.accepts_comments_at(utcnow()),
    )


@bp.route("/reactie/intrekken/<token>/<int:position>", methods=["GET", "POST"])
@link_limit
def withdraw_by_link(token: str, position: int) -> Page:
    submission = _withdraw_submission(token)
    comment = _comment_at(submission, position)
    return _withdraw_page(
        submission,
        comment,
        url_for(".withdraw_by_link", token=token, position=position),
        url_for(".withdraw_choose", token=token),
    )


@bp.route("/ontvangst/<code>/reacties/<int:position>/intrekken", methods=["GET", "POST"])
def withdraw_as_sender(code: str, position: int) -> Page:
    submission = receipts.submission_or_404(code)
    if not allowed(current_user, Permission.SUBMISSION_COMMENT_WITHDRAW, submission):
        abort(404)
    comment = _comment_at(submission, position)
    return _withdraw_page(
        submission,
        comment,
        url_for(".withdraw_as_sender", code=submission.tracking_code, position=position),
        url_for("public.receipt", code=submission.tracking_code),
    )


# -- attachments ---------------------------------------------------------------------------


@bp.get("/bijlagen/<int:attachment_id>")
def attachment(attachment_id: int) -> Response:
    found = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id))
    if found is None or found.submission is None:
        abort(404)
    if not allowed(current_user, Permission.SUBMISSION_ATTACHMENT_DOWNLOAD, found.submission):
        abort(404)
    return send_attachment(found)
