"""A locked version as a tagged PDF: for people who read on paper or take it to a meeting.

A locked version never changes, so its PDF is made once and kept (:class:`VersionPdf`).
It is made in a job, not in the request that asks first. Measured on a shared 2-core
machine (December 2026): the demo plan (25 sections) lays out in 0.3 s warm and 3.6 s
cold (fonts loaded first); a plan of 200 sections in 15 to 22 s, tagged as PDF/UA. That
is too long for a request, and several people asking at once would each lay it out
again. The first person waits on a page that shows the progress; everyone after
downloads the kept file, which caches may keep for good.

The PDF is laid out by :func:`consult.files.pdf.render_pdf` (PDF/UA-1, fetching nothing),
the same machinery as the reactienota: ``lang="nl"`` (the plan is in Dutch), a title,
and an outline of the sections' headings at their own levels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import jobs
from consult.documents.models import DocumentVersion, VersionPdf
from consult.files.pdf import offline_request, render_pdf_for_job
from consult.jobs import Job, JobState, Progress

PDF_KIND = "plan-pdf"
PDF_WORK = "consult.documents.printing:make_pdf"
PDF_STEPS = 4
# The plan is written in Dutch, so its PDF is Dutch too, cover included.
PDF_LOCALE = "nl"
PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "plan-print.css"


def stored_pdf(session: Session, version: DocumentVersion) -> VersionPdf | None:
    return session.scalar(select(VersionPdf).where(VersionPdf.version_id == version.id))


def has_pdf(session: Session, version: DocumentVersion) -> bool:
    return (
        session.scalar(select(VersionPdf.id).where(VersionPdf.version_id == version.id)) is not None
    )


def _subject(version: DocumentVersion) -> str:
    return f"version:{version.id}"


def pdf_job(session: Session, version: DocumentVersion) -> Job | None:
    return jobs.latest(session, PDF_KIND, _subject(version))


def ensure_pdf(session: Session, version: DocumentVersion) -> Job | None:
    """The job making the version's PDF: the one already under way, or a new one.

    None when the PDF is there already. Only a locked version gets one (a draft still
    changes). A new job starts when the caller commits; one that failed or went stale is
    followed by a new one, so a visitor can ask again.
    """
    if not version.is_locked:
        raise ValueError("only a locked version is printed")
    if has_pdf(session, version):
        return None
    job = pdf_job(session, version)
    running = (JobState.QUEUED, JobState.RUNNING)
    if job is not None and job.state in running and not jobs.is_stale(job):
        return job
    job = jobs.create(session, PDF_KIND, _subject(version))
    jobs.start_after_commit(session, job, PDF_WORK)
    return job


def plan_html(version: DocumentVersion) -> str:
    """The HTML WeasyPrint lays out: a cover and the sections, with the CSS inside.

    Rendered at the public address (``BASE_URL``), so the link on the cover is absolute.
    """
    with offline_request(PDF_LOCALE):
        return render_template(
            "documents/plan_pdf.html",
            version=version,
            document=version.document,
            css=Markup(PRINT_CSS.read_text("utf-8")),  # noqa: S704 - our own file
            locale=PDF_LOCALE,
        )


def make_pdf(session: Session, job: Job, progress: Progress) -> None:
    """The background job: lay out the version and keep the PDF (once)."""
    version = session.get(DocumentVersion, int(job.subject.partition(":")[2]))
    if version is None or not version.is_locked or has_pdf(session, version):
        return
    progress(1, PDF_STEPS, "html")
    html = plan_html(version)
    data = render_pdf_for_job(html, progress, step=2, total=PDF_STEPS)
    progress(4, PDF_STEPS, "save")
    # End the read transaction before writing (SQLite: see reports.rendering.make_pdf).
    session.commit()
    if has_pdf(session, version):  # another job finished first
        return
    session.add(
        VersionPdf(
            version_id=version.id,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
    )
    session.flush()


def step_text(job: Job) -> str:
    """What the job is doing, in words, for the person waiting."""
    name, _sep, value = job.step.partition(":")
    if name == "layout":
        page = int(value or 0)
        if page:
            return _("laying out page %(page)s", page=page)
        return _("laying out the pages")
    return {
        "html": _("preparing the text"),
        "write": _("writing the PDF file"),
        "save": _("saving the PDF"),
    }.get(name, _("waiting to start"))


def filename(version: DocumentVersion) -> str:
    """``regiovisie-<document id>-versie-<number>.pdf``: plain characters only."""
    return f"regiovisie-{version.document_id}-versie-{version.number}.pdf"
