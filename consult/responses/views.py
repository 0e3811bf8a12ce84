"""The answering workspace: comments with filters, drafting, approving, publishing answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("responses", __name__)
