"""The reactienota: generating, previewing, publishing and downloading its editions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reactienota", __name__)
