"""kill -9 under load: nothing a visitor got a receipt for is lost, nothing is stored twice.

gunicorn serves ``wsgi:app`` with a few workers on a database of its own. Visitors send
the real comment form (CSRF token, form key) from many threads while a killer sends
SIGKILL to a random worker again and again; gunicorn starts a new one each time. A
visitor whose request dies with its worker sends the same form again, as a browser's
reload does. Afterwards every receipt must lead to a stored submission with its
``submission_received`` event, ``consult record verify`` must pass, and no form may have
been stored twice.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import signal
import threading
import time
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.comments.models import Comment, Submission
from consult.ledger.models import RecordEvent
from tests.faults.conftest import Sent, Visitor, gunicorn

WORKERS = 3
THREADS = 6
# The load stops once the killer has killed this many workers (or at the deadline).
KILLS = 4
LOAD_SECONDS = 25
MAX_VISITORS = 300
# Seconds between kills, at random.
KILL_EVERY = (0.5, 1.0)


class Killer(threading.Thread):
    """SIGKILLs a random worker that serves requests, every second or two, until told to
    stop; one ready worker is always left, so the load never stops altogether."""

    def __init__(self, server, rng: random.Random) -> None:
        super().__init__(name="killer", daemon=True)
        self.server = server
        self.rng = rng
        self.stop = threading.Event()
        self.kills: list[int] = []

    def run(self) -> None:
        while not self.stop.wait(self.rng.uniform(*KILL_EVERY)):
            ready = self.server.ready_workers()
            if len(ready) < 2:
                continue
            victim = self.rng.choice(ready)
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills.append(victim)


def test_killed_workers_lose_no_acknowledged_submission(world, tmp_path):
    env = world.env(**_redis_settings())
    sent: list[Sent] = []
    numbers = itertools.count(1)
    lock = threading.Lock()
    stop = threading.Event()

    with gunicorn(env, tmp_path / "gunicorn.log", workers=WORKERS, announce_ready=True) as server:

        def visitor_thread() -> None:
            while not stop.is_set():
                with lock:
                    number = next(numbers)
                if number > MAX_VISITORS:
                    return
                address = f"10.{number // 250}.{number % 250}.1"
                visitor = Visitor(server.base_url, world.slug, address)
                result = visitor.send(f"Reactie nummer {number} onder vuur.")
                with lock:
                    sent.append(result)

        killer = Killer(server, random.Random())
        threads = [threading.Thread(target=visitor_thread) for _ in range(THREADS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        killer.start()
        while len(killer.kills) < KILLS and time.monotonic() - started < LOAD_SECONDS:
            time.sleep(0.1)
        killer.stop.set()
        killer.join(timeout=5)
        # A moment for the last kill's victims to come back, then the visitors stop.
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a visitor hangs"
    log = server.log

    # The test proves something only if workers died under the load and took requests
    # with them: visitors had to send again.
    assert len(killer.kills) >= KILLS - 1, (killer.kills, log[-3000:])
    for pid in killer.kills:  # gunicorn saw each death (and started a new worker)
        assert f"(pid:{pid}) was sent SIGKILL" in log, log[-3000:]
    assert sum(s.retries for s in sent) > 0, "no request was hit by a kill"
    assert len(sent) >= 15, f"only {len(sent)} submissions in the load"

    # Every visitor got a receipt in the end (a reload answers with the same one).
    problems = [(s.text, s.problem) for s in sent if s.code is None]
    assert not problems, problems

    engine = world.engine()
    try:
        with Session(engine) as session:
            stored = session.execute(
                select(Submission.tracking_code, Submission.idempotency_key)
            ).all()
            texts = session.scalars(select(Comment.body)).all()
            events = set(
                session.scalars(
                    select(RecordEvent.object_id).where(RecordEvent.kind == "submission_received")
                )
            )
    finally:
        engine.dispose()

    codes = {code for code, _key in stored}
    for submission in sent:
        assert submission.code in codes, f"receipt {submission.code} has no submission"
        assert submission.code in events, f"receipt {submission.code} is not in the record"
    # Nothing twice: one submission per form key, one comment per text sent.
    assert len(codes) == len(stored)
    keys = Counter(key for _code, key in stored)
    assert keys.most_common(1)[0][1] == 1, keys.most_common(3)
    twice = [text for text, count in Counter(texts).items() if count > 1]
    assert not twice, twice
    # And nothing else: every stored comment is one a visitor sent.
    assert set(texts) <= {s.text for s in sent}
    assert {s.key for s in sent} == set(keys)

    verified = world.consult("record", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "the record verifies" in verified.stdout
    counted = re.search(r"([\d,]+) events", verified.stdout)
    assert counted, verified.stdout
    assert int(counted.group(1).replace(",", "")) >= len(events) >= len(sent)


def _redis_settings() -> dict[str, str]:
    """On the PostgreSQL pass the limits live on Redis, as in production."""
    url = os.environ.get("CONSULT_TEST_REDIS_URL")
    return {"REDIS_URL": url} if url else {}
