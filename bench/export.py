"""Benchmark: streaming a consultation's published comments as CSV and JSON Lines.

Run from the project root: ``.venv/bin/python -m bench.export`` (``--help`` for options;
``--sizes 2000,20000`` for a quick run, ``--postgres`` to run on the PostgreSQL server at
``--server``, default ``CONSULT_BENCH_DATABASE_URL`` or
``postgresql://postgres@127.0.0.1:5432/postgres``, in a database ``consult_bench_export_*``
that it creates and drops).

For each size (default 10,000 and 100,000 comments) it loads a consultation like
``consult seed load --sections 50 --comments N`` into a fresh database (a temporary SQLite
file by default), answers every comment in bulk (one published answer per ~25 comments of
a section; about 90% of the load seed's comments are public), and then, in a child
process, streams ``/consultaties/<slug>/reacties.csv`` and ``.jsonl`` through the Flask
test client, reading the body chunk by chunk as a client would. The child prints the rows
per second, its resident memory just before the request and the most it reached while
streaming (sampled after every chunk, from /proc), and its peak for the whole run
(``ru_maxrss``, which includes importing and building the app).

It also prints the CPU time the export took, the child's own and, for a PostgreSQL server
on this machine, its backends' (from /proc), and the rows per CPU-second: on a shared,
busy machine the wall time says as much about the neighbours as about the export.

The child is started through a small wrapper process (as bench/record_verify.py does): a
child forked straight from this process would count this process's memory, which holds the
seeding, as its own until it execs. Memory that does not grow with the row count shows as
the same small growth (most while streaming minus before) at every size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from sqlalchemy import func, insert, select, update

from bench.support import default_server, own_database, write_figures

SETTINGS = {
    "BASE_URL": "http://consult.bench",
    "SERVER_NAME": "consult.bench",
    "JOBS_RUNNER": "inline",
    "RATELIMIT_STORAGE_URI": "memory://",
}

# Runs the exporter in a grandchild, so its memory figures are its own (see the docstring).
WRAPPER = """
import subprocess, sys
sys.exit(subprocess.run(sys.argv[1:]).returncode)
"""


def _app(url: str, instance: str) -> Any:
    from consult.app import create_app

    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, **SETTINGS}, "testing")


def _answer_all(session: Any, consultation_id: int, seed: int) -> int:
    """One published answer per ~25 comments of a section, in bulk; returns the count."""
    from consult.comments.models import Comment
    from consult.db import utcnow
    from consult.responses.models import Answer, AnsweredComment, Disposition

    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    now = utcnow()
    by_section: dict[int | None, list[int]] = {}
    for comment_id, section_id in session.execute(
        select(Comment.id, Comment.section_id)
        .where(Comment.consultation_id == consultation_id)
        .order_by(Comment.id)
    ):
        by_section.setdefault(section_id, []).append(comment_id)
    rows, plan = [], []
    for ids in by_section.values():
        for start in range(0, len(ids), 25):
            rows.append(
                {
                    "consultation_id": consultation_id,
                    "disposition": rng.choice(list(Disposition)),
                    "reason": "Wij hebben dit gelezen en meegenomen in de afweging van de regio.",
                    "state": "approved",
                    "drafted_at": now,
                    "approved_at": now,
                }
            )
            plan.append(ids[start : start + 25])
    answer_ids = session.scalars(
        insert(Answer).returning(Answer.id, sort_by_parameter_order=True), rows
    ).all()
    links = [
        {"answer_id": answer_id, "comment_id": comment_id}
        for answer_id, ids in zip(answer_ids, plan, strict=True)
        for comment_id in ids
    ]
    for start in range(0, len(links), 5000):
        session.execute(insert(AnsweredComment), links[start : start + 5000])
    session.execute(
        update(Answer)
        .where(Answer.consultation_id == consultation_id)
        .values(state="published", published_at=now)
    )
    return len(answer_ids)


def prepare(url: str, instance: str, sizes: list[int], sections: int, seed: int) -> dict[int, str]:
    """Migrate, seed the regions, load and answer one consultation per size."""
    from consult import migrate
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.seeds.load import seed_load

    app = _app(url, instance)
    slugs = {}
    with app.app_context():
        migrate.upgrade()
        session = db.session
        seed_regions(session)
        session.commit()
        for size in sizes:
            started = time.perf_counter()
            loaded = seed_load(session, sections, size, seed=seed)
            answers = _answer_all(session, loaded.consultation_id, seed)
            session.commit()
            print(
                f"  loaded {loaded.comments} comments ({loaded.submissions} submissions), "
                f"{answers} answers in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            slugs[size] = loaded.slug
        if session.get_bind().dialect.name == "postgresql":
            with session.get_bind().connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"
                )
    db.state(app).engine.dispose()
    return slugs


def _rss_kib() -> int:
    """The resident set size now (Linux), in KiB; 0 where /proc is not there."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def _cpu_seconds() -> float:
    """CPU time this process has used (user and system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _database_cpu_seconds(url: str) -> float | None:
    """CPU time the PostgreSQL backends serving this database have used, when the server
    runs on this machine (read from /proc); None for SQLite or a server elsewhere."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            pids = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalars()
            total = 0.0
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except OSError:
                    return None
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        engine.dispose()
    return total


