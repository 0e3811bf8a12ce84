"""Two requests with the same form at the same moment, against a database of their own.

The usual tests share one rolled-back transaction, which serialises everything. Here a
separate app and database commit for real, and two browsers' worth of requests race: a
double click that the browser sends twice, each on its own connection. On PostgreSQL the
unique key makes the second insert wait and fail, and it answers with the first one's
receipt; on SQLite the second writer may find the database locked and must try again
rather than fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from consult.app import create_app
from consult.comments.models import Submission
from consult.extensions import db
from tests import factories
from tests.comments.conftest import form_tokens, post_form, valid_data
from tests.conftest import FreshDatabase, app_settings, make_client

ROUNDS = 5


@pytest.fixture
def racing_app(tmp_path, fresh_database: FreshDatabase, smtp_server) -> Iterator:
    controller, _ = smtp_server
    app = create_app(app_settings(fresh_database.url, tmp_path, controller.port), "testing")
    try:
        yield app
    finally:
        db.state(app).engine.dispose()
        fresh_database.drop()


def _race(slug: str, clients: list, data: dict) -> list:
    """POST the same form from every client at the same moment; the responses in order."""
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def send(index: int) -> None:
        try:
            start.wait(timeout=10)
            responses[index] = post_form(clients[index], slug, {}, data)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def test_the_same_form_sent_twice_at_once_stores_one_submission(racing_app, outbox):
    session = db.state(racing_app).session_factory()
    consultation = factories.consultation(session)
    slug = consultation.slug
    session.commit()
    session.close()
    cookie_name = racing_app.config["SESSION_COOKIE_NAME"]

    for round_ in range(ROUNDS):
        first = make_client(racing_app, "en")
        tokens = form_tokens(first.get(f"/consultaties/{slug}/reageren").get_data(as_text=True))
        # The same browser (its session cookie) sending the form twice, as a double click.
        second = make_client(racing_app, "en")
        cookie = first.get_cookie(cookie_name, domain="consult.test")
        assert cookie is not None
        second.set_cookie(cookie_name, cookie.value, domain="consult.test")

        responses = _race(slug, [first, second], {**tokens, **valid_data(text_1=f"Ronde {round_}")})
        statuses = [r.status_code for r in responses]
        assert statuses == [302, 302], [r.get_data(as_text=True)[:2000] for r in responses]
        assert responses[0].location == responses[1].location
        assert responses[0].location.endswith("/bewijs")

    check = db.state(racing_app).session_factory()
    try:
        assert check.scalar(select(func.count()).select_from(Submission)) == ROUNDS
    finally:
        check.close()
    assert len(outbox.to("ouder@example.org")) == ROUNDS
