"""Platform administration: organisations and their verification."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/beheer")
