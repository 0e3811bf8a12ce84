"""Profile: where a full-path submission spends its time (cProfile, per submission).

Run from the project root: ``.venv/bin/python -m bench.profile_submission`` (``--help`` for
options). It builds Consult as ``bench.submission`` serves it (production settings, raised
rate limits, the receipt mail over SMTP to a sink), on a database of its own on the
PostgreSQL server (``--server``, default ``CONSULT_BENCH_DATABASE_URL`` or
``postgresql://postgres@127.0.0.1:5432/postgres``; ``--server sqlite`` for a SQLite file),
warms up, and then sends ``--count`` submissions through the Flask test client: GET the
form, POST it, GET the receipt. cProfile runs around the POST alone (``--whole``: around
all three requests). It prints the functions with the most cumulative time, in
milliseconds per submission, and the statements each POST sends; ``--out FILE`` keeps the
raw profile for ``snakeviz`` or ``pstats``. ``--time`` runs without cProfile and prints the
wall time and the statements of each of the three requests (statements of the outbox's
delivery thread counted apart: it sends the receipt mail after the commit).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from typing import Any

from sqlalchemy import event

from bench.submission import form_fields, prepare_consult, smtp_sink
from bench.support import default_server, own_database

BASE_URL = "http://consult.bench.invalid"


def _profile(url: str, instance: str, args: argparse.Namespace, smtp_port: int) -> None:
    from bench.serve import consult_app
    from consult.extensions import db

    os.environ.update(
        {
            "CONSULT_DATABASE_URL": url,
            "CONSULT_INSTANCE_PATH": instance,
            "CONSULT_SECRET_KEY": secrets.token_urlsafe(48),
            "CONSULT_BASE_URL": "https://consult.bench.invalid",
            "CONSULT_MAIL_SERVER": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(smtp_port),
            "CONSULT_MAIL_USE_TLS": "0",
            "CONSULT_REDIS_URL": "",
        }
    )
    slug, anchor = prepare_consult(url, instance)
    app = consult_app()
    statements = [0]
    sent: list[str] = []
    elsewhere = [0]  # the outbox's delivery thread
    requests = threading.get_ident()
    logging.getLogger("consult.requests").setLevel(logging.WARNING)

    def seen(_connection, _cursor, statement: str, *_args: Any) -> None:
        if threading.get_ident() != requests:
            elsewhere[0] += 1
            return
        statements[0] += 1
        sent.append(" ".join(statement.split())[:160])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
    form_path = f"/consultaties/{slug}/reageren"
    profiler = cProfile.Profile()
    per_post: list[int] = []
    seconds = 0.0

    def one(number: int, measured: bool) -> None:
        nonlocal seconds
        client = app.test_client()  # a new visitor each time, as the load generator does
        if measured and args.whole:
            profiler.enable()
        started = time.perf_counter()
        page = client.get(form_path, base_url=BASE_URL).get_data(as_text=True)
        data: dict[str, Any] = form_fields(page, anchor, number)
        if measured and not args.whole:
            profiler.enable()
            started = time.perf_counter()
        statements[0] = 0
        sent.clear()
        response = client.post(
            form_path, data=data, content_type="multipart/form-data", base_url=BASE_URL
        )
        posted = statements[0]
        if measured and not args.whole:
            seconds += time.perf_counter() - started
            profiler.disable()
        if response.status_code != 302 or "/ontvangst/" not in response.location:
            raise SystemExit(f"the POST answered {response.status_code}")
        receipt = client.get(response.location, base_url=BASE_URL)
        if measured and args.whole:
            seconds += time.perf_counter() - started
            profiler.disable()
        if receipt.status_code != 200:
            raise SystemExit(f"the receipt answered {receipt.status_code}")
        if measured:
            per_post.append(posted)

    if args.time:
        _time(app, form_path, anchor, args, statements, elsewhere, sent)
        with app.app_context():
            db.engine.dispose()
        return
    for number in range(args.warm_up):
        one(number, measured=False)
    for number in range(args.warm_up, args.warm_up + args.count):
        one(number, measured=True)
    with app.app_context():
        db.engine.dispose()

    what = "form + POST + receipt" if args.whole else "the POST"
    print(
        f"{args.count} submissions, {what}: {seconds / args.count * 1000:.1f} ms each "
        f"(under cProfile, which slows Python code down); {max(per_post)} SQL statements "
        "per POST"
    )
    if args.sql:
        print("\nthe statements of the last POST:")
        for number, statement in enumerate(sent, start=1):
            print(f"  {number:>2}. {statement}")
    stats = pstats.Stats(profiler, stream=io.StringIO())
    if args.out:
        stats.dump_stats(args.out)
    rows = []
    for (filename, line, function), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cumulative, calls, filename, line, function))
    rows.sort(reverse=True)
    print(f"\n{'ms/submission':>13} {'calls/subm.':>11}  function")
    shown = 0
    for cumulative, calls, filename, line, function in rows:
        if args.consult_only and "/consult/" not in filename:
            continue
        place = filename.split("/site-packages/")[-1].replace(os.getcwd() + "/", "")
        print(
            f"{cumulative / args.count * 1000:>13.2f} {calls / args.count:>11.1f}  "
            f"{place}:{line}({function})"
        )
        shown += 1
        if shown >= args.top:
            break


def _time(
    app: Any,
    form_path: str,
    anchor: str,
    args: argparse.Namespace,
    statements: list[int],
    elsewhere: list[int],
    sent: list[str],
) -> None:
    """Wall time and statements per request, without a profiler."""
    spent = {"form": 0.0, "post": 0.0, "receipt": 0.0}
    cpu = dict.fromkeys(spent, 0.0)  # this thread's CPU: steadier on a busy machine
    counted: dict[str, list[int]] = {"form": [], "post": [], "receipt": []}
    last: dict[str, list[str]] = {}

    def timed(name: str, measured: bool, call: Any) -> Any:
        statements[0] = 0
        sent.clear()
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = call()
        if measured:
            spent[name] += time.perf_counter() - started
            cpu[name] += time.thread_time() - cpu_started
            counted[name].append(statements[0])
            last[name] = list(sent)
        return response

    total = args.warm_up + args.count
    for number in range(total):
        measured = number >= args.warm_up
        if number == args.warm_up:
            elsewhere[0] = 0
        client = app.test_client()  # a new visitor each time
        page = timed("form", measured, partial(client.get, form_path, base_url=BASE_URL))
        data = form_fields(page.get_data(as_text=True), anchor, number)
        post = partial(
            client.post,
            form_path,
            data=data,
            content_type="multipart/form-data",
            base_url=BASE_URL,
        )
        response = timed("post", measured, post)
        if response.status_code != 302 or "/ontvangst/" not in response.location:
            raise SystemExit(f"the POST answered {response.status_code}")
        show = partial(client.get, response.location, base_url=BASE_URL)
        if timed("receipt", measured, show).status_code != 200:
            raise SystemExit("the receipt did not answer 200")
    time.sleep(1)  # the last receipt mail
    whole = sum(spent.values()) / args.count * 1000
    print(
        f"{args.count} submissions, no profiler: {whole:.1f} ms each (one thread), "
        f"{sum(cpu.values()) / args.count * 1000:.1f} ms of its CPU"
    )
    for name in spent:
        print(
            f"  {name:<8} {spent[name] / args.count * 1000:6.1f} ms  "
            f"CPU {cpu[name] / args.count * 1000:6.1f} ms  "
            f"{statistics.median(counted[name]):>3.0f} statements (at most {max(counted[name])})"
        )
    print(f"  outbox delivery thread: {elsewhere[0] / args.count:.1f} statements per mail")
    if args.sql:
        for name, listed in last.items():
            print(f"\nthe statements of the last {name}:")
            for number, statement in enumerate(listed, start=1):
                print(f"  {number:>2}. {statement}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=default_server(), help="PostgreSQL URL or sqlite")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=10)
    parser.add_argument("--top", type=int, default=45, help="how many functions to show")
    parser.add_argument("--whole", action="store_true", help="profile form and receipt too")
    parser.add_argument(
        "--consult-only", action="store_true", help="show only functions in consult/"
    )
    parser.add_argument("--out", help="keep the raw profile here")
    parser.add_argument("--sql", action="store_true", help="list the statements of a POST")
    parser.add_argument(
        "--time", action="store_true", help="no profiler: time and statements per request"
    )
    args = parser.parse_args(argv)

    with (
        own_database(args.server, "profile") as url,
        tempfile.TemporaryDirectory(prefix="consult-bench-profile-") as instance,
        smtp_sink() as smtp_port,
    ):
        print(f"database: {url.split('@')[-1]}", flush=True)
        _profile(url, instance, args, smtp_port)


if __name__ == "__main__":
    main(sys.argv[1:])
