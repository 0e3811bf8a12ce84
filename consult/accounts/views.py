"""Register, confirm, log in and out, and manage one's own account."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.get("/inloggen")
def login() -> str:
    return "login"


@bp.get("/")
def overview() -> str:
    return "account"


@bp.post("/uitloggen")
def logout() -> str:
    return "logout"
