"""A client that retries at once (two requests with one Idempotency-Key at the same moment),
against a database of its own where each request commits for real: one submission, and
both answers are its receipt. On PostgreSQL the unique key makes the second insert wait
and fail; on SQLite the second writer may find the database locked and tries again."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from consult.comments.models import Submission
from consult.evidence.verify import verify
from consult.extensions import db
from consult.organisations.models import ApiSubmission
from tests import factories
from tests.api.tokens_world import body, send
from tests.comments.test_concurrency import racing_app  # noqa: F401 (a fixture)

ROUNDS = 4


def _race(app, slug: str, secret: str, round_: int) -> list:
    """Two clients send one body with one key at the same moment; the responses."""
    clients = [app.test_client(), app.test_client()]
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def post(index: int) -> None:
        try:
            start.wait(timeout=10)
            responses[index] = send(
                clients[index],
                slug,
                body(comments=[{"section": None, "text": f"Ronde {round_}"}]),
                secret=secret,
                key=f"ronde-{round_:04d}",
            )
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def test_the_same_key_sent_twice_at_once_stores_one_submission(racing_app) -> None:  # noqa: F811
    session = db.state(racing_app).session_factory()
    session.info["app"] = racing_app
    consultation = factories.consultation(session)
    admin = factories.user(session, "beheer@race.example.org")
    organisation = factories.organisation(session, "Racende Raad", verified=True, admins=(admin,))
    secret = factories.api_token(session, organisation, admin).secret
    slug = consultation.slug
    session.commit()
    session.close()

    for round_ in range(ROUNDS):
        responses = _race(racing_app, slug, secret, round_)
        assert [r.status_code for r in responses] == [201, 201], [
            r.get_data(as_text=True)[:2000] for r in responses
        ]
        assert len({r.get_json()["tracking_code"] for r in responses}) == 1

    check = db.state(racing_app).session_factory()
    try:
        assert check.scalar(select(func.count()).select_from(Submission)) == ROUNDS
        assert check.scalar(select(func.count()).select_from(ApiSubmission)) == ROUNDS
        with racing_app.app_context():
            report = verify(check)
        assert report.ok, list(report.failures)
    finally:
        check.close()
