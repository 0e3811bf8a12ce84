"""The public pages: what was proposed, what people said, and what was done with it.

Every page that shows published comments shows each with its current published answer, so
these pages read across the domains below them (documents, consultations, comments,
participation, responses, the record). They only read: sending, confirming and withdrawing
a comment are in :mod:`consult.comments.views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from consult.comments import channels, codes, forms, receipts
from consult.comments import mail as comment_mail
from consult.comments import services as comment_services
from consult.consultations import activities, council, lifecycle, pages
from consult.consultations import services as consultation_services
from consult.db import utcnow
from consult.documents import paragraphs, printing
from consult.documents import services as documents
from consult.documents.diff import diff_versions
from consult.documents.models import Document, DocumentVersion
from consult.documents.sanitising import sanitise_body
from consult.extensions import db, limiter
from consult.files.pdf import render_pdf
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.jobs import JobState
from consult.ledger import proofs
from consult.ledger.canonical import canonical_bytes
from consult.organisations import services as organisations
from consult.permissions import Permission, allowed, authorize
from consult.public import answers as public_answers
from consult.public import glossary, kept, search, services
from consult.regions import pages as region_pages
from consult.regions import services as regions
from consult.responses.tracing import services as tracing
from consult.web.arguments import page_count, page_number, whole_number

bp = Blueprint("public", __name__)
bp.add_app_template_filter(glossary.explain_terms, "explain_terms")
bp.add_app_template_filter(glossary.explain_region_terms, "explain_region_terms")

Page = str | tuple[str, int] | Response


# -- the home page, a region's page, an organisation's page ----------------------------------


@bp.get("/")
def home() -> str:
    region_count = regions.count_active(db.session, regions.today())
    open_now, upcoming = consultation_services.open_and_upcoming(db.session)
    return render_template(
        "public/home.html",
        region_count=region_count,
        open_now=open_now,
        upcoming=upcoming,
        now=utcnow(),
    )


@bp.get("/regios/<code>")
def region(code: str) -> str | Response:
    if moved := region_pages.canonical_redirect(code):
        return moved
    found = region_pages.region_or_404(code)
    day = regions.today()
    came_from, continued_by = regions.successions_of(db.session, found)
    consultations = consultation_services.public_consultations(db.session, found)
    return render_template(
        "public/region.html",
        region=found,
        day=day,
        is_active=found.is_active_on(day),
        members=regions.members_on(db.session, found, day),
        history=regions.membership_history(db.session, found),
        came_from=came_from,
        continued_by=continued_by,
        may_admin=allowed(current_user, Permission.REGION_ADMIN_VIEW, found),
        consultations=consultations,
        council=council.council_progress(db.session, consultations),
    )


@bp.get("/organisaties/<key>")
def organisation(key: str) -> Page:
    found = organisations.public_organisation(db.session, key)
    if found is None:
        abort(404)
    authorize(current_user, Permission.ORGANISATION_PAGE_VIEW, found, hide=True)
    number = page_number()
    groups, total, published = services.organisation_comments(
        db.session, found, number, organisations.PUBLIC_PER_PAGE
    )
    return render_template(
        "public/organisation.html",
        organisation=found,
        groups=groups,
        total=total,
        published=published,
        page=number,
        pages=page_count(total, organisations.PUBLIC_PER_PAGE),
        may_see_members=allowed(current_user, Permission.ORGANISATION_MEMBERS_VIEW, found),
    )


# -- a consultation, its sections, and a tracking code ---------------------------------------


@bp.get("/woordenlijst")
def glossary_page() -> str:
    """The platform's words explained: where ``explain_terms`` links a term to."""
    locale = current_locale()
    code = request.args.get("regio", "")
    region = regions.get_region(db.session, code.upper()) if code else None
    return render_template(
        "public/glossary.html",
        terms=glossary.terms_in_order(locale),
        locale=locale,
        region=region,
        region_terms=regions.region_terms(db.session, region.id) if region else [],
        term_anchor=glossary.term_anchor,
    )


# The plan of a long document comes in parts of this many sections (``?deel=``), so a page
# stays small on a phone whatever the plan's length; a plan this long or shorter is one page.
PLAN_PART_SECTIONS = 20


@dataclass(frozen=True)
class PlanSection:
    """A section of a version as the consultation page shows it: plain values, kept
    between requests (an ORM object is bound to one request's session)."""

    id: int
    anchor: str
    number: str | None
    heading: str
    level: int
    body_html: str | None
    paragraph_anchors: tuple[str, ...]


