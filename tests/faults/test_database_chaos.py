"""Database chaos under load: every answer is a page, a 503 with the friendly page, never a 500.

gunicorn serves ``wsgi:app`` on a PostgreSQL database of its own (in the SQLite pass too:
killing a server's connections is a PostgreSQL thing). Visitors read the consultation
page and send the comment form from several threads while a killer terminates every
connection of that database (``pg_terminate_backend``) again and again, so requests lose
their connection before, during and after their queries and commits. Every response is
counted by status: none may be a 500, each 503 must be the friendly page, and every
receipt a visitor got must lead to a stored submission.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from consult.comments.models import Submission
from tests.comments.conftest import form_tokens, valid_data
from tests.faults.conftest import TRACKING_CODE, gunicorn

LOCAL_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOAD_SECONDS = 8
VISITORS = 4
KILL_EVERY = (0.05, 0.25)
FRIENDLY = "Consult is briefly unavailable"


@pytest.fixture
def database_server_url(database_server_url: str | None) -> str:
    """The world on PostgreSQL whatever the pass: the chaos kills its server connections."""
    return database_server_url or LOCAL_POSTGRESQL


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.unfriendly: list[str] = []
        self.receipts: list[str] = []

    def count(self, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            html = "text/html" in response.headers.get("Content-Type", "")
            if response.status_code == 503 and html and FRIENDLY not in response.text:
                self.unfriendly.append(response.text[:300])


def visit(base_url: str, slug: str, tally: Tally, stop: threading.Event, number: int) -> None:
    http = requests.Session()
    http.headers.update({"Accept-Language": "en", "X-Forwarded-For": f"10.9.0.{number}"})
    page_url = f"{base_url}/consultaties/{slug}"
    form_url = f"{page_url}/reageren"
    sent = 0
    while not stop.is_set():
        try:
            tally.count(http.get(page_url, timeout=20))
            form = http.get(form_url, timeout=20)
            tally.count(form)
            if form.status_code != 200:
                continue
            sent += 1
            fields = {**form_tokens(form.text), **valid_data(text_1=f"Chaos {number}-{sent}")}
            answer = http.post(
                form_url,
                files={name: (None, value) for name, value in fields.items()},
                allow_redirects=False,
                timeout=20,
            )
            tally.count(answer)
            found = TRACKING_CODE.search(answer.headers.get("Location", ""))
            if answer.status_code == 302 and found:
                with tally.lock:
                    tally.receipts.append(found.group(1))
        except requests.RequestException:
            continue  # a dropped connection is not an answer; the next round tries again


def kill_connections(database_url: str, stop: threading.Event, killed: list[int]) -> None:
    name = make_url(database_url).database
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    rng = random.Random(5)
    try:
        with admin.connect() as connection:
            while not stop.is_set():
                time.sleep(rng.uniform(*KILL_EVERY))
                rows = connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                ).all()
                killed.append(len(rows))
    finally:
        admin.dispose()


def test_killed_database_connections_answer_503_never_500(world, tmp_path):
    # Development settings: over plain http the production session cookie (Secure) would
    # not come back, and no form could be sent. Errors are handled by the same handlers.
    env = world.env(REDIS_URL="")
    tally = Tally()
    killed: list[int] = []
    stop = threading.Event()
    with gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        threads = [
            threading.Thread(target=visit, args=(server.base_url, world.slug, tally, stop, n))
            for n in range(VISITORS)
        ]
        killer = threading.Thread(target=kill_connections, args=(world.database_url, stop, killed))
        for thread in [*threads, killer]:
            thread.start()
        time.sleep(LOAD_SECONDS)
        stop.set()
        for thread in [*threads, killer]:
            thread.join(timeout=30)
        log = server.log

    answered = sum(tally.statuses.values())
    print(
        f"\ndatabase chaos: {answered} answers {dict(sorted(tally.statuses.items()))}, "
        f"{sum(killed)} connections killed in {len(killed)} rounds"
    )
    assert answered > 50, log[-3000:]
    assert sum(killed) > 10  # the chaos happened: connections were in use and were killed
    assert tally.statuses[500] == 0, log[-5000:]
    assert not tally.unfriendly, tally.unfriendly[:3]
    assert set(tally.statuses) <= {200, 302, 303, 429, 503}, tally.statuses

    # Every receipt a visitor got leads to a stored submission, chaos or not.
    assert tally.receipts
    engine = world.engine()
    try:
        with Session(engine) as session:
            stored = set(
                session.scalars(
                    select(Submission.tracking_code).where(
                        Submission.tracking_code.in_(tally.receipts)
                    )
                )
            )
    finally:
        engine.dispose()
    assert stored == set(tally.receipts)
