"""The account page ("Mijn account"): a signed-in person's roles, organisations, details,
and what they sent from their account with how much of it was answered.

It reads across domains (accounts, organisations, comments, responses), so it sits above
them; managing the account itself (password, address, log-in) is in
:mod:`consult.accounts.views`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.accounts import services as accounts
from consult.accounts.forms import ProfileForm
from consult.accounts.models import User
from consult.comments import services as comments
from consult.dashboard import services as dashboard
from consult.extensions import db
from consult.i18n import current_locale
from consult.organisations import services as organisations
from consult.permissions import Permission, allowed
from consult.responses import queries
from consult.web.arguments import page_count, page_number

bp = Blueprint("dashboard", __name__, url_prefix="/account")

Page = str | tuple[str, int]


SENT_PER_PAGE = 20


@bp.get("/")
@login_required
def account() -> str:
    user = current_user._get_current_object()
    profile_form = ProfileForm(
        formdata=None, display_name=user.display_name, locale=user.locale or current_locale()
    )
    return _overview_page(user, profile_form)


def _overview_page(user: User, profile_form: ProfileForm) -> str:
    roles = [
        (region, role_kinds, url_for("region_admin.index", code=region.code))
        for region, role_kinds in accounts.roles_by_region(db.session, user)
    ]
    page = page_number()
    sent, total = comments.sent_by(db.session, user, page, SENT_PER_PAGE)
    answered = queries.published_answers(db.session, [c.id for s in sent for c in s.comments])
    return render_template(
        "dashboard/account.html",
        user=user,
        roles=roles,
        memberships=organisations.memberships_of(db.session, user),
        profile_form=profile_form,
        sent=[(s, sum(1 for c in s.comments if c.id in answered)) for s in sent],
        sent_total=total,
        page=page,
        pages=page_count(total, SENT_PER_PAGE),
    )


@bp.post("/gegevens")
@login_required
def update_profile() -> Page:
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _overview_page(user, form), 400
    accounts.update_profile(
        db.session, user, display_name=form.display_name.data, locale=form.locale.data
    )
    db.session.commit()
    flash(_("Your details are saved."), "success")
    response = redirect(url_for(".account"))
    # The language cookie outranks the account's choice, so keep the two the same.
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE_NAME"],
        form.locale.data,
        max_age=365 * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get("/taken")
@login_required
def tasks() -> str:
    """What waits for this person's regional team: where they land after logging in."""
    user = current_user._get_current_object()
    found = dashboard.tasks_for(db.session, user)
    return render_template(
        "dashboard/tasks.html",
        tasks=[(task, _links(user, task)) for task in found],
        has_roles=bool(dashboard.region_ids_of(user)),
    )


def _links(user: User, task: dashboard.ConsultationTasks) -> dict[str, str]:
    """Only the links this person can open (a moderator never sees the answering pages)."""
    consultation = task.consultation
    code, slug = consultation.region.code, consultation.slug
    links = {}
    if allowed(user, Permission.CONSULTATION_ANSWERS_DRAFT, consultation):
        links["answer"] = url_for("responses.workspace", code=code, slug=slug)
    if allowed(user, Permission.CONSULTATION_ANSWERS_PUBLISH, consultation):
        links["approve"] = url_for("responses.approvals", code=code, slug=slug)
    if allowed(user, Permission.CONSULTATION_REPORT_MANAGE, consultation):
        links["report"] = url_for("reactienota.manage", code=code, slug=slug)
    if allowed(user, Permission.CONSULTATION_COMMENTS_MODERATE, consultation):
        links["moderate"] = url_for("moderation.queue", code=code, slug=slug, toon="gemeld")
        links["approvals"] = url_for("moderation.approvals", code=code, slug=slug)
    if allowed(user, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS, consultation.region):
        links["consultation"] = url_for(
            "consultations.detail", code=code, consultation_id=consultation.id
        )
    return links
