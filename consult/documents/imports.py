"""Uploads becoming versions, as jobs: the request stores the file and answers at once.

Cheap checks happen in the request (is it a Word file, is it too large, does its zip
directory promise a bomb); the conversion itself runs in a job, inside a limited child
process (:mod:`consult.documents.sandbox`), while the page shows its progress. A refused
file ends with a clear reason on that page, a good one as the document's next version.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import i18n, jobs
from consult.accounts.models import User
from consult.documents import sandbox, services
from consult.documents.importing import ImportRefused
from consult.documents.models import Document, DocumentImport, VersionSource
from consult.permissions import Actor

KIND = "document-import"
WORK = "consult.documents.imports:convert"
STEPS = 2


def queue(
    session: Session,
    actor: Actor | None,
    document: Document,
    source: VersionSource,
    data: bytes,
    change_note: str = "",
    locale: str = "nl",
) -> DocumentImport:
    """Keep the upload and plan its conversion, which starts when the transaction commits.

    ``locale``: the uploader's language, for the notices the conversion writes."""
    job = jobs.create(session, KIND, f"document:{document.id}")
    item = DocumentImport(
        document_id=document.id,
        source=source,
        data=data,
        change_note=change_note or "",
        job_id=job.id,
        created_by_id=getattr(actor, "id", None),
        locale=locale,
    )
    session.add(item)
    session.flush()
    jobs.start_after_commit(session, job, WORK)
    return item


def of_document(session: Session, document: Document, import_id: int) -> DocumentImport | None:
    """The import ``import_id`` when it belongs to ``document`` (never another's)."""
    return session.scalar(
        select(DocumentImport).where(
            DocumentImport.id == import_id, DocumentImport.document_id == document.id
        )
    )


def convert(session: Session, job: jobs.Job, progress: jobs.Progress) -> None:
    """The job: convert under limits, then make the version (or note why not)."""
    # Progress writes from a connection of its own: first, before this session reads (on
    # SQLite a transaction that read before another connection wrote cannot write).
    progress(1, STEPS, "converting")
    item = session.scalar(select(DocumentImport).where(DocumentImport.job_id == job.id))
    if item is None:
        return
    config = current_app.config
    source, data, locale = item.source, item.data, item.locale
    session.commit()  # no transaction stays open while the file is converted
    try:
        with i18n.in_language(locale):  # the notices, in the uploader's language
            result = sandbox.convert_bounded(
                source.value,
                data,
                cpu_seconds=config["IMPORT_CPU_SECONDS"],
                memory_mb=config["IMPORT_MEMORY_MB"],
                wall_seconds=config["IMPORT_CPU_SECONDS"] * 3 + 5,
            )
    except ImportRefused as refused:
        item.refusal = refused.reason
        item.data = b""
        return
    actor = session.get(User, item.created_by_id) if item.created_by_id else None
    version = services.create_version(
        session,
        actor,
        item.document,
        result.sections,
        item.source,
        change_note=item.change_note,
        import_notes=result.notices,
    )
    item.version_id = version.id
    item.data = b""  # kept only until it was converted
