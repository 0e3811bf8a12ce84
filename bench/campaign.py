"""Benchmark: a campaign day, open loop: page views and submissions at fixed rates.

Run from the project root: ``.venv/bin/python -m bench.campaign`` (``--help`` for
options). It needs a PostgreSQL server (``--server``, default ``CONSULT_BENCH_DATABASE_URL``
or ``postgresql://postgres@127.0.0.1:5432/postgres``) and Redis (``--redis``, default
``CONSULT_BENCH_REDIS_URL`` or ``redis://127.0.0.1:6379/8``, a database of its own: the
test passes use 0 and 1); ``--server sqlite`` runs on a SQLite file without Redis (the
smoke run of the SQLite test pass).

Consult runs as in production: gunicorn (``--workers`` processes of ``--threads`` threads,
gthread) with the production settings, rate limits and background jobs on Redis, and one
``consult jobs worker`` that delivers the receipt mails over SMTP to a sink in this process.
Only the public forms' rate limits are raised, by configuration (``bench/serve.py``): every
request comes from 127.0.0.1. The consultation has ``--sections`` sections and
``--comments`` comments (``consult seed load``).

The load is open: arrivals are scheduled beforehand (a Poisson process of ``--page-rate``
page views and ``--submission-rate`` submissions a second, for ``--seconds``) and each one
starts at its time whatever the earlier ones are doing, so a slow server shows as latency
and is not hidden by clients that wait. A latency is measured from the arrival's scheduled
time to its last byte. A page view is the consultation page (``--main-share`` of the views)
or one of its section pages, on a new connection. A submission is a new visitor's full
path: GET the form, POST it whole (one comment, an email address, a group), follow the
redirect to the receipt page. An error is an answer other than 2xx/3xx, a timeout
(``--timeout``), or a broken connection.

The load generator shares the machine's CPUs with the servers, PostgreSQL and Redis.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.submission import (
    Failure,
    Visitor,
    consult_path,
    gunicorn,
    production_environment,
    smtp_sink,
)
from bench.support import default_server, own_database, write_figures

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://consult.bench.invalid"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"


def default_redis() -> str:
    return os.environ.get("CONSULT_BENCH_REDIS_URL") or DEFAULT_REDIS


CLAIM_KEY = "consult-bench-campaign:claimed"


@contextmanager
def claimed_redis(url: str, seconds: float) -> Iterator[str]:
    """A Redis database of this run's own, from ``url``'s onwards (up to 15): Consult's job
    queue and outbox wake-up have fixed names, so two runs at once on one database would
    do each other's jobs on the wrong PostgreSQL database. A marker key claims it."""
    from redis import Redis
    from redis.connection import parse_url

    first = int(parse_url(url).get("db", 0) or 0)
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    for number in range(first, 16):
        candidate = f"{base}/{number}"
        connection = Redis.from_url(candidate)
        if connection.set(CLAIM_KEY, str(os.getpid()), nx=True, ex=int(seconds) + 900):
            try:
                yield candidate
            finally:
                connection.delete(CLAIM_KEY)
                connection.close()
            return
        connection.close()
    raise Failure(f"every Redis database from {url} on is claimed by another campaign run")


# -- the consultation and the servers ------------------------------------------------------


def prepare(url: str, instance: str, sections: int, comments: int) -> tuple[str, list[str]]:
    """Migrate, seed the regions and an open consultation; (slug, section anchors)."""
    from sqlalchemy import select

    from consult import migrate
    from consult.app import create_app
    from consult.documents.models import Section
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.seeds.load import seed_load

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": instance, "BASE_URL": BASE_URL}, "testing"
    )
    with app.app_context():
        migrate.upgrade()
        seed_regions(db.session)
        db.session.commit()
        loaded = seed_load(db.session, sections, comments, seed=5)
        db.session.commit()
        print(
            f"  seed load: {sections} sections, {loaded.comments} comments in "
            f"{loaded.seconds:.1f} s",
            flush=True,
        )
        from consult.consultations.models import Consultation

        version_id = db.session.scalar(
            select(Consultation.version_id).where(Consultation.slug == loaded.slug)
        )
        anchors = list(
            db.session.scalars(
                select(Section.anchor)
                .where(Section.version_id == version_id)
                .order_by(Section.position)
            )
        )
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"
                )
    db.state(app).engine.dispose()
    return loaded.slug, anchors


@contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """This process's standard error goes to ``log`` in the block: the servers started in
    it inherit that (production logs a line per request; the figures stay readable)."""
    saved = os.dup(2)
    with log.open("ab") as file:
        sys.stderr.flush()
        os.dup2(file.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def jobs_worker(environment: dict[str, str]) -> Iterator[None]:
    """``consult jobs worker``, as production runs it beside gunicorn (with Redis only)."""
    if not environment.get("CONSULT_REDIS_URL"):
        yield  # without Redis the jobs and mails run in the app's own threads
        return
    command = [str(Path(sys.executable).with_name("consult")), "jobs", "worker"]
    process = subprocess.Popen(  # noqa: S603 - our own worker
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        if process.poll() is not None:
            raise Failure(f"consult jobs worker stopped (exit {process.returncode})")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def outbox_states(url: str) -> dict[str, int]:
    """The receipt mails by state (did the worker keep up?)."""
    from sqlalchemy import create_engine, func, select

    from bench.support import server_url
    from consult.outbox import OutboxMail

    engine = create_engine(url if url.startswith("sqlite") else server_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMail.state, func.count()).group_by(OutboxMail.state)
            )
            return {str(getattr(state, "value", state)): count for state, count in rows}
    finally:
        engine.dispose()


# -- the load --------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "consultation", "section" or "submission"
    scheduled: float
    latency: float | None = None  # scheduled time to last byte; None: an error
    late: float = 0.0  # how long after its time the arrival could start
    error: str | None = None
    post: float | None = None  # the submission's POST alone


@dataclass
class Plan:
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)  # (at, kind, path)


def plan(slug: str, anchors: list[str], settings: argparse.Namespace, rng: random.Random) -> Plan:
    """The arrivals of the run, fixed before it starts: two Poisson processes merged."""
    arrivals: list[tuple[float, str, str]] = []
    at = 0.0
    while settings.page_rate > 0:
        at += rng.expovariate(settings.page_rate)
        if at >= settings.seconds:
            break
        if rng.random() < settings.main_share or not anchors:
            arrivals.append((at, "consultation", f"/consultaties/{slug}"))
        else:
            anchor = rng.choice(anchors)
            arrivals.append((at, "section", f"/consultaties/{slug}/onderdelen/{anchor}/reacties"))
    at = 0.0
    while settings.submission_rate > 0:
        at += rng.expovariate(settings.submission_rate)
        if at >= settings.seconds:
            break
        arrivals.append((at, "submission", f"/consultaties/{slug}/reageren"))
    return Plan(sorted(arrivals))


