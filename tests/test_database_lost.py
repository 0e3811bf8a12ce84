"""Losing the database answers 503 with the friendly page (HTML) or a problem (API), with
Retry-After, never a 500 (issue 18, point 4). The database really goes away: on SQLite its
directory is removed and the pool's open connections closed; on PostgreSQL the database is
dropped, which terminates the app's connections (pg_terminate_backend) from another
connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from consult.app import create_app
from consult.extensions import db
from tests.conftest import FreshDatabase, app_settings


@pytest.fixture
def doomed(tmp_path, smtp_server, fresh_database: FreshDatabase) -> Iterator[tuple[Flask, object]]:
    """An app on a database of its own, and a function that makes that database go away."""
    controller, _ = smtp_server
    app = create_app(
        app_settings(fresh_database.url, tmp_path / "instance", controller.port), "testing"
    )

    def lose() -> None:
        # On PostgreSQL DROP ... WITH (FORCE) terminates the app's pooled connections first
        # (pg_terminate_backend); SQLite's file and folder go.
        fresh_database.drop()
        if fresh_database.url.startswith("sqlite"):
            db.state(app).engine.dispose()  # what a restart of the pool after a crash does

    try:
        yield app, lose
    finally:
        db.state(app).engine.dispose()


def test_a_page_answers_503_with_the_friendly_page_when_the_database_goes_away(doomed) -> None:
    app, lose = doomed
    client = app.test_client()
    before = client.get("/regios", headers={"Accept-Language": "en"})
    assert before.status_code == 200
    lose()
    for language, words in (
        ("en", "Consult is briefly unavailable"),
        ("nl", "Consult is even niet beschikbaar"),
    ):
        response = client.get("/regios", headers={"Accept-Language": language})
        assert response.status_code == 503, response.get_data(True)[:500]
        assert response.mimetype == "text/html"
        assert words in response.get_data(as_text=True)
        assert int(response.headers["Retry-After"]) > 0


def test_the_api_answers_503_problem_json_when_the_database_goes_away(doomed) -> None:
    app, lose = doomed
    client = app.test_client()
    assert client.get("/api/v1/regions").status_code == 200
    lose()
    response = client.get("/api/v1/regions", headers={"Accept-Language": "en"})
    assert response.status_code == 503, response.get_data(True)[:500]
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 503
    assert "database" in problem["detail"]
    assert int(response.headers["Retry-After"]) > 0
    # A write too: its API key is checked against the database that is gone.
    written = client.post(
        "/api/v1/consultations/x/submissions",
        json={},
        headers={
            "Authorization": "Bearer consult_0123456789ab_" + "A" * 43,
            "Idempotency-Key": "k1",
        },
    )
    assert written.status_code == 503, written.get_data(True)[:500]
    assert written.mimetype == "application/problem+json"
