"""Redis unreachable, from the start or going away mid-run: submitting still works.

Rate limits fall back to the worker's memory (and say so in the log), a background job
that cannot be queued on Redis runs in the app server instead (and says so), and every
submission is stored with its ``submission_received`` event and its confirmation mail.
The server is a real gunicorn (``wsgi:app``) on a database of its own.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.comments.models import Submission
from consult.follows.models import Frequency, TargetKind
from consult.follows.services import follow
from consult.ledger.models import RecordEvent
from tests import factories
from tests.conftest import free_port, redis_for_tests
from tests.faults.conftest import Visitor, gunicorn, wait_for

# The Redis every development and CI machine runs (as in tests/test_jobs.py).
REDIS_URL = redis_for_tests()
LIMITS_FELL_BACK = "Rate limit storage unreachable - falling back to in-memory storage"
JOB_RAN_HERE = "running it in this process instead"


def _mail_settings(smtp_server) -> dict[str, str]:
    controller, _ = smtp_server
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port), "MAIL_USE_TLS": "0"}


def _stored(world, code: str) -> tuple[bool, bool]:
    """Whether the submission with ``code`` is stored, and its arrival is in the record."""
    engine = world.engine()
    try:
        with Session(engine) as session:
            stored = session.scalar(select(Submission.id).where(Submission.tracking_code == code))
            event = session.scalar(
                select(RecordEvent.id).where(
                    RecordEvent.kind == "submission_received", RecordEvent.object_id == code
                )
            )
    finally:
        engine.dispose()
    return stored is not None, event is not None


def _follower_and_consultation_about_to_open(world) -> str:
    """A person who follows a region at once, and a consultation there whose opening
    moment has just passed: the server's clock opens it and queues the follower's mail."""
    engine = world.engine()
    try:
        with Session(engine) as session:
            person = factories.user(session, "volger@example.org")
            consultation = factories.consultation(
                session, state="scheduled", opens_in_days=-1 / 24 / 60, slug="bijna-open"
            )
            follow(session, person, TargetKind.REGION, consultation.region_id, Frequency.IMMEDIATE)
            session.commit()
            return consultation.title
    finally:
        engine.dispose()


def test_with_redis_unreachable_submitting_works_and_nothing_is_lost(
    world, tmp_path, smtp_server, outbox
):
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    title = _follower_and_consultation_about_to_open(world)
    env = world.env(REDIS_URL=nobody, **_mail_settings(smtp_server))

    with gunicorn(env, tmp_path / "gunicorn.log") as server:
        visitor = Visitor(server.base_url, world.slug, "10.1.2.3")
        first = visitor.send("Eerste reactie zonder Redis.", email="een@example.org")
        second = visitor.send("Tweede reactie zonder Redis.", email="twee@example.org")
        assert first.code, (first, server.log[-3000:])
        assert second.code, (second, server.log[-3000:])
        assert (first.retries, second.retries) == (0, 0)
        # The limits were counted, in memory: the second post has one left fewer.
        remaining = [int(r) for r in visitor.remaining]
        assert remaining[1] == remaining[0] - 1, remaining

        # The background job (the follower's mail) could not be queued and ran here; the
        # outbox could not wake the worker and sent the mails from here.
        follower = wait_for(lambda: outbox.to("volger@example.org"), what="the follow mail")
        for address in ("een@example.org", "twee@example.org"):
            wait_for(lambda address=address: outbox.to(address), what=f"the mail to {address}")
        assert title in outbox.text_of(follower[0])
        log = server.log

    assert LIMITS_FELL_BACK in log
    assert JOB_RAN_HERE in log
    assert "cannot reach Redis" in log  # the start-up check
    for sent in (first, second):
        assert _stored(world, sent.code) == (True, True)
    assert len(outbox.to("een@example.org")) == 1
    assert len(outbox.to("twee@example.org")) == 1


class TcpProxy:
    """Forwards a local port to Redis until stopped; then nothing listens there."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        # shutdown() wakes the accept() of the other thread; close() alone would leave the
        # socket listening until a next connection arrives.
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for one in self.sockets:
                with suppress(OSError):
                    one.shutdown(socket.SHUT_RDWR)
                one.close()


def test_redis_going_away_mid_run_loses_nothing(world, tmp_path, smtp_server, outbox):
    real = Redis.from_url(REDIS_URL)
    address = real.connection_pool.connection_kwargs
    proxy = TcpProxy((address.get("host", "127.0.0.1"), int(address.get("port", 6379))))
    database = address.get("db", 0)
    env = world.env(
        REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{database}", **_mail_settings(smtp_server)
    )
    prefix = env["CONSULT_RATELIMIT_KEY_PREFIX"]
    try:
        with gunicorn(env, tmp_path / "gunicorn.log") as server:
            visitor = Visitor(server.base_url, world.slug, "10.4.5.6")
            before = visitor.send("Voor Redis wegviel.", email="voor@example.org")
            assert before.code, (before, server.log[-3000:])
            # The limit was counted on Redis.
            assert list(real.scan_iter(f"*{prefix}*")), "no rate limit on Redis"

            proxy.stop()
            after = visitor.send("Nadat Redis wegviel.", email="na@example.org")
            assert after.code, (after, server.log[-3000:])
            assert after.retries == 0
            # Redis is gone: the app server sends the mails itself, also the first one,
            # which waited in the outbox for a worker (this test runs none).
            wait_for(lambda: outbox.to("na@example.org"), what="the mail sent without Redis")
            wait_for(lambda: outbox.to("voor@example.org"), what="the mail that waited")
            log = server.log
    finally:
        proxy.stop()
        for key in real.scan_iter(f"*{prefix}*"):
            real.delete(key)
        real.close()

    assert LIMITS_FELL_BACK in log
    assert _stored(world, before.code) == (True, True)
    assert _stored(world, after.code) == (True, True)
    assert len(outbox.to("voor@example.org")) == 1
    assert len(outbox.to("na@example.org")) == 1


def test_a_redis_that_never_answers_holds_no_request_up(world, tmp_path, smtp_server, outbox):
    """A Redis host that takes the connection and then says nothing (a hung server, a
    firewall): the request waits a moment (``REDIS_TIMEOUT_SECONDS``), not for ever."""
    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # never accepts, never reads
    env = world.env(
        REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0", **_mail_settings(smtp_server)
    )
    try:
        with gunicorn(env, tmp_path / "gunicorn.log") as server:
            visitor = Visitor(server.base_url, world.slug, "10.7.8.9")
            sent = visitor.send("Reactie terwijl Redis zweeg.", email="stil@example.org")
            assert sent.code, (sent, server.log[-3000:])
            assert sent.retries == 0, sent
            wait_for(lambda: outbox.to("stil@example.org"), what="the mail sent without Redis")
            log = server.log
    finally:
        silent.close()

    assert LIMITS_FELL_BACK in log
    assert _stored(world, sent.code) == (True, True)
    assert len(outbox.to("stil@example.org")) == 1
