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
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
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


def consult_page(url: str, sections: int, comments: int, requests: int) -> dict[str, Any]:
    from consult import migrate
    from consult.app import create_app
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.seeds.load import seed_load

    with tempfile.TemporaryDirectory(prefix="consult-bench-page-") as instance:
        settings = {
            "DATABASE_URL": url,
            "INSTANCE_PATH": instance,
            "BASE_URL": "http://consult.bench",
            "SERVER_NAME": "consult.bench",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        app = create_app(settings, "testing")
        with app.app_context():
            migrate.upgrade()
            seed_regions(db.session)
            db.session.commit()
            loaded = seed_load(db.session, sections, comments, seed=4)
            db.session.commit()
            print(f"  seed load: {loaded.comments} comments in {loaded.seconds:.1f} s", flush=True)
            engine = db.engine
            if engine.dialect.name == "postgresql":
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "ANALYZE"
                    )
        counter = QueryCounter(engine)
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
        figures = timings(client, f"/consultaties/{loaded.slug}", counter, requests)
        engine.dispose()
    return figures


def bare_page(url: str, rows: int, requests: int) -> dict[str, Any]:
    from bench.bare import BareComment, create_bare_app, create_tables

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
    figures = timings(app.test_client(), "/comments", counter, requests)
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=default_server(), help="PostgreSQL URL or sqlite")
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    with own_database(args.server, "page") as url:
        print(f"database: {url.split('@')[-1]}", flush=True)
        consult = consult_page(url, args.sections, args.comments, args.requests)
    with own_database(args.server, "pagebare") as url:
        bare = bare_page(url, args.comments, args.requests)
    for label, figures in (("consultation page", consult), ("bare list of 50 rows", bare)):
        print(
            f"  {label:<22} {figures['queries']:>3} queries   p50 {figures['p50_ms']:7.1f} ms   "
            f"p95 {figures['p95_ms']:7.1f} ms   {figures['bytes'] / 1000:7.0f} kB"
        )
    ratio = consult["p50_ms"] / bare["p50_ms"]
    print(f"  the consultation page takes {ratio:.1f}x the bare page's p50 server time")
    if consult["queries"] != consult["queries_min"]:
        print(f"  note: {consult['queries_min']}-{consult['queries']} queries per request")
    write_figures(
        args.figures,
        {
            "queries": consult["queries"],
            "p50_ms": consult["p50_ms"],
            "p95_ms": consult["p95_ms"],
            "bare_queries": bare["queries"],
            "bare_p50_ms": bare["p50_ms"],
            "bare_p95_ms": bare["p95_ms"],
            "ratio": ratio,
            "sections": args.sections,
            "comments": args.comments,
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