@dataclass(frozen=True)
class Outline:
    """A version's sections in order, and which section holds each paragraph."""

    sections: tuple[PlanSection, ...]
    section_of_paragraph: dict[str, str]

    @property
    def anchors(self) -> tuple[str, ...]:
        return tuple(s.anchor for s in self.sections)


def _outline(version: DocumentVersion) -> Outline:
    """The sections of the version's plan; kept for a locked version."""

    def read() -> Outline:
        sections = services.sections_of_version(db.session, version)
        return Outline(
            tuple(
                PlanSection(
                    s.id,
                    s.anchor,
                    s.number,
                    s.heading,
                    s.level,
                    s.body_html,
                    tuple(s.paragraph_anchors or ()),
                )
                for s in sections
            ),
            {p: s.anchor for s in sections for p in s.paragraph_anchors or []},
        )

    if not version.is_locked:
        return read()
    return kept.outlines.get(version.id, read)


def _part_asked(outline: Outline, parts: int) -> int:
    """The part of the plan to show: ``?deel=``, or the part holding the section
    ``?onderdeel=`` or the paragraph ``?alinea=`` (for links from elsewhere)."""
    anchors = outline.anchors
    anchor = request.args.get("onderdeel") or outline.section_of_paragraph.get(
        request.args.get("alinea", "")
    )
    if anchor and anchor in anchors:
        return anchors.index(anchor) // PLAN_PART_SECTIONS + 1
    number = request.args.get("deel", 1, type=whole_number) or 1
    if not 1 <= number <= parts:
        abort(404)
    return number


def _plan_chunks(consultation, sections, part: int, locale: str) -> dict[int, list[Any]]:
    """Each section's pieces, the region's own words explained on their first appearance
    in this part: the same for every request of a locked version, language and part."""

    def render() -> dict[int, list[Any]]:
        return {
            section.id: [
                (glossary.explain_region_terms(chunk.html, consultation.region), chunk.anchor)
                for chunk in paragraphs.chunks(
                    sanitise_body(section.body_html or ""), list(section.paragraph_anchors)
                )
            ]
            for section in sections
        }

    if not consultation.version.is_locked:
        return render()
    terms = kept.region_terms(db.session, consultation.region_id)
    glossary.use_region_terms(consultation.region_id, terms)  # the same words as the key
    key = (consultation.version_id, part, locale, terms, kept.TEMPLATE_VERSION)
    return kept.plans.get(key, render)


def _activities(consultation, counted: services.BlockCounts, groups) -> list[Any]:
    """The consultation's activities with their people per group (summed in
    :func:`services.block_counts`); no query when it has none (an activity has at least
    one person, :func:`consult.consultations.activities.register_activity`)."""
    if not counted.participants:
        return []
    totals = sorted(
        ((activity, groups[group], band, n) for activity, group, band, n in counted.participants),
        key=lambda row: (row[0], row[1].position, row[1].id),
    )
    return activities.summarise_activities(
        activities.activity_rows(db.session, consultation), totals
    )


