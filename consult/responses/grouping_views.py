"""Groups of near-identical comments: the automatic grouping and its edits."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grouping", __name__)
