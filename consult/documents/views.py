"""The documents workspace of a region, and the public pages of locked versions.

Workspace pages live under /regios/<code>/beheer/documenten: the region's team may look,
its officials may change. Every object is loaded through the region in the address, so an
id from another region answers 404. Public pages (/documenten/...) show a version only once
it is locked, that is once it has been open for comment; before that only the team sees it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult import i18n, jobs
from consult.documents import importing, imports, paragraphs, services
from consult.documents.forms import (
    ChangeNoteForm,
    DocumentForm,
    MarkdownForm,
    MoveForm,
    SectionForm,
    WordUploadForm,
)
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from consult.documents.sanitising import plain_text, sanitise_body
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.permissions import Permission, allowed, authorize
from consult.regions.models import Region
from consult.regions.services import get_region
from consult.web.arguments import whole_number

bp = Blueprint("documents", __name__)


@bp.app_template_filter("section_text")
def section_text(body_html: str) -> str:
    """A section's words without markup, one space between blocks (for excerpts)."""
    return plain_text(body_html)


@bp.app_template_global()
def section_chunks(section: Section) -> list[paragraphs.Chunk]:
    """A section's body (sanitised again on the way out, cheap and safe for old rows) cut
    into its pieces, each paragraph with its stored anchor as ``id``: the plan's
    ``#p-xxxxxxxx`` links work on every page that shows it."""
    return paragraphs.chunks(sanitise_body(section.body_html or ""), section.paragraph_anchors)


WORKSPACE = "/regios/<code>/beheer/documenten"
VERSION = WORKSPACE + "/<int:document_id>/versies/<int:number>"
SECTION = VERSION + "/onderdelen/<int:section_id>"


# -- loading, always through the region in the address ---------------------------------------


def _region(code: str, permission: str = Permission.REGION_CONSULTATIONS_VIEW_DRAFTS) -> Region:
    region = get_region(db.session, code.upper())
    if region is None:
        abort(404)
    authorize(current_user, permission, region)
    return region


def _document(region: Region, document_id: int) -> Document:
    document = services.document_in_region(db.session, region.id, document_id)
    if document is None:
        abort(404)
    return document


def _version(document: Document, number: int) -> DocumentVersion:
    version = services.version_of(db.session, document, number)
    if version is None:
        abort(404)
    return version


def _section(version: DocumentVersion, section_id: int) -> Section:
    section = services.section_of(db.session, version, section_id)
    if section is None:
        abort(404)
    return section


def _may_manage(region: Region) -> bool:
    return allowed(current_user, Permission.REGION_DOCUMENTS_MANAGE, region)


def _locked_message() -> str:
    return _(
        "This version is locked because a consultation opened on it; nothing in it can "
        "change. Make a new version based on it to correct something."
    )


def _refuse_locked(region: Region, document: Document, version: DocumentVersion) -> Response:
    flash(_locked_message(), "error")
    return redirect(
        url_for(
            "documents.version", code=region.code, document_id=document.id, number=version.number
        )
    )


# -- documents -------------------------------------------------------------------------------


@bp.get(WORKSPACE)
def index(code: str) -> str:
    region = _region(code)
    return render_template(
        "documents/index.html",
        region=region,
        documents=services.documents_of_region(db.session, region.id),
        may_manage=_may_manage(region),
    )


@bp.route(WORKSPACE + "/nieuw", methods=["GET", "POST"])
def create(code: str) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    form = DocumentForm()
    if not form.validate_on_submit():
        return render_template("documents/new_document.html", region=region, form=form)
    document = services.create_document(
        db.session, current_user, region, form.title.data, form.summary.data
    )
    db.session.commit()
    flash(_("The document has been made. Now add its first version."), "success")
    return redirect(url_for("documents.new_version", code=region.code, document_id=document.id))


@bp.get(WORKSPACE + "/<int:document_id>")
def document(code: str, document_id: int) -> str:
    region = _region(code)
    item = _document(region, document_id)
    return render_template(
        "documents/document.html",
        region=region,
        document=item,
        versions=list(reversed(item.versions)),
        may_manage=_may_manage(region),
        copy_form=ChangeNoteForm(),
    )


def _render_new_version(
    region: Region, document: Document, word_form: WordUploadForm, markdown_form: MarkdownForm
) -> str:
    return render_template(
        "documents/new_version.html",
        region=region,
        document=document,
        word_form=word_form,
        markdown_form=markdown_form,
        latest=services.latest_version(db.session, document),
        copy_form=ChangeNoteForm(),
    )


@bp.get(WORKSPACE + "/<int:document_id>/versies/nieuw")
def new_version(code: str, document_id: int) -> str:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    return _render_new_version(region, item, WordUploadForm(), MarkdownForm(formdata=None))