def _blocks(consultation, outline: Outline, part: int, phase: str) -> dict[str, Any]:
    """What the page shows of the plan, its comments and who reacted, rendered (see
    :mod:`consult.public.kept` for when it is made again)."""
    locale = current_locale()
    anchors = outline.anchors
    parts = page_count(len(anchors), PLAN_PART_SECTIONS)

    def render() -> dict[str, Any]:
        sections = list(outline.sections)
        here = sections[(part - 1) * PLAN_PART_SECTIONS : part * PLAN_PART_SECTIONS]
        counted = services.block_counts(db.session, consultation)
        by_paragraph = counted.by_paragraph
        listed = comment_services.per_section(by_paragraph)
        counts = {section_id: public for section_id, (_listed, public) in listed.items()}
        first_comments, answered = services.first_comments(
            db.session, consultation, [s.id for s in here]
        )
        groups = kept.stakeholder_groups(
            db.session, {*counted.by_group, *(row[1] for row in counted.participants)}
        )
        context = {
            "consultation": consultation,
            "document": consultation.version.document,
            "sections": sections,
            "part_sections": here,
            "part": part,
            "parts": parts,
            "part_of": {a: i // PLAN_PART_SECTIONS + 1 for i, a in enumerate(anchors)},
            "chunks": _plan_chunks(consultation, here, part, locale),
            "counts": counts,
            "paragraph_counts": {
                key: public for key, (_listed, public) in by_paragraph.items() if key[1] and public
            },
            "listed": {section_id: n for section_id, (n, _public) in listed.items()},
            "total": sum(counts.values()),
            "first_comments": first_comments,
            # Only the comments with a published answer ask for it: none while open.
            "answers": public_answers.answers_for(db.session, answered),
            "group_counts": sorted(
                ((groups[group_id], n) for group_id, n in counted.by_group.items()),
                key=lambda pair: (pair[0].position, pair[0].id),
            ),
            "phase": phase,
            "locale": locale,
            "activities": _activities(consultation, counted, groups),
        }
        said = public_answers.said_and_done(
            db.session, consultation, sections, counted.said, counted.changes
        )

        def rendered(template: str, **extra: Any) -> Markup:
            # Our own autoescaped templates: already safe HTML.
            return Markup(render_template(template, **context, **extra))  # noqa: S704

        return {
            "said_and_done": rendered("public/_consultation_said.html", said_and_done=said),
            "plan": rendered("public/_consultation_plan.html"),
            "reacted": rendered("public/_consultation_reacted.html"),
        }

    if not consultation.version.is_locked:
        return render()
    position = kept.blocks_position(db.session, consultation)
    key = (consultation.id, consultation.version_id, position, part, phase, locale)
    return kept.blocks.get((*key, kept.TEMPLATE_VERSION), render)


@bp.get("/consultaties/<slug>")
def consultation(slug: str) -> Page:
    consultation = pages.consultation_or_404(slug)
    now = utcnow()
    pages.catch_up_clock(consultation, now)
    channels.remember(slug, request.args.get(channels.QUERY_ARGUMENT))
    outline = _outline(consultation.version)
    parts = page_count(len(outline.sections), PLAN_PART_SECTIONS)
    part = _part_asked(outline, parts)
    phase = consultation_services.phase(consultation, now)
    return render_template(
        "public/consultation.html",
        consultation=consultation,
        document=consultation.version.document,
        part=part,
        parts=parts,
        # Rendered where the page needs them (after the header, whose words it explains).
        page_blocks=lambda: _blocks(consultation, outline, part, phase),
        phase=phase,
        time_left=pages.time_left(consultation, now),
        locale=current_locale(),
    )


@bp.get("/consultaties/<slug>/onderdelen/<anchor>/reacties")
def section_comments(slug: str, anchor: str) -> Page:
    consultation = pages.consultation_or_404(slug)
    channels.remember(slug, request.args.get(channels.QUERY_ARGUMENT))
    section = None
    if anchor != forms.GENERAL:
        section = consultation_services.section_by_anchor(db.session, consultation, anchor)
        if section is None:
            abort(404)
    paragraph = request.args.get("alinea") or None
    if paragraph is not None and (
        section is None or paragraph not in (section.paragraph_anchors or [])
    ):
        abort(404)
    listed, total = services.section_counts(db.session, consultation, section, paragraph)
    pages_total = page_count(listed, services.SECTION_PAGE_SIZE)
    number = page_number()
    if number > pages_total:
        abort(404)
    comments = services.section_comments_page(
        db.session, consultation, section, number, paragraph=paragraph
    )
    return render_template(
        "public/section_comments.html",
        consultation=consultation,
        section=section,
        anchor=anchor,
        paragraph=paragraph,
        groups=services.by_paragraph(section, comments),
        comments=comments,
        answers=public_answers.answers_for(db.session, [c.id for c in comments]),
        page=number,
        pages=pages_total,
        total=total,
        phase=consultation_services.phase(consultation, utcnow()),
        locale=current_locale(),
    )


@bp.get("/ontvangst/<code>/bewijs")
@receipts.lookup_limit
def receipt(code: str) -> Page:
    submission = receipts.own_submission(code)
    if submission is None:
        return redirect(url_for("public.status", code=codes.normalise(code) or code))
    content = comment_services.canonical_content(submission)
    actor = receipts.actor()
    return render_template(
        "public/receipt.html",
        submission=submission,
        consultation=submission.consultation,
        questions=receipts.question_texts(submission),
        canonical_json=canonical_bytes(content).decode(),
        may_withdraw=actor is not None
        and allowed(actor, Permission.SUBMISSION_COMMENT_WITHDRAW, submission)
        and submission.consultation.accepts_comments_at(utcnow()),
        may_download=actor is not None
        and allowed(actor, Permission.SUBMISSION_ATTACHMENT_DOWNLOAD, submission),
        email=comment_mail.recipient(submission),
        resend_form=ConfirmForm(),
        answers=public_answers.answers_for(db.session, [c.id for c in submission.comments]),
        record_proof=proofs.for_submission(db.session, submission.tracking_code, utcnow()),
        later_questions=comment_services.questions_to_answer_later(
            db.session, submission, utcnow()
        ),
    )


@bp.get("/ontvangst/<code>/bewijs/inhoud.json")
@receipts.lookup_limit
def receipt_content(code: str) -> Page:
    """The exact bytes behind the fingerprint, to check with ``sha256sum``."""
    submission = receipts.own_submission(code)
    if submission is None:
        return redirect(url_for("public.status", code=codes.normalise(code) or code))
    response = current_app.response_class(
        canonical_bytes(comment_services.canonical_content(submission)),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="reactie-{submission.tracking_code}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Laying out a PDF costs the server a moment: a few per visitor's address.
card_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_CARD", "20 per hour"), scope="receipt-card"
)


@bp.get("/ontvangst/<code>/kaart.pdf")
@receipts.lookup_limit
@card_limit
def receipt_card(code: str) -> Page:
    """A small card to keep (PDF): the code, the consultation's name and where to look it
    up; no personal data. The code is the secret: whoever holds it may have the card, as
    they may open the status page; an unknown code is a 404, like any wrong address."""
    normalised = codes.normalise(code)
    submission = comment_services.find_by_code(db.session, normalised) if normalised else None
    if submission is None:
        abort(404)
    html = render_template(
        "public/receipt_card.html",
        code=codes.display(submission.tracking_code),
        consultation=submission.consultation,
        # Without "https://": shorter to type from a card, and it never breaks there.
        lookup_url=url_for("public.lookup", _external=True).partition("://")[2],
        lang=current_locale(),
    )
    response = current_app.response_class(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="code-{submission.tracking_code}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/ontvangst")
@receipts.lookup_limit
def lookup() -> Page:
    form = forms.LookupForm(request.args)
    if request.args and form.validate():
        normalised = codes.normalise(form.code.data or "")
        if normalised is None:
            form.code.errors.append(
                _(
                    "This code is not valid. Check the characters: a code has 12 letters "
                    "and digits, like K7QX-M2PA-9R2N."
                )
            )
        else:
            return redirect(url_for("public.status", code=normalised))
    return render_template("public/lookup.html", form=form), 200 if not form.errors else 400


@bp.get("/ontvangst/<code>")
@receipts.lookup_limit
def status(code: str) -> Page:
    normalised = codes.normalise(code)
    if normalised is None:
        form = forms.LookupForm(formdata=None, code=code)
        form.code.errors = [
            _(
                "This code is not valid. Check the characters: a code has 12 letters and "
                "digits, like K7QX-M2PA-9R2N."
            )
        ]
        return render_template("public/lookup.html", form=form), 400
    if normalised != code:
        return redirect(url_for("public.status", code=normalised), 301)
    submission = comment_services.find_by_code(db.session, normalised)
    if submission is None:
        form = forms.LookupForm(formdata=None, code=codes.display(normalised))
        form.code.errors = [
            _("We cannot find a comment with this code. Check the code on your receipt.")
        ]
        return render_template("public/lookup.html", form=form), 404
    answers = public_answers.answers_for(db.session, [c.id for c in submission.comments])
    return render_template(
        "public/status.html",
        submission=submission,
        consultation=submission.consultation,
        is_sender=receipts.is_sender(submission),
        answers=answers,
        phase=consultation_services.phase(submission.consultation, utcnow()),
        closing_day=lifecycle.closing_day(submission.consultation),
        answers_due=lifecycle.answers_due(submission.consultation),
        today=lifecycle.today_in_amsterdam(utcnow()),
        record_proof=proofs.for_submission(db.session, submission.tracking_code, utcnow()),
    )


# -- a document's versions and what changed between them ------------------------------------


def _document_or_404(document_id: int) -> Document:
    item = db.session.get(Document, document_id)
    if item is None:
        abort(404)
    return item


def _viewable_version(document: Document, number: int) -> DocumentVersion:
    shown = documents.version_of(db.session, document, number)
    if shown is None or not allowed(current_user, Permission.DOCUMENT_VERSION_VIEW, shown):
        abort(404)
    return shown


@bp.get("/documenten/<int:document_id>/versies/<int:number>")
def version(document_id: int, number: int) -> str:
    item = _document_or_404(document_id)
    shown = _viewable_version(item, number)
    return render_template(
        "public/version.html",
        document=item,
        version=shown,
        content_hash=shown.content_hash,
        is_team=allowed(current_user, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS, item.region),
    )


@bp.get("/documenten/<int:document_id>/verschillen")
def diff(document_id: int) -> str:
    item = _document_or_404(document_id)
    numbers = [v.number for v in item.versions]
    if len(numbers) < 2 and not request.args:
        abort(404)
    old_number = request.args.get("van", type=whole_number)
    new_number = request.args.get("naar", type=whole_number)
    if new_number is None:
        new_number = numbers[-1] if numbers else 0
    if old_number is None:
        old_number = max((n for n in numbers if n < new_number), default=0)
    old = _viewable_version(item, old_number)
    new = _viewable_version(item, new_number)
    is_team = allowed(current_user, Permission.REGION_CONSULTATIONS_VIEW_DRAFTS, item.region)
    choices = [v for v in item.versions if v.is_locked or is_team]
    result = diff_versions(old, new)
    # Per section of the newer version: after how many comments (of which consultation) it
    # changed, from the published answers linked to it.
    traces = tracing.public_traces(db.session, [c.new.id for c in result.changes if c.new])
    return render_template(
        "public/diff.html",
        document=item,
        result=result,
        old=old,
        new=new,
        choices=choices,
        is_team=is_team,
        traces=traces,
    )


# -- searching a consultation's comments and answers ----------------------------------------

search_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_SEARCH", "60 per minute"), scope="search"
)