def page_view(port: int, path: str, timeout: float) -> None:
    """One new visitor's GET of ``path`` on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept-Language": "nl"})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    if not 200 <= response.status < 400 or not data:
        raise Failure(f"{path}: {response.status}")


def submission(port: int, form_path: str, anchor: str, number: int, timeout: float) -> float:
    """A new visitor's full path: form, POST, receipt; returns the POST's own seconds."""
    visitor = Visitor(port)
    visitor.connection.timeout = timeout
    try:
        return consult_path(visitor, form_path, anchor, number)
    finally:
        visitor.close()


def run_campaign(
    port: int, slug: str, anchors: list[str], settings: argparse.Namespace
) -> tuple[list[Outcome], float]:
    """Play the plan against ``port``; every outcome, and the seconds until the last ended."""
    arrivals = plan(slug, anchors, settings, random.Random(settings.seed)).arrivals  # noqa: S311
    anchor = anchors[min(1, len(anchors) - 1)] if anchors else "algemeen"
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    numbers = iter(range(1, 10**9))

    def visit(scheduled: float, kind: str, path: str, number: int) -> None:
        outcome = Outcome(kind, scheduled)
        outcome.late = time.perf_counter() - (origin + scheduled)
        try:
            if kind == "submission":
                outcome.post = submission(port, path, anchor, number, settings.timeout)
            else:
                page_view(port, path, settings.timeout)
            outcome.latency = time.perf_counter() - (origin + scheduled)
        except TimeoutError:
            outcome.error = f"{kind}: timeout after {settings.timeout:g} s"
        except Exception as error:  # counted and shown
            outcome.error = f"{kind}: {error!r}"[:300]
        with lock:
            outcomes.append(outcome)

    # Enough threads that an arrival never waits for one (open loop): what is in flight
    # at once is at most the rate times the slowest answer (the timeout).
    with ThreadPoolExecutor(max_workers=settings.max_in_flight) as pool:
        origin = time.perf_counter() + 0.5
        for scheduled, kind, path in arrivals:
            delay = origin + scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(visit, scheduled, kind, path, next(numbers))
    return outcomes, time.perf_counter() - origin


def warm_up(port: int, slug: str, anchors: list[str], settings: argparse.Namespace) -> None:
    """Each worker process renders each kind of page and takes a submission first."""
    anchor = anchors[min(1, len(anchors) - 1)] if anchors else "algemeen"
    for number in range(settings.warm_up):
        page_view(port, f"/consultaties/{slug}", 60)
        if anchors:
            page_view(
                port,
                f"/consultaties/{slug}/onderdelen/{anchors[number % len(anchors)]}/reacties",
                60,
            )
        submission(port, f"/consultaties/{slug}/reageren", anchor, 10**8 + number, 60)


def percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted seconds, in milliseconds; None when it falls on
    an arrival that failed (counted as slower than any answer: open loop hides nothing)."""
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return None if math.isinf(ordered[rank]) else ordered[rank] * 1000


def summary(outcomes: list[Outcome], kinds: tuple[str, ...], seconds: float) -> dict[str, Any]:
    """Percentiles over every arrival of ``kinds``, the failed ones ranked last."""
    chosen = [o for o in outcomes if o.kind in kinds]
    ordered = sorted(math.inf if o.latency is None else o.latency for o in chosen)
    answered = [value for value in ordered if not math.isinf(value)]
    return {
        "offered": len(chosen),
        "done": len(answered),
        "errors": sum(1 for o in chosen if o.error),
        "per_second": len(answered) / seconds if seconds else None,
        "p50_ms": percentile(ordered, 0.50),
        "p95_ms": percentile(ordered, 0.95),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": answered[-1] * 1000 if answered else None,
    }


def show(label: str, figures: dict[str, Any]) -> None:
    def ms(value: float | None) -> str:
        return f"{value:8.1f} ms" if value is not None else "  failed   "

    print(
        f"  {label:<22} {figures['done']:>6}/{figures['offered']:<6} "
        f"{figures['per_second'] or 0:6.2f}/s   p50 {ms(figures['p50_ms'])}  "
        f"p95 {ms(figures['p95_ms'])}  p99 {ms(figures['p99_ms'])}  "
        f"max {ms(figures['max_ms'])}   errors {figures['errors']}",
        flush=True,
    )


