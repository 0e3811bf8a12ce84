"""Helpers for the consultation workspace tests."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event

from consult.consultations import lifecycle
from consult.db import utcnow
from consult.extensions import db
from tests import factories
from tests.conftest import log_in


@pytest.fixture
def official(session):
    return factories.region_user(session, "official", "JZ22", email="anne@utrecht.example")


@pytest.fixture
def logged_in(english_client, official):
    log_in(english_client, official.email)
    return english_client


@pytest.fixture(autouse=True)
def _fresh_clock(app: Flask):
    """Each test starts with a clock that ticks on the next request."""
    lifecycle.clock_for(app).reset()
    yield
    lifecycle.clock_for(app).reset()


def text_of(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return re.sub(r" ([.,:;)])", r"\1", text).replace("( ", "(")


def at(days: float = 0, **kwargs):
    return utcnow() + timedelta(days=days, **kwargs)


@contextmanager
def count_queries(app: Flask):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
