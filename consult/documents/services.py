"""Documents and their versions: create, import, edit while a draft, lock, copy.

A version is edited only while it is a draft. :func:`lock_version` (called when a
consultation opens on it) fixes its content and a SHA-256 of it; from then on every
service here refuses with :class:`VersionLocked`, and a flush guard refuses any ORM change
to a locked version or its sections, whatever code tries it. A correction is a new version
(:func:`new_version_from`), which keeps the anchors so comments and the diff can follow
each section.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, selectinload

from consult.db import utcnow
from consult.documents import paragraphs
from consult.documents.importing import SectionDraft, auto_numbers
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from consult.documents.sanitising import plain_text, sanitise_body
from consult.ledger.canonical import digest as content_hash
from consult.permissions import Actor

SIMILARITY_THRESHOLD = 0.6
ANCHOR_PATTERN = re.compile(r"^s-[a-z2-7]{8}$")
MAX_LEVEL = 3


class VersionLocked(Exception):
    """The version is locked (a consultation opened on it); make a new version instead."""

    def __init__(self, version: DocumentVersion | None = None) -> None:
        super().__init__("this version is locked; make a new version to change it")
        self.version = version


# -- reading ---------------------------------------------------------------------------------


def documents_of_region(session: Session, region_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.region_id == region_id)
            .options(selectinload(Document.versions))
            .order_by(Document.created_at.desc(), Document.id.desc())
        )
    )


def document_in_region(session: Session, region_id: int, document_id: int) -> Document | None:
    return session.scalar(
        select(Document).where(Document.id == document_id, Document.region_id == region_id)
    )


def version_of(session: Session, document: Document, number: int) -> DocumentVersion | None:
    return session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id, DocumentVersion.number == number)
        .options(selectinload(DocumentVersion.sections))
    )


def section_of(session: Session, version: DocumentVersion, section_id: int) -> Section | None:
    return session.scalar(
        select(Section).where(Section.id == section_id, Section.version_id == version.id)
    )


def latest_version(session: Session, document: Document) -> DocumentVersion | None:
    return session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    )


# -- creating --------------------------------------------------------------------------------


def create_document(
    session: Session, actor: Actor | None, region: Any, title: str, summary: str
) -> Document:
    document = Document(
        region_id=region.id,
        title=title.strip(),
        summary=summary.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    session.add(document)
    session.flush()
    return document


def new_anchor(taken: Iterable[str] = ()) -> str:
    """``s-`` and 8 lowercase base32 characters (40 random bits), not in ``taken``."""
    taken = set(taken)
    while True:
        anchor = "s-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii").lower()
        if anchor not in taken:
            return anchor


def _normal_heading(heading: str) -> str:
    return " ".join(heading.casefold().split())


def _text_of(heading: str, body_html: str) -> str:
    return f"{heading} {plain_text(body_html)}".strip()


def match_anchors(previous: Sequence[Section], drafts: Sequence[SectionDraft]) -> list[str]:
    """An anchor for each draft: kept from ``previous`` for the "same" section, else new.

    A draft that brings its own anchor (a copy edited in the browser) keeps it. The others
    are matched first on an equal heading (ignoring case and spaces), then on the most
    similar text (difflib ratio at least 0.6); each earlier anchor is used at most once.
    """
    result: list[str | None] = [None] * len(drafts)
    available = {s.anchor: s for s in previous}
    for i, draft in enumerate(drafts):
        if draft.anchor and ANCHOR_PATTERN.match(draft.anchor) and draft.anchor not in result:
            result[i] = draft.anchor
            available.pop(draft.anchor, None)

    by_heading: dict[str, list[Section]] = {}
    for section in available.values():
        by_heading.setdefault(_normal_heading(section.heading), []).append(section)
    for i, draft in enumerate(drafts):
        if result[i] is None:
            candidates = by_heading.get(_normal_heading(draft.heading))
            if candidates:
                section = candidates.pop(0)
                result[i] = section.anchor
                available.pop(section.anchor, None)

    open_drafts = [i for i, anchor in enumerate(result) if anchor is None]
    if open_drafts and available:
        old_texts = {a: _text_of(s.heading, s.body_html).split() for a, s in available.items()}
        pairs: list[tuple[float, int, str]] = []
        for i in open_drafts:
            words = _text_of(drafts[i].heading, drafts[i].body_html).split()
            for anchor, old_words in old_texts.items():
                ratio = paragraphs.word_similarity(old_words, words, SIMILARITY_THRESHOLD)
                if ratio is not None:
                    pairs.append((ratio, i, anchor))
        pairs.sort(key=lambda p: (-p[0], p[1]))
        used: set[str] = set()
        for _ratio, i, anchor in pairs:
            if result[i] is None and anchor not in used:
                result[i] = anchor
                used.add(anchor)

    taken = {a for a in result if a}
    final = []
    for anchor in result:
        if anchor is None:
            anchor = new_anchor(taken)
            taken.add(anchor)
        final.append(anchor)
    return final


def _paragraphs_for(
    section: Section,
    earlier: Sequence[tuple[str, str]],
    *,
    taken: Iterable[str] = (),
    elsewhere: Sequence[tuple[str, str]] = (),
    kept: Sequence[str] | None = None,
) -> list[str]:
    """The paragraph anchors for ``section``'s (sanitised) body: ``kept`` when a copy brings
    one valid anchor per block, else carried from ``earlier`` or new
    (:func:`consult.documents.paragraphs.match_paragraphs`)."""
    texts = paragraphs.block_texts(section.body_html)
    taken = set(taken)
    if (
        kept is not None
        and len(kept) == len(texts)
        and len(set(kept)) == len(kept)
        and all(paragraphs.PARAGRAPH_ANCHOR.match(a) and a not in taken for a in kept)
    ):
        return list(kept)
    return paragraphs.match_paragraphs(
        earlier, texts, section_anchor=section.anchor, taken=taken, elsewhere=elsewhere
    )


def _earlier_paragraphs(sections: Iterable[Section]) -> dict[str, list[tuple[str, str]]]:
    """Per section anchor, its blocks as (paragraph anchor, text)."""
    return {s.anchor: paragraphs.paragraphs_of(s.body_html, s.paragraph_anchors) for s in sections}


def _next_number(session: Session, document: Document) -> int:
    highest = session.scalar(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    )
    return (highest or 0) + 1


def create_version(
    session: Session,
    actor: Actor | None,
    document: Document,
    sections: Sequence[SectionDraft],
    source: VersionSource,
    change_note: str = "",
    import_notes: str | Sequence[str] = "",
) -> DocumentVersion:
    """The document's next version (1, 2, ...), its sections' anchors carried over."""
    previous = latest_version(session, document)
    anchors = match_anchors(previous.sections if previous else [], sections)
    if not isinstance(import_notes, str):
        import_notes = "\n".join(import_notes)
    version = DocumentVersion(
        document_id=document.id,
        number=_next_number(session, document),
        source=source,
        change_note=change_note.strip(),
        import_notes=import_notes.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    session.add(version)
    earlier = _earlier_paragraphs(previous.sections if previous else [])
    # Blocks of sections that do not continue (removed, merged): an equal text elsewhere
    # takes their anchor.
    orphans = [b for a, blocks in earlier.items() if a not in anchors for b in blocks]
    taken: set[str] = set()
    for position, (draft, anchor) in enumerate(zip(sections, anchors, strict=True), start=1):
        section = Section(
            position=position,
            anchor=anchor,
            number=draft.number.strip()[:20],
            heading=plain_text(draft.heading)[:500] or "—",
            level=max(1, min(MAX_LEVEL, draft.level)),
            body_html=sanitise_body(draft.body_html),
        )
        own = earlier.get(anchor, [])
        section.paragraph_anchors = _paragraphs_for(
            section,
            own,
            taken=taken,
            elsewhere=orphans,
            kept=draft.paragraph_anchors,
        )
        taken.update(section.paragraph_anchors)
        version.sections.append(section)
    session.flush()
    session.expire(document, ["versions"])
    return version


def new_version_from(
    session: Session, actor: Actor, version: DocumentVersion, change_note: str = ""
) -> DocumentVersion:
    """A new draft with the same sections and anchors (also from a locked version)."""
    drafts = [
        SectionDraft(
            heading=s.heading,
            body_html=s.body_html,
            number=s.number,
            level=s.level,
            anchor=s.anchor,
            paragraph_anchors=list(s.paragraph_anchors or []),
        )
        for s in version.sections
    ]
    return create_version(
        session, actor, version.document, drafts, VersionSource.EDITOR, change_note=change_note
    )


# -- editing a draft -------------------------------------------------------------------------


def _require_draft(version: DocumentVersion) -> None:
    if version.is_locked:
        raise VersionLocked(version)


def _is_auto_numbered(sections: Sequence[Section]) -> bool:
    numbers = [s.number for s in sections]
    return numbers == auto_numbers([s.level for s in sections], [bool(n) for n in numbers])


def _place(session: Session, version: DocumentVersion, ordered: list[Section]) -> None:
    """Give ``ordered`` positions 1..n, in two steps so the unique position never clashes."""
    for offset, section in enumerate(ordered, start=1):
        section.position = -offset
    session.flush()
    for offset, section in enumerate(ordered, start=1):
        section.position = offset
    session.flush()


def _renumber_if_auto(sections: Sequence[Section], was_auto: bool) -> None:
    if not was_auto:
        return
    numbers = auto_numbers([s.level for s in sections], [bool(s.number) for s in sections])
    for section, number in zip(sections, numbers, strict=True):
        section.number = number


def edit_section(
    session: Session,
    actor: Actor,
    section: Section,
    heading: str,
    body_html: str,
    *,
    number: str | None = None,
    level: int | None = None,
) -> Section:
    version = section.version
    _require_draft(version)
    ordered = list(version.sections)
    was_auto = _is_auto_numbered(ordered)
    section.heading = plain_text(heading)[:500] or section.heading
    own = paragraphs.paragraphs_of(section.body_html, section.paragraph_anchors)
    section.body_html = sanitise_body(body_html)
    section.paragraph_anchors = _paragraphs_for(
        section,
        own + _before_paragraphs(session, version, section, {a for a, _ in own}),
        taken=(a for s in ordered if s is not section for a in s.paragraph_anchors or []),
    )
    if level is not None:
        section.level = max(1, min(MAX_LEVEL, level))
    if number is not None:
        section.number = number.strip()[:20]
    elif level is not None:
        _renumber_if_auto(ordered, was_auto)
    session.flush()
    return section


def _before_paragraphs(
    session: Session, version: DocumentVersion, section: Section, skip: set[str]
) -> list[tuple[str, str]]:
    """The blocks of the "same" section in the version before, except anchors in ``skip``:
    an edit that removes a paragraph and puts it back gets its anchor back."""
    before = session.scalar(
        select(Section)
        .join(DocumentVersion, DocumentVersion.id == Section.version_id)
        .where(
            DocumentVersion.document_id == version.document_id,
            DocumentVersion.number < version.number,
            Section.anchor == section.anchor,
        )
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    )
    if before is None:
        return []
    return [
        (a, t)
        for a, t in paragraphs.paragraphs_of(before.body_html, before.paragraph_anchors)
        if a not in skip
    ]


def add_section(
    session: Session,
    actor: Actor,
    version: DocumentVersion,
    heading: str,
    body_html: str,
    *,
    after: Section | None = None,
    level: int = 1,
    number: str | None = None,
) -> Section:
    """A new section after ``after`` (at the end when None), with a fresh anchor."""
    _require_draft(version)
    ordered = list(version.sections)
    was_auto = _is_auto_numbered(ordered)
    section = Section(
        version_id=version.id,
        position=len(ordered) + 1,
        anchor=new_anchor(s.anchor for s in ordered),
        heading=plain_text(heading)[:500] or "—",
        level=max(1, min(MAX_LEVEL, level)),
        number=(number or "").strip()[:20] if number is not None else ("?" if was_auto else ""),
        body_html=sanitise_body(body_html),
    )
    section.paragraph_anchors = _paragraphs_for(
        section, [], taken=(a for s in ordered for a in s.paragraph_anchors or [])
    )
    version.sections.append(section)
    session.flush()
    index = ordered.index(after) + 1 if after is not None and after in ordered else len(ordered)
    ordered.insert(index, section)
    _place(session, version, ordered)
    _renumber_if_auto(ordered, was_auto and number is None)
    session.flush()
    session.expire(version, ["sections"])
    return section


def remove_section(session: Session, actor: Actor, section: Section) -> None:
    version = section.version
    _require_draft(version)
    ordered = [s for s in version.sections if s is not section]
    was_auto = _is_auto_numbered(list(version.sections))
    version.sections.remove(section)
    session.flush()
    _place(session, version, ordered)
    _renumber_if_auto(ordered, was_auto)
    session.flush()


def move_section(session: Session, actor: Actor, section: Section, steps: int) -> bool:
    """Move ``section`` up (negative) or down; False when it is already at that end."""
    version = section.version
    _require_draft(version)
    ordered = list(version.sections)
    was_auto = _is_auto_numbered(ordered)
    index = ordered.index(section)
    target = max(0, min(len(ordered) - 1, index + steps))
    if target == index:
        return False
    ordered.insert(target, ordered.pop(index))
    _place(session, version, ordered)
    _renumber_if_auto(ordered, was_auto)
    session.flush()
    session.expire(version, ["sections"])
    return True


# -- locking ---------------------------------------------------------------------------------


def version_content(version: DocumentVersion) -> dict[str, Any]:
    """What the content hash covers: per section, in order, [anchor, number, heading, html]."""
    return {"sections": [[s.anchor, s.number, s.heading, s.body_html] for s in version.sections]}


def version_hash(version: DocumentVersion) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of :func:`version_content`."""
    return content_hash(version_content(version))


