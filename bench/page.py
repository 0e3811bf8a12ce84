"""Benchmark: the public consultation page at 200 sections and 20,000 comments.

Run from the project root: ``.venv/bin/python -m bench.page`` (``--help`` for options). It
needs a PostgreSQL server (``--server``, default ``CONSULT_BENCH_DATABASE_URL`` or
``postgresql://postgres@127.0.0.1:5432/postgres``); ``--server sqlite`` uses SQLite files.

It loads a consultation like ``consult seed load --sections 200 --comments 20000`` into a
database of its own, then requests ``/consultaties/<slug>`` ``--requests`` times through
the Flask test client after a warm-up, and prints the SQL statements per request (counted
by a SQLAlchemy ``before_cursor_execute`` listener) and the server time per request (the
WSGI call, rendering included, no network), p50 and p95. In the same run it does the same
for the bare app's ``GET /comments`` (``bench/bare.py``: one query, the latest 50 of
20,000 rows, through a Jinja template) on a database of its own on the same server.

Then **over HTTP**, as a campaign day meets it: each app served by gunicorn (``--workers``
processes of ``--threads`` threads, gthread; Consult with its production settings, as
``bench/submission.py`` serves it) and loaded for ``--seconds`` by ``--clients`` threads
on keep-alive connections to 127.0.0.1 (the load generator shares the CPUs), after a
warm-up: pages per second for both, and their ratio. The consultation page is asked for as
a new visitor would (no cookies), in Dutch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert

from bench.support import default_server, own_database, write_figures


class QueryCounter:
    """Counts the statements an engine sends."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def timings(client: Any, path: str, counter: QueryCounter, requests: int) -> dict[str, Any]:
    """Warm up, then ``requests`` requests: server time p50/p95 and statements per request."""
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    seconds, queries = [], []
    for _ in range(requests):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(path)
        data = response.get_data()
        seconds.append(time.perf_counter() - started)
        queries.append(counter.count)
        if response.status_code != 200 or not data:
            raise SystemExit(f"{path}: {response.status_code}")
    ordered = sorted(seconds)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "queries": max(queries),
        "queries_min": min(queries),
        "bytes": len(data),
    }


