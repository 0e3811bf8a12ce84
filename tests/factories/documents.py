"""Documents and their versions, with sections."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from consult.documents.services import version_hash
from tests.factories.regions import region

SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    ("Wat we willen bereiken", "<p>Jeugdhulp dichtbij huis.</p>"),
    ("Hoe we samenwerken", "<p>Gemeenten kopen samen in.</p>"),
]


def document_version(
    session: Session,
    region_code: str = "JZ22",
    *,
    title: str = "Regiovisie jeugdhulp 2026-2030",
    sections: list[tuple[str, str]] | None = None,
    number: int = 1,
    document: Document | None = None,
    locked: bool = False,
) -> DocumentVersion:
    """A version with sections given as (heading, html); anchors s-1, s-2, ..."""
    if document is None:
        document = Document(
            region=region(session, region_code), title=title, summary="Samenvatting."
        )
        session.add(document)
    version = DocumentVersion(
        document=document,
        number=number,
        source=VersionSource.EDITOR,
        locked_at=utcnow() if locked else None,
    )
    session.add(version)
    for position, (heading, html) in enumerate(
        sections if sections is not None else SECTIONS, start=1
    ):
        session.add(
            Section(
                version=version,
                position=position,
                anchor=f"s-{position}",
                number=str(position),
                heading=heading,
                body_html=html,
            )
        )
    if locked:  # as documents.services.lock_version leaves it: fixed, with its hash
        version.content_hash = version_hash(version)
    session.flush()
    return version