@bp.get("/consultaties/<slug>/zoeken")
@search_limit
def search_page(slug: str) -> Page:
    """Search the published comments and answers: a GET form, so a search has an address."""
    consultation = pages.consultation_or_404(slug)
    query = (request.args.get("q") or "").strip()
    page = page_number()
    problem = None
    results = None
    if len(query) > search.MAX_QUERY_LENGTH:
        problem = _("Search with at most %(max)d characters.", max=search.MAX_QUERY_LENGTH)
    elif query and not search.words_of(query):
        problem = _("Search with at least one word.")
    elif query:
        results = search.search(db.session, consultation, query, page)
    shown = search.shown(db.session, results) if results else []
    return render_template(
        "public/search.html",
        consultation=consultation,
        query=query,
        problem=problem,
        results=results,
        shown=shown,
        answers=public_answers.answers_for(db.session, [s.comment.id for s in shown if s.comment]),
        page=page,
        pages=page_count(results.total, search.PER_PAGE) if results else 1,
        general=forms.GENERAL,
    ), (400 if problem else 200)


# -- the plan on paper: a tagged PDF of a locked version -------------------------------------

# A locked version never changes, and neither does its kept PDF: caches may keep it for good.
PLAN_PDF_CACHE = "public, max-age=31536000, immutable"
# While the PDF is made, the waiting page updates itself this often (live-refresh.js).
PLAN_PDF_REFRESH_SECONDS = 2


