"""Tracing changes: which answers (and so which comments) changed which sections."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tracing", __name__)
