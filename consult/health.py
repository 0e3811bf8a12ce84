"""Is Consult able to work? For start-up checks and for the load balancer's health probe."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from consult.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@dataclass
class ServiceStatus:
    name: str
    ok: bool
    detail: str


def check_database(app: Flask) -> ServiceStatus:
    label = make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)
    try:
        with db.state(app).engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return ServiceStatus("database", False, f"cannot reach the database at {label} ({reason})")
    return ServiceStatus("database", True, label)


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def check_redis(app: Flask) -> ServiceStatus | None:
    raw_url = app.config.get("REDIS_URL")
    if not raw_url:
        return None
    url = without_password(raw_url)
    import redis

    try:
        redis.Redis.from_url(raw_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return ServiceStatus("redis", False, f"cannot reach Redis at {url} ({exc})")
    return ServiceStatus("redis", True, url)


def check_at_start(app: Flask) -> str | None:
    """A one-line reason not to start, or None. Redis down is a warning: limits fall back."""
    database = check_database(app)
    if not database.ok:
        return f"{database.detail}. Is it running, and is CONSULT_DATABASE_URL right?"
    cache = check_redis(app)
    if cache is not None and not cache.ok:
        log.warning(
            "%s; rate limits fall back to this process's memory until it is back", cache.detail
        )
    return None


@bp.get("/health")
def health() -> ResponseReturnValue:
    statuses = [s for s in (check_database(current_app), check_redis(current_app)) if s]
    healthy = all(s.ok for s in statuses if s.name == "database")
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({s.name: "ok" if s.ok else "unavailable" for s in statuses})
    return jsonify(body), 200 if healthy else 503