def _printable_version(document_id: int, number: int) -> DocumentVersion:
    """A version anyone may read (so a locked one): only those are printed."""
    shown = _viewable_version(_document_or_404(document_id), number)
    if not shown.is_locked:
        abort(404)
    return shown


@bp.get("/documenten/<int:document_id>/versies/<int:number>/plan.pdf")
def version_pdf(document_id: int, number: int) -> Response:
    """The kept PDF; while there is none yet, the page that has it made."""
    shown = _printable_version(document_id, number)
    stored = printing.stored_pdf(db.session, shown)
    if stored is None:
        return redirect(
            url_for("public.version_pdf_status", document_id=document_id, number=number), 303
        )
    response = send_file(
        BytesIO(stored.data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=printing.filename(shown),
        etag=stored.sha256,
        conditional=True,
    )
    response.headers["Cache-Control"] = PLAN_PDF_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/documenten/<int:document_id>/versies/<int:number>/pdf")
def version_pdf_status(document_id: int, number: int) -> Page:
    """Has the PDF made once (a job) and shows how far it is; then the download link."""
    shown = _printable_version(document_id, number)
    job = printing.ensure_pdf(db.session, shown)
    db.session.commit()  # starts the job (the inline runner of the tests finishes it here)
    ready = printing.has_pdf(db.session, shown)
    failed = not ready and job is not None and job.state is JobState.FAILED
    return render_template(
        "public/version_pdf.html",
        document=shown.document,
        version=shown,
        job=job,
        ready=ready,
        failed=failed,
        step=printing.step_text(job) if job is not None else "",
        refresh=None if ready or failed else PLAN_PDF_REFRESH_SECONDS,
    )


@bp.app_template_global()
def plan_pdf_url(version: DocumentVersion) -> str | None:
    """Where "Download the plan as PDF" leads: the file, which sends the first person to
    the page that has it made. No query, so the pages linking it keep their query count."""
    if not version.is_locked:
        return None
    return url_for("public.version_pdf", document_id=version.document_id, number=version.number)
