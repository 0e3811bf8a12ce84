"""kill -9 under load: nothing a visitor got a receipt for is lost, nothing is stored twice.

gunicorn serves ``wsgi:app`` with a few workers on a database of its own. Visitors send
the real comment form (CSRF token, form key) from many threads while a killer sends
SIGKILL to a random worker again and again; gunicorn starts a new one each time. A
visitor whose request dies with its worker sends the same form again, as a browser's
reload does. Afterwards every receipt must lead to a stored submission with its
``submission_received`` event, ``consult record verify`` must pass, and no form may have
been stored twice.

The confirmation mails go through the outbox: each acknowledged submission must have
exactly one receipt at the test's SMTP server once the outbox has drained, none lost and
none twice. With Redis (the PostgreSQL pass) a separate ``consult jobs worker`` delivers
them, as in production; without, the embedded thread of each gunicorn worker does, and is
killed with it (a mail accepted just before such a kill is sent again with the same
Message-ID, which a mail program recognises: there, one Message-ID per receipt counts).

The load stops after a few kills (about half a minute) unless
``CONSULT_FAULT_SUBMISSIONS`` asks for a number of submissions (the acceptance run:
``CONSULT_FAULT_SUBMISSIONS=2000`` on PostgreSQL with Redis); the counts are printed.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.comments.models import Comment, Submission
from consult.config import PROJECT_ROOT
from consult.ledger.models import RecordEvent
from consult.outbox import OutboxMail, OutboxState
from tests.conftest import free_port
from tests.faults.conftest import Sent, Visitor, gunicorn, wait_for
from tests.live import BIN

WORKERS = 3
THREADS = 6
# The load stops once the killer has killed this many workers (or at the deadline).
KILLS = 4
LOAD_SECONDS = 25
MAX_VISITORS = 300
# The acceptance run asks for this many submissions instead (all under kills).
SUBMISSIONS = int(os.environ.get("CONSULT_FAULT_SUBMISSIONS") or 0)
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


class Mailbox:
    """The test's SMTP server: every message it accepted, as (recipient, Message-ID)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient.lower(), str(message["Message-ID"])))
        return "250 Message accepted for delivery"


@contextmanager
def outbox_worker(env: dict[str, str], log_path):
    """``consult jobs worker`` on Redis (the mails' deliverer in production), or nothing:
    without Redis the app's own threads deliver."""
    if "CONSULT_REDIS_URL" not in env:
        yield None
        return
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "consult"), "jobs", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def mailbox():
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    box.port = smtp.port
    try:
        yield box
    finally:
        smtp.stop()


# The acceptance run takes a while: about a second per submission on a small machine.
@pytest.mark.timeout(max(300, 3 * SUBMISSIONS))
def test_killed_workers_lose_no_acknowledged_submission(world, tmp_path, mailbox):
    env = world.env(
        **_redis_settings(),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(mailbox.port),
        MAIL_USE_TLS="0",
        # A mail whose deliverer was killed mid-send is taken over soon, and the poll
        # finds the mails whose wake-up died with a worker.
        OUTBOX_CLAIM_TIMEOUT_SECONDS="5",
        OUTBOX_POLL_SECONDS="1",
    )
    sent: list[Sent] = []
    numbers = itertools.count(1)
    lock = threading.Lock()
    stop = threading.Event()
    most = SUBMISSIONS or MAX_VISITORS

    with (
        outbox_worker(env, tmp_path / "worker.log") as worker,
        gunicorn(env, tmp_path / "gunicorn.log", workers=WORKERS, announce_ready=True) as server,
    ):

        def visitor_thread() -> None:
            while not stop.is_set():
                with lock:
                    number = next(numbers)
                if number > most:
                    return
                address = f"10.{number // 250}.{number % 250}.1"
                visitor = Visitor(server.base_url, world.slug, address)
                result = visitor.send(
                    f"Reactie nummer {number} onder vuur.", email=f"bezoeker{number}@example.org"
                )
                with lock:
                    sent.append(result)

        killer = Killer(server, random.Random())
        threads = [threading.Thread(target=visitor_thread) for _ in range(THREADS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        killer.start()
        if SUBMISSIONS:  # kills all along, until every submission is sent
            while any(thread.is_alive() for thread in threads):
                time.sleep(0.2)
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
        loaded = time.monotonic()
        # The outbox drains: by the worker, or by the threads of the workers still alive.
        engine = world.engine()
        try:
            wait_for(
                lambda: _undelivered(engine) == 0,
                seconds=90,
                what=f"the outbox draining ({_undelivered(engine)} left)",
            )
        finally:
            engine.dispose()
        drained = time.monotonic()
        assert worker is None or worker.poll() is None, (tmp_path / "worker.log").read_text()
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

    # Each acknowledged submission has exactly one confirmation mail: none lost, none twice.
    acknowledged = {f"bezoeker{_number(s.text)}@example.org" for s in sent if s.code}
    message_ids: dict[str, set[str]] = defaultdict(set)
    copies = Counter()
    for recipient, message_id in mailbox.received:
        message_ids[recipient].add(message_id)
        copies[recipient] += 1
    lost = sorted(acknowledged - set(message_ids))
    twice = sorted(r for r, ids in message_ids.items() if len(ids) > 1)
    again = sorted(r for r, count in copies.items() if count > len(message_ids[r]))
    print(
        f"\nkill -9 under load: {len(acknowledged)} acknowledged, {len(stored)} stored, "
        f"{len(mailbox.received)} mails ({len(message_ids)} recipients), {len(twice)} twice, "
        f"{len(again)} sent again with the same Message-ID, {len(lost)} lost; "
        f"{len(killer.kills)} workers killed, {sum(s.retries for s in sent)} retries; "
        f"load {loaded - started:.0f} s, outbox drained {drained - loaded:.0f} s later"
    )
    assert not lost, lost[:10]
    assert not twice, twice[:10]
    assert set(message_ids) == acknowledged
    if worker is not None:  # the deliverer was never killed: not even a redelivery
        assert not again, again[:10]
    assert len(mailbox.received) == len(acknowledged) + len(again)

    verified = world.consult("record", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "the record verifies" in verified.stdout
    counted = re.search(r"([\d,]+) events", verified.stdout)
    assert counted, verified.stdout
    assert int(counted.group(1).replace(",", "")) >= len(events) >= len(sent)


def _number(text: str) -> int:
    return int(re.search(r"Reactie nummer (\d+) ", text).group(1))


def _undelivered(engine) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMail)
            .where(OutboxMail.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
        )


def _redis_settings() -> dict[str, str]:
    """On the PostgreSQL pass the limits live on Redis, as in production."""
    url = os.environ.get("CONSULT_TEST_REDIS_URL")
    return {"REDIS_URL": url} if url else {}