def http_load(port: int, path: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads GET ``path`` until ``seconds`` have passed: pages per second."""
    from bench.submission import Visitor

    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    sizes: set[int] = set()
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    state: dict[str, float] = {}
    headers = {"Accept-Language": "nl"}

    def client() -> None:
        visitor = Visitor(port)
        try:
            for _ in range(3):  # warm-up: every worker renders and keeps the page
                visitor.request("GET", path, headers=headers)
        except Exception as error:  # reported, and the run fails
            errors.append(f"warm-up: {error!r}")
        ready.wait()
        go.wait()
        while time.perf_counter() < state["deadline"]:
            visitor.cookies.clear()
            began = time.perf_counter()
            try:
                status, _headers, data = visitor.request("GET", path, headers=headers)
            except Exception as error:  # counted as an error
                errors.append(repr(error))
                visitor.close()
                visitor = Visitor(port)
                continue
            if status != 200:
                errors.append(f"{path}: {status}")
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
                sizes.add(len(data))
        visitor.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    state["deadline"] = started + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "pages": len(latencies),
        "per_second": len(latencies) / elapsed if latencies else None,
        "latency_p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "latency_p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else None,
        "errors": len(errors),
        "first_errors": errors[:3],
        "bytes": max(sizes) if sizes else 0,
    }


def consult_page(url: str, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page through the test client, then over HTTP: (server time, HTTP figures)."""
    from bench.submission import BASE_URL, gunicorn, production_environment, smtp_sink
    from consult import migrate
    from consult.app import create_app
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.seeds.load import seed_load

    with tempfile.TemporaryDirectory(prefix="consult-bench-page-") as instance:
        settings = {
            "DATABASE_URL": url,
            "INSTANCE_PATH": instance,
            # The base URL the served app has: the first checkpoint fixes the log's name.
            "BASE_URL": BASE_URL,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        app = create_app(settings, "testing")
        with app.app_context():
            migrate.upgrade()
            seed_regions(db.session)
            db.session.commit()
            loaded = seed_load(db.session, args.sections, args.comments, seed=4)
            db.session.commit()
            print(f"  seed load: {loaded.comments} comments in {loaded.seconds:.1f} s", flush=True)
            engine = db.engine
            if engine.dialect.name == "postgresql":
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "ANALYZE"
                    )
        path = f"/consultaties/{loaded.slug}"
        counter = QueryCounter(engine)
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
        figures = timings(client, path, counter, args.requests)
        # The first request after a change builds the page's blocks again: its statements.
        from consult.public import kept

        # After a change only the blocks are made again: the plan, the sections and the
        # reference data stay kept (kept.clear() is a worker's very first request).
        for label, forget in (("built", kept.blocks.clear), ("cold", kept.clear)):
            built = []
            for _ in range(max(3, args.requests // 10)):
                forget()
                counter.count = 0
                started = time.perf_counter()
                client.get(path).get_data()
                built.append(time.perf_counter() - started)
            figures[f"queries_{label}"] = counter.count
            figures[f"{label}_p50_ms"] = statistics.median(built) * 1000
        engine.dispose()
        with smtp_sink() as smtp_port:
            environment = production_environment(url, instance, smtp_port)
            with gunicorn(
                "bench.serve:consult_app()", environment, args.workers, args.threads, path
            ) as port:
                http = http_load(port, path, args.clients, args.seconds)
    return figures, http


def bare_page(url: str, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    from bench.bare import ENVIRONMENT_KEY, BareComment, create_bare_app, create_tables
    from bench.submission import gunicorn

    rows = args.comments
    create_tables(url)
    app = create_bare_app(url)
    engine = app.extensions["bare.engine"]
    now = datetime.now(UTC)
    with engine.begin() as connection:
        batch = [
            {"body": f"Reactie {n} over de wachtlijsten.", "email": "", "created_at": now}
            for n in range(rows)
        ]
        for start in range(0, rows, 5000):
            connection.execute(insert(BareComment), batch[start : start + 5000])
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE bare_comments")
    counter = QueryCounter(engine)
    figures = timings(app.test_client(), "/comments", counter, args.requests)
    engine.dispose()
    with gunicorn(
        "bench.bare:from_environment()",
        {ENVIRONMENT_KEY: url},
        args.workers,
        args.threads,
        "/comments",
    ) as port:
        http = http_load(port, "/comments", args.clients, args.seconds)
    return figures, http


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=default_server(), help="PostgreSQL URL or sqlite")
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50, help="through the test client")
    parser.add_argument("--seconds", type=float, default=20.0, help="of HTTP load, per app")
    parser.add_argument("--clients", type=int, default=8, help="threads of the load generator")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    with own_database(args.server, "page") as url:
        print(f"database: {url.split('@')[-1]}", flush=True)
        consult, consult_http = consult_page(url, args)
    with own_database(args.server, "pagebare") as url:
        bare, bare_http = bare_page(url, args)
    print("  server time (test client, no network):")
    for label, figures in (("consultation page", consult), ("bare list of 50 rows", bare)):
        print(
            f"    {label:<22} {figures['queries']:>3} queries   p50 {figures['p50_ms']:7.1f} ms   "
            f"p95 {figures['p95_ms']:7.1f} ms   {figures['bytes'] / 1000:7.0f} kB"
        )
    ratio = consult["p50_ms"] / bare["p50_ms"]
    print(f"    the consultation page takes {ratio:.1f}x the bare page's p50 server time")
    print(
        f"    statements: {consult['queries']} per kept page, {consult['queries_built']} "
        "when its blocks are built again (the first request after a change), which takes "
        f"p50 {consult['built_p50_ms']:.1f} ms; {consult['queries_cold']} in a worker's "
        f"first request (p50 {consult['cold_p50_ms']:.1f} ms)"
    )
    if consult["queries"] != consult["queries_min"]:
        print(f"    note: {consult['queries_min']}-{consult['queries']} queries per request")
    print(
        f"  over HTTP (gunicorn {args.workers} workers x {args.threads} threads, production "
        f"settings; {args.clients} clients, {args.seconds:.0f} s each):"
    )
    for label, figures in (
        ("consultation page", consult_http),
        ("bare list of 50 rows", bare_http),
    ):
        print(
            f"    {label:<22} {figures['per_second'] or 0:8.1f} pages/s   latency p50 "
            f"{figures['latency_p50_ms'] or 0:7.1f} ms, "
            f"p95 {figures['latency_p95_ms'] or 0:7.1f} ms   "
            f"{figures['bytes'] / 1000:5.0f} kB   errors {figures['errors']}",
            flush=True,
        )
        for error in figures["first_errors"]:
            print(f"      {error}")
    http_ratio = None
    if consult_http["per_second"] and bare_http["per_second"]:
        http_ratio = consult_http["per_second"] / bare_http["per_second"]
        print(
            f"    the consultation page serves {http_ratio:.2f} of the bare page's pages/s "
            f"(1/{1 / http_ratio:.1f})"
        )
    write_figures(
        args.figures,
        {
            "queries": consult["queries"],
            "queries_built": consult["queries_built"],
            "built_p50_ms": consult["built_p50_ms"],
            "queries_cold": consult["queries_cold"],
            "cold_p50_ms": consult["cold_p50_ms"],
            "kb": consult["bytes"] / 1000,
            "p50_ms": consult["p50_ms"],
            "p95_ms": consult["p95_ms"],
            "bare_queries": bare["queries"],
            "bare_p50_ms": bare["p50_ms"],
            "bare_p95_ms": bare["p95_ms"],
            "ratio": ratio,
            "http_per_second": consult_http["per_second"],
            "http_p50_ms": consult_http["latency_p50_ms"],
            "http_p95_ms": consult_http["latency_p95_ms"],
            "bare_http_per_second": bare_http["per_second"],
            "bare_http_p50_ms": bare_http["latency_p50_ms"],
            "http_ratio": http_ratio,
            "http_settings": (
                f"{args.workers} workers x {args.threads} threads, {args.clients} clients"
            ),
            "sections": args.sections,
            "comments": args.comments,
        },
    )
    if consult_http["errors"] or bare_http["errors"] or http_ratio is None:
        raise SystemExit("some pages failed over HTTP: the figures are not a measurement")


if __name__ == "__main__":
    main(sys.argv[1:])