def lock_version(
    session: Session, version: DocumentVersion, at: datetime | None = None
) -> DocumentVersion:
    """Fix the version for good (idempotent: a locked version keeps its moment and hash).

    ``at`` is the moment it became fixed: a consultation's opening moment, also when the
    clock only notices a little later.
    """
    if version.is_locked:
        return version
    session.flush()
    session.refresh(version, ["sections"])
    version.content_hash = version_hash(version)
    version.locked_at = at or utcnow()
    session.flush()
    return version


# -- the guard -------------------------------------------------------------------------------


@event.listens_for(Section, "before_insert")
def _paragraphs_for_every_section(_mapper: Any, _connection: Any, section: Section) -> None:
    """A section written without the services (test data, an old import path) still gets
    its paragraph anchors, new and derived, so every stored body has them."""
    if not section.paragraph_anchors and section.body_html:
        texts = paragraphs.block_texts(section.body_html)
        section.paragraph_anchors = paragraphs.new_anchors(section.anchor, texts)


_VERSION_CONTENT = (
    "number",
    "document_id",
    "source",
    "change_note",
    "import_notes",
    "locked_at",
    "content_hash",
)


def _was_locked(version: DocumentVersion) -> bool:
    """Locked before this flush (a version created or locked in it may still be completed)."""
    state = inspect(version)
    if state.pending or state.transient:
        return False
    history = state.attrs.locked_at.history
    if history.has_changes():
        return any(value is not None for value in history.deleted)
    return version.locked_at is not None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_versions(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted) + list(session.new):
        if isinstance(obj, Section):
            version = obj.version
            if version is None and obj.version_id is not None:
                version = session.get(DocumentVersion, obj.version_id)
            if version is None or not _was_locked(version):
                continue
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            raise VersionLocked(version)
        elif isinstance(obj, DocumentVersion) and _was_locked(obj):
            if obj in session.deleted:
                raise VersionLocked(obj)
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _VERSION_CONTENT):
                raise VersionLocked(obj)
