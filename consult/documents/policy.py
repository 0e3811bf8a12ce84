"""Who may write a region's documents, and who may read a version.

The object's region decides, never an id in the URL.
"""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


@rule(Permission.REGION_DOCUMENTS_MANAGE)
def manage_documents(actor: Actor | None, region: Any) -> bool:
    """Create documents and versions, import and edit drafts (target: the region)."""
    return holds(actor, region.id, OFFICIAL)


@rule(Permission.DOCUMENT_VERSION_VIEW)
def view_document_version(actor: Actor | None, version: Any) -> bool:
    """Anyone, once locked (it was or is open for comment); before that the region's team."""
    if version.is_locked:
        return True
    return holds(actor, version.document.region_id, OFFICIAL, MODERATOR, RESPONDER)