REFUSALS = {
    "not_docx": lambda: _(
        "This file is not a Word file (.docx). Save the document in Word as .docx and try again."
    ),
    "too_large": lambda: _("The file is too large. A file can be at most 10 MB."),
    "unreadable": lambda: _(
        "We could not read this Word file. Open it in Word, save it again as .docx and try again."
    ),
    "empty": lambda: _("We found no text in it. Check that you chose the right file."),
    "not_text": lambda: _(
        "This file is not a text file. Choose a Markdown file (.md or .txt) or paste the text."
    ),
    "too_many_parts": lambda: _(
        "This Word file has far more parts than a document has. Save it again in Word as "
        ".docx, without embedded files, and try again."
    ),
    "packed_too_tightly": lambda: _(
        "This file unpacks into far more data than a document needs, so we did not open it. "
        "Save it again in Word as .docx and try again."
    ),
    "too_slow": lambda: _(
        "Reading this file took too long, so we stopped. Save it again as .docx, or split "
        "it into smaller parts, and try again."
    ),
    "too_complex": lambda: _(
        "Reading this file needed too much memory, so we stopped. Save it again as .docx, "
        "or split it into smaller parts, and try again."
    ),
}
IMPORT_STEPS = {
    "converting": lambda: _("reading the file and splitting it into sections"),
}
# Seconds between updates of the import's progress on its page.
REFRESH_SECONDS = 2


def _queue_import(
    region: Region, document: Document, source: VersionSource, data: bytes, note: str | None
) -> Response:
    """Keep the checked upload and send the person to its progress page."""
    item = imports.queue(
        db.session, current_user, document, source, data, note or "", i18n.current_locale()
    )
    db.session.commit()
    return redirect(
        url_for("documents.import_progress", code=region.code, document_id=document.id,
                import_id=item.id)
    )  # fmt: skip


