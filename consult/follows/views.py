"""Follow and unfollow; the account page of follows; one-click unsubscribe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult.accounts.models import User
from consult.consultations.models import Consultation, ConsultationState
from consult.extensions import csrf, db
from consult.follows import services, tokens
from consult.follows.forms import ConfirmForm, FollowForm
from consult.follows.models import Follow, Frequency, TargetKind
from consult.organisations.models import Organisation
from consult.permissions import Permission, authorize
from consult.regions.models import Region

bp = Blueprint("follows", __name__)

Page = str | Response | tuple[str, int]


def _target(kind: TargetKind, target_id: int) -> Any:
    """The object to follow, if the public may see it (a draft cannot be followed)."""
    if kind is TargetKind.CONSULTATION:
        consultation = db.session.get(Consultation, target_id)
        if consultation is None or consultation.state is ConsultationState.DRAFT:
            abort(404)
        authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
        return consultation
    if kind is TargetKind.ORGANISATION:
        organisation = db.session.get(Organisation, target_id)
        if organisation is None:
            abort(404)
        # Only a verified organisation has a public page; others cannot be followed.
        authorize(current_user, Permission.ORGANISATION_PAGE_VIEW, organisation, hide=True)
        return organisation
    region = db.session.get(Region, target_id)
    if region is None:
        abort(404)
    return region


def target_url(kind: TargetKind, target: Any) -> str:
    if kind is TargetKind.CONSULTATION:
        return url_for("public.consultation", slug=target.slug)
    if kind is TargetKind.REGION:
        return url_for("public.region", code=target.code)
    return url_for("public.organisation", key=target.slug)


def target_name(kind: TargetKind, target: Any) -> str:
    if target is None:
        return _("(no longer exists)")
    return str(getattr(target, "title", None) or getattr(target, "name", ""))


@bp.app_context_processor
def _follow_helpers() -> dict[str, Any]:
    def following(kind: str, target_id: int) -> Follow | None:
        if not current_user.is_authenticated:
            return None
        return services.follow_of(db.session, current_user, TargetKind(kind), target_id)

    return {"follow_state": following, "follow_form": FollowForm}


@bp.post("/volgen/<kind>/<int:target_id>")
@login_required
def follow(kind: str, target_id: int) -> Page:
    try:
        target_kind = TargetKind(kind)
    except ValueError:
        abort(404)
    target = _target(target_kind, target_id)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    services.follow(
        db.session, current_user, target_kind, target_id, Frequency(form.frequency.data)
    )
    db.session.commit()
    flash(_("You follow %(name)s.", name=target_name(target_kind, target)), "success")
    return redirect(target_url(target_kind, target))


def _own_follow(follow_id: int) -> Follow:
    found = db.session.get(Follow, follow_id)
    if found is None:
        abort(404)
    authorize(current_user, Permission.ACCOUNT_FOLLOW_MANAGE, found, hide=True)
    return found


@bp.get("/account/volgen")
@login_required
def account() -> Page:
    rows = []
    for found in services.follows_of(db.session, current_user):
        model = {
            TargetKind.CONSULTATION: Consultation,
            TargetKind.REGION: Region,
            TargetKind.ORGANISATION: Organisation,
        }[found.target_kind]
        target = db.session.get(model, found.target_id)
        form = FollowForm(prefix=f"f{found.id}", frequency=found.frequency.value)
        rows.append((found, target_name(found.target_kind, target), form))
    return render_template("follows/account.html", rows=rows, confirm=ConfirmForm())


@bp.post("/account/volgen/<int:follow_id>/frequentie")
@login_required
def change(follow_id: int) -> Page:
    found = _own_follow(follow_id)
    form = FollowForm(prefix=f"f{found.id}")
    if form.validate_on_submit():
        services.change_frequency(db.session, found, Frequency(form.frequency.data))
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("follows.account"))


@bp.post("/account/volgen/<int:follow_id>/stoppen")
@login_required
def stop(follow_id: int) -> Page:
    found = _own_follow(follow_id)
    if ConfirmForm().validate_on_submit():
        services.unfollow(db.session, found)
        db.session.commit()
        flash(_("You no longer follow this."), "success")
    return redirect(url_for("follows.account"))


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the signed token is the protection, not a CSRF token.
def unsubscribe(token: str) -> Page:
    read = tokens.read(token)
    if read is None:
        return render_template("follows/link_problem.html"), 400
    follow_id, user_id = read
    found = db.session.scalar(
        select(Follow).where(Follow.id == follow_id, Follow.user_id == user_id)
    )
    if found is None:
        return render_template("follows/unsubscribed.html", already=True)
    if request.method == "POST":
        services.unfollow(db.session, found)
        db.session.commit()
        return render_template("follows/unsubscribed.html", already=False)
    model = {
        TargetKind.CONSULTATION: Consultation,
        TargetKind.REGION: Region,
        TargetKind.ORGANISATION: Organisation,
    }[found.target_kind]
    name = target_name(found.target_kind, db.session.get(model, found.target_id))
    return render_template("follows/unsubscribe.html", name=name, form=ConfirmForm())


@bp.route("/afmelden/alles/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click, as above: the signed token is the protection.
def unsubscribe_all(token: str) -> Page:
    """Stop every follow (or every daily follow) of the person the link was made for."""
    read = tokens.read_all(token)
    if read is None:
        return render_template("follows/link_problem.html"), 400
    user_id, address, frequency = read
    if not tokens.for_address(address, db.session.get(User, user_id)):
        # Made for an address this account no longer has: nothing of it to stop here.
        return render_template("follows/unsubscribed.html", already=True, everything=True)
    daily = frequency is Frequency.DAILY
    count = len(services.follows_of_user_id(db.session, user_id, frequency))
    if count == 0:
        return render_template(
            "follows/unsubscribed.html", already=True, everything=True, daily=daily
        )
    if request.method == "POST":
        services.unfollow_all(db.session, user_id, frequency)
        db.session.commit()
        return render_template(
            "follows/unsubscribed.html", already=False, everything=True, daily=daily
        )
    return render_template(
        "follows/unsubscribe.html", everything=True, daily=daily, count=count, form=ConfirmForm()
    )
