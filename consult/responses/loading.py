"""Loading a consultation for the region's team, the one way every answering page does it.

The region and consultation come from the URL; the consultation is only looked up within
that region, so a slug of another region's consultation gives 404, as it does for anyone
outside the team (the consultation's work is not public). A team member who may look but
not do what the page does is told so (403).
"""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.moderation.services import consultation_in_region
from consult.permissions import authorize
from consult.regions.models import Region
from consult.regions.services import get_region


def team_consultation(
    code: str, slug: str, permission: str, *, act: str | None = None
) -> tuple[Region, Consultation]:
    """Region and consultation for someone holding ``permission`` (else 404), and ``act``
    (else 403) when given."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    region = get_region(db.session, code)
    if region is None:
        abort(404)
    consultation = consultation_in_region(db.session, region.id, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, permission, consultation, hide=True)
    if act is not None:
        authorize(current_user, act, consultation)
    return region, consultation
