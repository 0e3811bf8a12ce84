"""Accounts: registration, log-in, passwords, and the roles people hold."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts import sessions
from consult.accounts.models import User
from consult.extensions import db


def init_app(app: Flask, login_manager: LoginManager) -> None:

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to open this page.")
    login_manager.login_message_category = "info"
    # "basic": a phone that changes networks keeps its session. What really ends sessions is
    # the nonce in the session id (new password, "log out everywhere"); "strong" would key on
    # X-Forwarded-For, which the client controls, and log people out on every network change.
    login_manager.session_protection = "basic"
    sessions.init_app(app)

    if app.config.get("TESTING") and app.config.get("FAST_PASSWORD_HASHING", True):
        from consult.accounts.passwords import configure_for_tests

        configure_for_tests()

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        user_id, _, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        user = db.session.scalar(
            select(User).where(User.id == int(user_id)).options(selectinload(User.region_roles))
        )
        if user is None or user.session_nonce != nonce:
            return None
        return user