def measure(url: str, redis: str, settings: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="consult-bench-campaign-") as instance:
        started = time.perf_counter()
        slug, anchors = prepare(url, instance, settings.sections, settings.comments)
        print(f"  prepared in {time.perf_counter() - started:.1f} s", flush=True)
        with smtp_sink() as smtp_port:
            environment = {
                **production_environment(url, instance, smtp_port, redis),
                # This run's own rate-limit counters, whatever an earlier run left.
                "CONSULT_RATELIMIT_KEY_PREFIX": f"consult-bench-{secrets.token_hex(4)}",
            }
            log = Path(instance) / "servers.log"
            with ExitStack() as servers:
                try:
                    with stderr_to(log):
                        port = servers.enter_context(
                            gunicorn(
                                "bench.serve:consult_app()",
                                environment,
                                settings.workers,
                                settings.threads,
                                f"/consultaties/{slug}",
                            )
                        )
                        servers.enter_context(jobs_worker(environment))
                    print(f"  servers up at {time.perf_counter() - started:.1f} s", flush=True)
                    warm_up(port, slug, anchors, settings)
                    print(f"  warmed up at {time.perf_counter() - started:.1f} s", flush=True)
                except Exception:
                    print(f"the servers' log ends:\n{tail(log)}", flush=True)
                    raise
                print(
                    f"  load: {settings.page_rate:g} page views/s "
                    f"({settings.main_share:.0%} the consultation page, the rest its "
                    f"{len(anchors)} section pages) + {settings.submission_rate:g} "
                    f"submissions/s for {settings.seconds:g} s, open loop",
                    flush=True,
                )
                outcomes, elapsed = run_campaign(port, slug, anchors, settings)
                # The worker's share: were the receipt mails delivered (a few seconds' grace)?
                waited = time.monotonic() + 10
                mails = outbox_states(url)
                while set(mails) - {"sent"} and time.monotonic() < waited:
                    time.sleep(0.5)
                    mails = outbox_states(url)
                if any(o.error for o in outcomes):
                    print(f"  the servers' log ends:\n{tail(log, 8)}", flush=True)
    pages = summary(outcomes, ("consultation", "section"), settings.seconds)
    figures: dict[str, Any] = {
        "seconds": settings.seconds,
        "elapsed": elapsed,
        "page_rate": settings.page_rate,
        "submission_rate": settings.submission_rate,
        "sections": settings.sections,
        "comments": settings.comments,
        "workers": settings.workers,
        "threads": settings.threads,
        "redis": bool(redis),
        "pages": pages,
        "consultation_page": summary(outcomes, ("consultation",), settings.seconds),
        "section_pages": summary(outcomes, ("section",), settings.seconds),
        "submissions": summary(outcomes, ("submission",), settings.seconds),
        "post_p95_ms": percentile(
            sorted(o.post for o in outcomes if o.post is not None and o.latency is not None),
            0.95,
        ),
        "late_p95_ms": percentile(sorted(o.late for o in outcomes), 0.95),
        "timeout": settings.timeout,
        "errors": sum(1 for o in outcomes if o.error),
        "first_errors": sorted({o.error for o in outcomes if o.error})[:5],
        "mails": mails,
    }
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=default_server(), help="PostgreSQL URL or sqlite")
    parser.add_argument(
        "--redis",
        default=None,
        help=f"Redis URL, '' for none (default CONSULT_BENCH_REDIS_URL or {DEFAULT_REDIS}; "
        "none with --server sqlite)",
    )
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the load")
    parser.add_argument("--page-rate", type=float, default=20.0, help="page views a second")
    parser.add_argument("--submission-rate", type=float, default=2.0, help="submissions a second")
    parser.add_argument(
        "--main-share", type=float, default=0.5, help="share of views on the consultation page"
    )
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds; then an error")
    parser.add_argument("--warm-up", type=int, default=4, help="rounds of each kind first")
    parser.add_argument("--max-in-flight", type=int, default=400, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=19, help="of the arrivals' schedule")
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    redis = args.redis
    if redis is None:
        redis = "" if args.server.startswith("sqlite") else default_redis()

    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads (gthread), production "
        f"settings; {'Redis ' + redis.split('@')[-1] if redis else 'no Redis'}",
        flush=True,
    )
    with ExitStack() as claimed:
        if redis:
            redis = claimed.enter_context(claimed_redis(redis, args.seconds))
        with own_database(args.server, "campaign") as url:
            print(f"database: {url.split('@')[-1]}; Redis {redis or 'none'}", flush=True)
            figures = measure(url, redis, args)
    show("page views", figures["pages"])
    show("  consultation page", figures["consultation_page"])
    show("  section pages", figures["section_pages"])
    show("submissions (3 req.)", figures["submissions"])
    post = figures["post_p95_ms"]
    print(
        f"  the POST alone p95 {post or 0:.1f} ms; arrivals started late p95 "
        f"{figures['late_p95_ms'] or 0:.1f} ms (the generator's own lag); errors "
        f"{figures['errors']}; receipt mails {figures['mails']}",
        flush=True,
    )
    for error in figures["first_errors"]:
        print(f"    {error}", flush=True)
    # A server that fails under the load is a result (its errors), not a benchmark that broke.
    write_figures(args.figures, figures)


if __name__ == "__main__":
    main(sys.argv[1:])