def child(url: str, instance: str, slug: str, format: str) -> None:
    """In the measured process: stream one export and print its figures as JSON."""
    from consult.comments.models import Comment
    from consult.consultations.models import Consultation
    from consult.extensions import db

    app = _app(url, instance)
    with app.app_context():  # the public count, to check the export against
        public = db.session.scalar(
            select(func.count(Comment.id))
            .join(Consultation, Consultation.id == Comment.consultation_id)
            .where(Comment.is_public.is_(True), Consultation.slug == slug)
        )
    client = app.test_client()
    client.get(f"/consultaties/{slug}/reacties.{format}?warm-up").close()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    now_before = most = _rss_kib()
    database_cpu = _database_cpu_seconds(url)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    response = client.get(f"/consultaties/{slug}/reacties.{format}", buffered=False)
    assert response.status_code == 200, response.status_code
    lines = size = chunks = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        # CSV rows end in CRLF; a text's own line breaks are plain LF (JSON escapes them).
        lines += data.count(b"\r\n" if format == "csv" else b"\n")
        size += len(data)
        chunks += 1
        most = max(most, _rss_kib())
    response.close()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    if database_cpu is not None:
        after = _database_cpu_seconds(url)
        database_cpu = None if after is None else after - database_cpu
    rows = lines - 1 if format == "csv" else lines  # the CSV's header
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "public": public,
                "bytes": size,
                "chunks": chunks,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "database_cpu_seconds": database_cpu,
                "before_kib": before,
                "peak_kib": peak,
                "rss_before_kib": now_before,
                "rss_most_kib": most,
            }
        )
    )


def _measure(url: str, instance: str, slug: str, format: str) -> dict[str, Any]:
    command = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "bench.export"]
    command += ["--child", url, instance, slug, format]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"the export failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated comment counts")
    parser.add_argument("--sections", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--server", default=default_server())
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp,
        own_database(args.server if args.postgres else None, "export") as url,
    ):
        print(f"database: {url.split('@')[-1]}", flush=True)
        figures = run(url, tmp, sizes, args.sections, args.seed)
    write_figures(args.figures, figures)


def run(url: str, tmp: str, sizes: list[int], sections: int, seed: int) -> dict[str, Any]:
    """Load, stream each size in both formats, print; the largest size's figures."""
    slugs = prepare(url, tmp, sizes, sections, seed)
    print("streaming the export of published comments (test client, child process):")
    print(
        f"  {'format':<6} {'comments':>9} {'rows':>8} {'MB':>7} {'seconds':>8} {'rows/s':>8}"
        f" {'RSS before':>11} {'max RSS':>8} {'growth':>7} {'peak (ru_maxrss)':>17}"
        f" {'CPU s (app+db)':>15} {'rows/CPU-s':>11}"
    )
    largest: dict[str, Any] = {"comments": max(sizes)}
    for size in sizes:
        for format in ("csv", "jsonl"):
            figures = _measure(url, tmp, slugs[size], format)
            assert figures["rows"] == figures["public"], figures
            before = figures["rss_before_kib"] / 1024
            most = figures["rss_most_kib"] / 1024
            peak = figures["peak_kib"] / 1024
            rate = figures["rows"] / figures["seconds"]
            cpu = figures["cpu_seconds"] + (figures["database_cpu_seconds"] or 0.0)
            cpu_rate = figures["rows"] / cpu if cpu else 0.0
            print(
                f"  {format:<6} {size:>9} {figures['rows']:>8} "
                f"{figures['bytes'] / 1e6:>7.1f} {figures['seconds']:>8.2f} "
                f"{rate:>8.0f} {before:>8.0f} MB "
                f"{most:>5.0f} MB {most - before:>4.1f} MB {peak:>14.0f} MB"
                f" {cpu:>15.2f} {cpu_rate:>11.0f}",
                flush=True,
            )
            if size == max(sizes):
                largest[f"{format}_rows"] = figures["rows"]
                largest[f"{format}_rows_per_second"] = rate
                largest[f"{format}_rows_per_cpu_second"] = cpu_rate
                largest[f"{format}_growth_mb"] = most - before
                largest[f"{format}_peak_mb"] = peak
    return largest


if __name__ == "__main__":
    main(sys.argv[1:])
