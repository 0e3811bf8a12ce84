"""Groups of near-identical comments: the automatic grouping and its edits.

For the region's officials and responders (``consultation:answers:draft``), under
``/regios/<code>/beheer/consultaties/<slug>/groepen``. Every page is loaded through the region
and the consultation in the URL, and a group or comment id is only looked up within that
consultation: another region's ids answer 404. Anonymous visitors go to the log-in page; a
logged-in person without the right gets 404, as in moderation and answering.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.comments.codes import display
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.permissions import Permission
from consult.regions.models import Region
from consult.responses.grouping import services as grouping
from consult.responses.grouping.forms import AddCommentForm, MergeForm
from consult.responses.loading import team_consultation
from consult.responses.models import CommentGroup
from consult.web.arguments import whole_number

bp = Blueprint("grouping", __name__)

Page = str | tuple[str, int] | Response

BASE = "/regios/<code>/beheer/consultaties/<slug>/groepen"
# Up to this many comments, the answer link names them (``comment=3&comment=8``, under 4 kB);
# a longer URL would be refused by web servers (gunicorn: 4094 bytes), so then it names the
# group (``groep=12``).
LINK_IDS = 200


# -- loading ---------------------------------------------------------------------------------


def _grouping(code: str, slug: str) -> tuple[Region, Consultation]:
    """The region and consultation of the URL, for someone who may draft answers; else 404."""
    return team_consultation(code, slug, Permission.CONSULTATION_ANSWERS_DRAFT)


def _group(consultation: Consultation, group_id: int) -> CommentGroup:
    group = grouping.group_in(db.session, consultation, group_id)
    if group is None:
        abort(404)
    return group


def _comment(consultation: Consultation, comment_id: int) -> Comment:
    comment = grouping.comment_in(db.session, consultation, comment_id)
    if comment is None:
        abort(404)
    return comment


def _list_url(region: Region, consultation: Consultation) -> str:
    return url_for("grouping.groups", code=region.code, slug=consultation.slug)


def _group_url(region: Region, consultation: Consultation, group_id: int, **args: Any) -> str:
    return url_for(
        "grouping.group", code=region.code, slug=consultation.slug, group_id=group_id, **args
    )


def _back_to_group(region: Region, consultation: Consultation, group: CommentGroup) -> str:
    """The group's page the person came from (its page number is kept in the form's URL)."""
    page = request.args.get("pagina", type=whole_number)
    return _group_url(region, consultation, group.id, pagina=page if page and page > 1 else None)


def _expired() -> None:
    flash(_("The form had expired. Try again."), "error")


def _answer_url(
    region: Region, consultation: Consultation, group: CommentGroup, waiting: list[int]
) -> str | None:
    """Where to answer the waiting members together, once the answering pages exist."""
    if not waiting:
        return None
    if len(waiting) <= LINK_IDS:
        return url_for(
            "responses.new_answer", code=region.code, slug=consultation.slug, comment=waiting
        )
    return url_for("responses.new_answer", code=region.code, slug=consultation.slug, groep=group.id)


def _workspace_url(region: Region, consultation: Consultation) -> str:
    return url_for("responses.workspace", code=region.code, slug=consultation.slug)


def _common(region: Region, consultation: Consultation) -> dict[str, Any]:
    return {
        "region": region,
        "consultation": consultation,
        "workspace_url": _workspace_url(region, consultation),
        "percent": format_percent,
    }


# -- the list --------------------------------------------------------------------------------


@bp.get(BASE)
def groups(code: str, slug: str) -> Page:
    region, consultation = _grouping(code, slug)
    page = request.args.get("pagina", 1, type=whole_number) or 1
    listing = grouping.group_list(db.session, consultation, page)
    return render_template(
        "responses/groups.html",
        listing=listing,
        regroup_form=ConfirmForm(),
        **_common(region, consultation),
    )


@bp.post(BASE + "/opnieuw")
def regroup(code: str, slug: str) -> Response:
    region, consultation = _grouping(code, slug)
    if not ConfirmForm().validate_on_submit():
        _expired()
        return redirect(_list_url(region, consultation))
    result = grouping.regroup(db.session, current_user, consultation)
    db.session.commit()
    found = ngettext(
        "Similar comments were grouped in %(seconds)s seconds: %(num)s group.",
        "Similar comments were grouped in %(seconds)s seconds: %(num)s groups.",
        result.groups,
        seconds=format_decimal(round(result.seconds, 1)),
    )
    flash(
        " ".join(
            [
                found,
                ngettext(
                    "%(num)s comment is in a group.",
                    "%(num)s comments are in a group.",
                    result.grouped_comments,
                ),
                *(
                    [
                        ngettext(
                            "%(num)s group changed by hand was left as it was.",
                            "%(num)s groups changed by hand were left as they were.",
                            result.kept_groups,
                        )
                    ]
                    if result.kept_groups
                    else []
                ),
            ]
        ),
        "success",
    )
    return redirect(_list_url(region, consultation))


# -- one group -------------------------------------------------------------------------------


def _merge_form(group: CommentGroup, formdata: Any = None) -> MergeForm:
    form = MergeForm(formdata=formdata) if formdata is not None else MergeForm()
    form.other.choices = [
        (
            other_id,
            ngettext(
                "Group %(group)s (%(num)s comment): %(text)s",
                "Group %(group)s (%(num)s comments): %(text)s",
                size,
                group=other_id,
                text=text,
            ),
        )
        for other_id, size, text in grouping.other_groups(db.session, group)
    ]
    return form


def _render_group(
    region: Region,
    consultation: Consultation,
    group: CommentGroup,
    *,
    add_form: AddCommentForm | None = None,
    merge_form: MergeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = request.args.get("pagina", 1, type=whole_number) or 1
    members = grouping.member_page(db.session, group, page)
    return (
        render_template(
            "responses/group.html",
            group=group,
            members=members,
            answer_url=_answer_url(region, consultation, group, members.waiting_ids),
            add_form=add_form or AddCommentForm(formdata=None),
            merge_form=merge_form or _merge_form(group),
            action_form=ConfirmForm(),
            display_code=display,
            **_common(region, consultation),
        ),
        status,
    )


@bp.get(BASE + "/<int:group_id>")
def group(code: str, slug: str, group_id: int) -> Page:
    region, consultation = _grouping(code, slug)
    return _render_group(region, consultation, _group(consultation, group_id))


@bp.route(BASE + "/<int:group_id>/toevoegen", methods=["GET", "POST"])
def add_comment(code: str, slug: str, group_id: int) -> Page:
    region, consultation = _grouping(code, slug)
    found = _group(consultation, group_id)
    form = AddCommentForm()
    choices: list[Comment] = []
    if form.validate_on_submit():
        choices = grouping.comments_with_code(db.session, consultation, form.tracking_code)
        chosen = _chosen(form, choices)
        if chosen is not None:
            try:
                grouping.add_to_group(db.session, current_user, found, chosen)
            except grouping.GroupingError as error:
                form.form_errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Comment %(number)s is now in this group.", number=chosen.id), "success")
                return redirect(_group_url(region, consultation, found.id))
    elif request.method == "GET":
        return redirect(_group_url(region, consultation, found.id, _anchor="toevoegen"))
    return render_template(
        "responses/group_add.html",
        group=found,
        form=form,
        choices=choices,
        **_common(region, consultation),
    )


def _chosen(form: AddCommentForm, choices: list[Comment]) -> Comment | None:
    """The comment the code (and, for a submission of several, the choice) points to."""
    if not choices:
        form.code.errors = [
            *form.code.errors,
            _("No comment of this consultation that needs an answer has this tracking code."),
        ]
        return None
    if len(choices) == 1:
        return choices[0]
    form.comment.choices = [(c.id, str(c.id)) for c in choices]
    picked = next((c for c in choices if c.id == form.comment.data), None)
    if picked is None and form.comment.raw_data:
        form.comment.errors = [*form.comment.errors, _("Choose one of these comments.")]
    return picked


@bp.post(BASE + "/<int:group_id>/reacties/<int:comment_id>/uit-groep")
def remove_comment(code: str, slug: str, group_id: int, comment_id: int) -> Response:
    region, consultation = _grouping(code, slug)
    found = _group(consultation, group_id)
    comment = _comment(consultation, comment_id)
    back = _back_to_group(region, consultation, found)
    if not ConfirmForm().validate_on_submit():
        _expired()
        return redirect(back)
    try:
        left = grouping.remove_from_group(db.session, current_user, found, comment)
    except grouping.GroupingError as error:
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    if left is None:
        flash(
            _(
                "Comment %(number)s is out of the group. Fewer than two comments were left, "
                "so the group is gone.",
                number=comment.id,
            ),
            "success",
        )
        return redirect(_list_url(region, consultation))
    flash(
        _(
            "Comment %(number)s is out of the group. Grouping again will not put it back in.",
            number=comment.id,
        ),
        "success",
    )
    return redirect(back)


@bp.post(BASE + "/<int:group_id>/reacties/<int:comment_id>/afsplitsen")
def split_comment(code: str, slug: str, group_id: int, comment_id: int) -> Response:
    region, consultation = _grouping(code, slug)
    found = _group(consultation, group_id)
    comment = _comment(consultation, comment_id)
    back = _back_to_group(region, consultation, found)
    if not ConfirmForm().validate_on_submit():
        _expired()
        return redirect(back)
    old_id = found.id
    try:
        made = grouping.split(db.session, current_user, found, comment)
    except grouping.GroupingError as error:
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    if made is None:
        flash(
            _(
                "No other comment is more like comment %(number)s than like the group, so "
                "it is simply out of the group.",
                number=comment.id,
            ),
            "success",
        )
        still = grouping.group_in(db.session, consultation, old_id)
        return redirect(back if still else _list_url(region, consultation))
    flash(
        ngettext(
            "New group %(group)s with comment %(number)s and %(num)s comment like it.",
            "New group %(group)s with comment %(number)s and %(num)s comments like it.",
            len(made.members) - 1,
            group=made.id,
            number=comment.id,
        ),
        "success",
    )
    return redirect(_group_url(region, consultation, made.id))


@bp.post(BASE + "/<int:group_id>/samenvoegen")
def merge(code: str, slug: str, group_id: int) -> Page:
    region, consultation = _grouping(code, slug)
    found = _group(consultation, group_id)
    form = _merge_form(found, request.form)
    if not form.validate_on_submit():
        return _render_group(region, consultation, found, merge_form=form, status=422)
    other = _group(consultation, form.other.data)
    try:
        grouping.merge_groups(db.session, current_user, found, other)
    except grouping.GroupingError as error:
        form.form_errors.append(error.message)
        return _render_group(region, consultation, found, merge_form=form, status=422)
    db.session.commit()
    flash(
        ngettext(
            "The groups are merged. This group now has %(num)s comment.",
            "The groups are merged. This group now has %(num)s comments.",
            len(found.members),
        ),
        "success",
    )
    return redirect(_group_url(region, consultation, found.id))


@bp.route(BASE + "/<int:group_id>/opheffen", methods=["GET", "POST"])
def dissolve(code: str, slug: str, group_id: int) -> Page:
    region, consultation = _grouping(code, slug)
    found = _group(consultation, group_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        count = grouping.dissolve_group(db.session, current_user, found)
        db.session.commit()
        flash(
            ngettext(
                "The group is dissolved; its %(num)s comment is in no group now.",
                "The group is dissolved; its %(num)s comments are in no group now.",
                count,
            ),
            "success",
        )
        return redirect(_list_url(region, consultation))
    return render_template(
        "responses/group_dissolve.html",
        group=found,
        size=len(found.members),
        form=form,
        **_common(region, consultation),
    )