@bp.post(WORKSPACE + "/<int:document_id>/versies/nieuw/word")
def import_word(code: str, document_id: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    form = WordUploadForm()
    if form.validate_on_submit():
        data = form.word_file.data.read()
        try:
            importing.check_docx(data)
        except importing.ImportRefused as refused:
            form.word_file.errors.append(REFUSALS[refused.reason]())
        else:
            return _queue_import(region, item, VersionSource.DOCX, data, form.word_change_note.data)
    return _render_new_version(region, item, form, MarkdownForm(formdata=None))


@bp.post(WORKSPACE + "/<int:document_id>/versies/nieuw/markdown")
def import_markdown(code: str, document_id: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    form = MarkdownForm()
    if form.validate_on_submit():
        try:
            upload = form.markdown_file.data
            if upload and getattr(upload, "filename", ""):
                text = importing.decode_markdown_file(upload.read())
            else:
                text = form.markdown_text.data
            importing.check_markdown(text)
        except importing.ImportRefused as refused:
            target = form.markdown_file if refused.reason == "not_text" else form.markdown_text
            target.errors = [*target.errors, REFUSALS[refused.reason]()]
        else:
            return _queue_import(
                region, item, VersionSource.MARKDOWN, text.encode(), form.markdown_change_note.data
            )
    return _render_new_version(region, item, WordUploadForm(formdata=None), form)


@bp.get(WORKSPACE + "/<int:document_id>/versies/nieuw/import/<int:import_id>")
def import_progress(code: str, document_id: int, import_id: int) -> str | Response:
    """Where an upload is while it is converted; the new version once it is made."""
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    upload = imports.of_document(db.session, item, import_id)
    if upload is None:
        abort(404)
    job = db.session.get(jobs.Job, upload.job_id)
    refreshing = request.headers.get("X-Live-Refresh") == "1"
    if upload.version is not None and not refreshing:
        flash(
            _("Version %(number)d has been made. Check the preview.", number=upload.version.number),
            "success",
        )
        return redirect(
            url_for("documents.version", code=region.code, document_id=item.id,
                    number=upload.version.number)
        )  # fmt: skip
    working = (
        upload.version is None
        and not upload.refusal
        and job is not None
        and job.state in (jobs.JobState.QUEUED, jobs.JobState.RUNNING)
        and not jobs.is_stale(job)
    )
    step = IMPORT_STEPS.get(job.step if job else "", lambda: _("waiting to start"))()
    return render_template(
        "documents/import_progress.html",
        region=region,
        document=item,
        upload=upload,
        job=job,
        working=working,
        step=step,
        refusal=REFUSALS[upload.refusal]() if upload.refusal in REFUSALS else None,
        refresh=REFRESH_SECONDS if working else None,
    )


@bp.post(VERSION + "/kopie")
def copy_version(code: str, document_id: int, number: int) -> Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    source = _version(item, number)
    form = ChangeNoteForm()
    if not form.validate_on_submit():
        abort(400)
    version = services.new_version_from(
        db.session, current_user, source, change_note=form.change_note.data or ""
    )
    db.session.commit()
    flash(
        _(
            "Version %(number)d has been made as a copy of version %(source)d. "
            "You can edit it now.",
            number=version.number,
            source=source.number,
        ),
        "success",
    )
    return redirect(
        url_for("documents.editor", code=region.code, document_id=item.id, number=version.number)
    )


# -- a version: preview and editor -----------------------------------------------------------


@bp.get(VERSION)
def version(code: str, document_id: int, number: int) -> str:
    region = _region(code)
    item = _document(region, document_id)
    shown = _version(item, number)
    return render_template(
        "documents/version.html",
        region=region,
        document=item,
        version=shown,
        notices=[line for line in shown.import_notes.splitlines() if line.strip()],
        may_manage=_may_manage(region),
        copy_form=ChangeNoteForm(),
    )


@bp.get(VERSION + "/bewerken")
def editor(code: str, document_id: int, number: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    shown = _version(item, number)
    if shown.is_locked:
        return _refuse_locked(region, item, shown)
    return render_template(
        "documents/editor.html",
        region=region,
        document=item,
        version=shown,
        move_form=MoveForm(),
    )


def _editor_url(region: Region, document: Document, version: DocumentVersion, anchor: str = ""):
    url = url_for(
        "documents.editor", code=region.code, document_id=document.id, number=version.number
    )
    return f"{url}#{anchor}" if anchor else url


def _render_section_form(region, document, version, form, section=None, after=None, lossy=False):
    return render_template(
        "documents/section_form.html",
        region=region,
        document=document,
        version=version,
        form=form,
        section=section,
        after=after,
        lossy=lossy,
    )


@bp.route(SECTION, methods=["GET", "POST"])
def edit_section(code: str, document_id: int, number: int, section_id: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    shown = _version(item, number)
    section = _section(shown, section_id)
    if shown.is_locked:
        return _refuse_locked(region, item, shown)
    original_markdown = importing.html_to_markdown(section.body_html)
    if request.method == "GET":
        form = SectionForm(
            formdata=None,
            heading=section.heading,
            number=section.number,
            level=str(section.level),
            body=original_markdown,
        )
    else:
        form = SectionForm()
    lossy = not importing.converts_losslessly(section.body_html)
    if not form.validate_on_submit():
        return _render_section_form(region, item, shown, form, section=section, lossy=lossy)
    typed = (form.body.data or "").replace("\r\n", "\n").strip()
    # Untouched text keeps its HTML exactly, also where Markdown cannot express it.
    body_html = (
        section.body_html if typed == original_markdown else importing.markdown_to_html(typed)
    )
    new_number = form.number.data or ""
    try:
        services.edit_section(
            db.session,
            current_user,
            section,
            form.heading.data,
            body_html,
            number=new_number if new_number != section.number else None,
            level=int(form.level.data),
        )
    except services.VersionLocked:
        db.session.rollback()
        return _refuse_locked(region, item, shown)
    db.session.commit()
    flash(_("The section has been saved."), "success")
    return redirect(_editor_url(region, item, shown, section.anchor))


@bp.route(VERSION + "/onderdelen/nieuw", methods=["GET", "POST"])
def add_section(code: str, document_id: int, number: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    shown = _version(item, number)
    if shown.is_locked:
        return _refuse_locked(region, item, shown)
    after = None
    after_id = request.args.get("na", type=whole_number)
    if after_id is not None:
        after = _section(shown, after_id)
    form = SectionForm()
    if request.method == "GET" and after is not None:
        form.level.data = str(after.level)
    if not form.validate_on_submit():
        return _render_section_form(region, item, shown, form, after=after)
    try:
        section = services.add_section(
            db.session,
            current_user,
            shown,
            form.heading.data,
            importing.markdown_to_html(form.body.data or ""),
            after=after,
            level=int(form.level.data),
            number=form.number.data or None,
        )
    except services.VersionLocked:
        db.session.rollback()
        return _refuse_locked(region, item, shown)
    db.session.commit()
    flash(_("The section has been added."), "success")
    return redirect(_editor_url(region, item, shown, section.anchor))


@bp.post(SECTION + "/verplaatsen")
def move_section(code: str, document_id: int, number: int, section_id: int) -> Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    shown = _version(item, number)
    section = _section(shown, section_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moved = services.move_section(
            db.session, current_user, section, -1 if form.direction.data == "up" else 1
        )
    except services.VersionLocked:
        db.session.rollback()
        return _refuse_locked(region, item, shown)
    db.session.commit()
    if moved:
        flash(_("“%(heading)s” has been moved.", heading=section.heading), "success")
    return redirect(_editor_url(region, item, shown, section.anchor))


@bp.route(SECTION + "/verwijderen", methods=["GET", "POST"])
def remove_section(code: str, document_id: int, number: int, section_id: int) -> str | Response:
    region = _region(code, Permission.REGION_DOCUMENTS_MANAGE)
    item = _document(region, document_id)
    shown = _version(item, number)
    section = _section(shown, section_id)
    if shown.is_locked:
        return _refuse_locked(region, item, shown)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "documents/remove_section.html",
            region=region,
            document=item,
            version=shown,
            section=section,
            form=form,
        )
    heading = section.heading
    try:
        services.remove_section(db.session, current_user, section)
    except services.VersionLocked:
        db.session.rollback()
        return _refuse_locked(region, item, shown)
    db.session.commit()
    flash(_("“%(heading)s” has been removed from this version.", heading=heading), "success")
    return redirect(_editor_url(region, item, shown))


# -- public pages ----------------------------------------------------------------------------
