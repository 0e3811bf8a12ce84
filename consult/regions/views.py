"""Public region pages and the region's own admin page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("regions", __name__)


@bp.get("/regios")
def index() -> str:
    return "regions"
