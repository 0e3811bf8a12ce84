"""What every page of one region does first: find it by its code, upper case."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from werkzeug.wrappers import Response

from consult.extensions import db
from consult.regions import services
from consult.regions.models import Region


def region_or_404(code: str) -> Region:
    region = services.get_region(db.session, code)
    if region is None:
        abort(404)
    return region


def canonical_redirect(code: str) -> Response | None:
    """Region codes are upper case; a lower-case address moves there for good."""
    if code != code.upper():
        args = {**request.view_args, "code": code.upper()} if request.view_args else {}
        return redirect(url_for(request.endpoint or "regions.index", **args), 301)
    return None
