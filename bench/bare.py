"""The bare baseline: Flask and SQLAlchemy, one table, nothing else.

``POST /comments`` inserts one row and commits; ``GET /comments`` lists the latest 50 rows
through a Jinja template. No CSRF, no validation beyond a length check, no receipt, no
record, no mail: what any Flask app on this database and server costs at least, for the
ratios in ``python -m bench``. Served by gunicorn as ``bench.bare:from_environment()``.

The same three requests as Consult's full path, bare: ``GET /form`` renders a form with a
token in a hidden field, ``POST /form`` checks that the token is one the app signed,
inserts and commits, and redirects to ``GET /comments/<id>``, which reads the row back and
renders a receipt. Still no session, no validation, no record, no mail: the floor of a
path with three pages.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, redirect, render_template_string, request
from sqlalchemy import DateTime, String, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

ENVIRONMENT_KEY = "CONSULT_BENCH_BARE_DATABASE_URL"
LIST_TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Reacties</title></head>
<body><main><h1>Reacties</h1><ol>
{% for row in rows %}<li><p>{{ row.body }}</p><p>{{ row.created_at }}</p></li>{% endfor %}
</ol></main></body></html>"""

FORM_TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Reageer</title></head>
<body><main><h1>Reageer</h1><form method="post" action="/form">
<input type="hidden" name="token" value="{{ token }}">
<label for="body">Jouw reactie</label><textarea id="body" name="body"></textarea>
<label for="email">E-mailadres</label><input id="email" name="email" type="email">
<button type="submit">Verstuur</button></form></main></body></html>"""
RECEIPT_TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Ontvangen</title></head>
<body><main><h1>Ontvangen</h1><p>Reactie {{ row.id }}, {{ row.created_at }}</p>
<blockquote>{{ row.body }}</blockquote></main></body></html>"""


class Base(DeclarativeBase):
    pass


class BareComment(Base):
    __tablename__ = "bare_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_tables(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def create_bare_app(url: str) -> Flask:
    app = Flask(__name__)
    connect_args = {"timeout": 5} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args)
    sessions = sessionmaker(engine)
    app.extensions["bare.engine"] = engine

    @app.post("/comments")
    def store() -> tuple[str, int]:
        body = request.form.get("body", "")
        if not body or len(body) > 10_000:
            abort(422)
        with sessions() as session:
            session.add(
                BareComment(
                    body=body,
                    email=request.form.get("email", ""),
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()
        return "stored", 201

    key = secrets.token_bytes(32)

    def signed(nonce: str) -> str:
        return hmac.new(key, nonce.encode(), "sha256").hexdigest()

    @app.get("/form")
    def form() -> str:
        nonce = secrets.token_hex(16)
        return render_template_string(FORM_TEMPLATE, token=f"{nonce}.{signed(nonce)}")

    @app.post("/form")
    def take() -> Any:
        nonce, _, signature = request.form.get("token", "").partition(".")
        if not hmac.compare_digest(signature, signed(nonce)):
            abort(400)
        body = request.form.get("body", "")
        if not body or len(body) > 10_000:
            abort(422)
        with sessions() as session:
            row = BareComment(
                body=body, email=request.form.get("email", ""), created_at=datetime.now(UTC)
            )
            session.add(row)
            session.commit()
            return redirect(f"/comments/{row.id}", 302)

    @app.get("/comments/<int:number>")
    def receipt(number: int) -> str:
        with sessions() as session:
            row = session.get(BareComment, number)
            if row is None:
                abort(404)
            return render_template_string(RECEIPT_TEMPLATE, row=row)

    @app.get("/comments")
    def listing() -> str:
        with sessions() as session:
            rows = session.scalars(
                select(BareComment).order_by(BareComment.id.desc()).limit(50)
            ).all()
            return render_template_string(LIST_TEMPLATE, rows=rows)

    return app


def from_environment() -> Flask:
    """gunicorn's entry point: the database named by ``CONSULT_BENCH_BARE_DATABASE_URL``."""
    return create_bare_app(os.environ[ENVIRONMENT_KEY])
