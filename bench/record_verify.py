"""Benchmark: ``consult record verify`` on a record of 1,000,000 events, on PostgreSQL.

Run from the project root: ``.venv/bin/python -m bench.record_verify`` (``--help`` for
options; ``--events 100000`` for a quick run). It needs a PostgreSQL server (default
``CONSULT_BENCH_DATABASE_URL`` or ``postgresql://postgres@127.0.0.1:5432/postgres``, or
``--server URL``), where it creates a database ``consult_bench_record_*``, migrates it, and
drops it at the end (``--keep`` keeps it, named ``consult_bench_record``). ``--server sqlite``
builds the record in a temporary SQLite file instead, with plain inserts (the smoke run of
the SQLite test pass does that; the figure that counts is PostgreSQL's).

The record is built as ``append`` would build it, but in bulk: every event's body, hashes
and chain link come from ``consult.ledger.canonical``, the tree's nodes and the head from
``consult.ledger.merkle.Frontier``, the checkpoints (one every ``--checkpoint-every``
events) are signed with the instance key; rows go in with COPY (PostgreSQL). Events are spread over
``--consultations`` consultation chains plus the platform chain, with kinds that no
cross-check reads (reports, drafts, approvals, activities): the cross-checks compare
events with live rows (submissions, answers, versions), and a million made-up events
would name rows that do not exist. The cross-checks' own cost is measured by the
tests' data, not here; this figure is the record proving itself (hashes, chains, tree,
signatures, consistency).

Then it runs the real command, ``consult record verify``, in a child process against that
database and prints its wall time, events per second and peak memory (the child's maximum
resident set size, measured around the command alone).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.support import default_server, own_database, write_figures

DATABASE = "consult_bench_record"
KEPT_INSTANCE = Path(tempfile.gettempdir()) / "consult_bench_record-instance"
EVENT_COLUMNS = [
    "id",
    "leaf_index",
    "consultation_id",
    "chain",
    "seq",
    "kind",
    "occurred_at",
    "actor_role",
    "object_type",
    "object_id",
    "payload",
    "prev_hash",
    "event_hash",
    "leaf_hash",
]
KINDS = [
    ("comment_reported", "participant", "comment"),
    ("answer_drafted", "responder", "answer"),
    ("answer_approved", "official", "answer"),
    ("activity_registered", "official", "activity"),
]


# Runs the command in a grandchild and reports its peak memory: a child forked straight
# from this process would count this process's memory as its own until it execs.
MEASURED = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("cpu-seconds", usage.ru_utime + usage.ru_stime, file=sys.stderr)
print("peak-rss-kib", usage.ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _server_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _database_url(server: str) -> str:
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def _recreate(server: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()


def _consultations(session, count: int) -> list[tuple[int, str]]:
    """``count`` consultations on one locked version, in region JZ22: (id, slug)."""
    from consult.consultations.models import Consultation, ConsultationState
    from consult.db import utcnow
    from consult.documents.models import Document, DocumentVersion, VersionSource
    from consult.regions.services import get_region

    region = get_region(session, "JZ22")
    document = Document(region=region, title="Regiovisie jeugdhulp", summary="Benchmark.")
    version = DocumentVersion(
        document=document, number=1, source=VersionSource.EDITOR, locked_at=utcnow()
    )
    session.add_all([document, version])
    rows = []
    for number in range(count):
        consultation = Consultation(
            slug=f"bench-{number:03d}",
            region=region,
            version=version,
            title=f"Benchmark {number}",
            opens_at=utcnow() - timedelta(days=30),
            closes_at=utcnow() + timedelta(days=30),
            state=ConsultationState.OPEN,
        )
        session.add(consultation)
        rows.append(consultation)
    session.flush()
    return [(c.id, c.slug) for c in rows]


@contextmanager
def _copy_rows(cursor, table: str, columns: list[str]) -> Iterator[Callable[[tuple], None]]:
    """PostgreSQL: rows go in with COPY."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        yield copy.write_row


@contextmanager
def _insert_rows(session, table, columns: list[str]) -> Iterator[Callable[[tuple], None]]:
    """Elsewhere (SQLite): rows go in with executemany, 10,000 at a time."""
    from sqlalchemy import insert

    batch: list[dict] = []

    def write(row: tuple) -> None:
        values = dict(zip(columns, row, strict=True))
        if "payload" in values:
            values["payload"] = json.loads(values["payload"])
        batch.append(values)
        if len(batch) >= 10_000:
            session.execute(insert(table), batch)
            batch.clear()

    yield write
    if batch:
        session.execute(insert(table), batch)


def _finish_elsewhere(session, origin: str, signed: list[tuple], frontier) -> None:
    """The checkpoints and the head, through the session (SQLite)."""
    from sqlalchemy import insert, update

    from consult.ledger.models import CheckpointReason, RecordCheckpoint, RecordHead

    for size, root_hex, made_at, key_id, signature in signed:
        session.execute(
            insert(RecordCheckpoint).values(
                origin=origin,
                tree_size=size,
                root_hash=root_hex,
                made_at=made_at,
                key_id=key_id,
                signature=signature,
                reason=CheckpointReason.HOURLY,
            )
        )
    session.execute(
        update(RecordHead)
        .where(RecordHead.id == 1)
        .values(
            tree_size=frontier.size,
            frontier=[h.hex() for h in frontier.hashes],
            checkpoint_count=len(signed),  # as checkpoints.make counts them
        )
    )
    session.commit()


def build(app, events: int, consultations: int, checkpoint_every: int, seed: int) -> float:
    """Fill the record with ``events`` events in bulk; the seconds it took."""
    from consult.extensions import db
    from consult.ledger import canonical, checkpoints, merkle, signing
    from consult.regions.services import seed_regions

    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    started = time.perf_counter()
    with app.app_context():
        session = db.session
        seed_regions(session)
        chains = _consultations(session, consultations)
        session.commit()
        origin = checkpoints.origin()
        signing.signing_key()  # made now, outside the timed verification

        postgres = db.engine.dialect.name == "postgresql"
        raw = db.engine.raw_connection() if postgres else None
        try:
            cursor = raw.cursor() if raw is not None else None
            links: dict[str, tuple[int, str]] = {}
            frontier = merkle.Frontier()
            moment = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
            signed: list[tuple] = []
            nodes: list[tuple[int, int, int, str]] = []
            from consult.ledger.models import RecordEvent, RecordNode

            if postgres:
                events_into = _copy_rows(cursor, "record_events", EVENT_COLUMNS)
            else:
                events_into = _insert_rows(session, RecordEvent.__table__, EVENT_COLUMNS)
            with events_into as write_event:
                for leaf_index in range(events):
                    if rng.random() < 0.01:
                        consultation_id, chain = None, ""
                    else:
                        consultation_id, chain = chains[rng.randrange(len(chains))]
                    kind, role, object_type = KINDS[rng.randrange(len(KINDS))]
                    seq, prev_hash = links.get(chain, (0, canonical.ZERO_HASH))
                    seq += 1
                    moment += timedelta(milliseconds=rng.randrange(1, 4000))
                    payload = {
                        "content_hash": f"{rng.getrandbits(256):064x}",
                        "stakeholder_group": rng.choice(["parent", "young_person", "other"]),
                        "number": leaf_index,
                    }
                    object_id = f"{object_type}:{leaf_index}"
                    body = canonical.event_body(
                        leaf_index=leaf_index,
                        chain=chain,
                        seq=seq,
                        kind=kind,
                        occurred_at=moment,
                        actor_role=role,
                        object_type=object_type,
                        object_id=object_id,
                        payload=payload,
                        prev_hash=prev_hash,
                    )
                    data = canonical.fast_canonical_bytes(body)
                    event_hash = canonical.event_hash(data)
                    leaf = merkle.leaf_hash(data)
                    links[chain] = (seq, event_hash)
                    write_event(
                        (
                            leaf_index + 1,
                            leaf_index,
                            consultation_id,
                            chain,
                            seq,
                            kind,
                            moment,
                            role,
                            object_type,
                            object_id,
                            json.dumps(payload),
                            prev_hash,
                            event_hash,
                            leaf.hex(),
                        )
                    )
                    for level, position, value in frontier.append(leaf):
                        nodes.append((len(nodes) + 1, level, position, value.hex()))
                    if frontier.size % checkpoint_every == 0 or frontier.size == events:
                        root = frontier.root()
                        made_at = moment + timedelta(seconds=1)
                        key_id, signature = signing.sign(
                            checkpoints.signed_text(origin, frontier.size, root, made_at)
                        )
                        signed.append((frontier.size, root.hex(), made_at, key_id, signature))
                    if (leaf_index + 1) % 100_000 == 0:
                        print(f"  built {leaf_index + 1:,} events", file=sys.stderr)
            node_columns = ["id", "level", "position", "hash"]
            if postgres:
                nodes_into = _copy_rows(cursor, "record_nodes", node_columns)
            else:
                nodes_into = _insert_rows(session, RecordNode.__table__, node_columns)
            with nodes_into as write_node:
                for row in nodes:
                    write_node(row)
            if not postgres:
                _finish_elsewhere(session, origin, signed, frontier)
                return time.perf_counter() - started
            for size, root_hex, made_at, key_id, signature in signed:
                cursor.execute(
                    "INSERT INTO record_checkpoints (origin, tree_size, root_hash, made_at, "
                    "key_id, signature, reason) VALUES (%s, %s, %s, %s, %s, %s, 'hourly')",
                    (origin, size, root_hex, made_at, key_id, signature),
                )
            cursor.execute(
                "UPDATE record_head SET tree_size = %s, frontier = %s, checkpoint_count = %s "
                "WHERE id = 1",
                (frontier.size, json.dumps([h.hex() for h in frontier.hashes]), len(signed)),
            )
            for table in ("record_events", "record_nodes"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            if raw is not None:
                raw.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--consultations", type=int, default=40)
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    parser.add_argument(
        "--server",
        default=default_server(),
        help="PostgreSQL server URL (any database on it; the bench makes its own), or sqlite.",
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"Keep the database afterwards (and the instance, with its key, in {KEPT_INSTANCE}).",
    )
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="Only run verify again on the record a --keep run left (while developing).",
    )
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)

    if arguments.verify_only:
        server = _server_url(arguments.server)
        measure(arguments, _database_url(server), str(KEPT_INSTANCE))
    elif arguments.keep and not arguments.server.startswith("sqlite"):
        server = _server_url(arguments.server)
        _recreate(server)
        KEPT_INSTANCE.mkdir(parents=True, exist_ok=True)
        run(arguments, _database_url(server), str(KEPT_INSTANCE))
    else:
        with own_database(arguments.server, "record") as url:
            run(arguments, url)


def run(arguments: argparse.Namespace, url: str, kept_instance: str | None = None) -> None:
    from consult import migrate
    from consult.app import create_app

    with tempfile.TemporaryDirectory(prefix="consult-bench-record-") as temporary:
        instance = kept_instance or temporary
        settings = {"DATABASE_URL": url, "INSTANCE_PATH": instance}
        app = create_app(settings, "development")
        with app.app_context():
            migrate.upgrade()
        print(f"Building a record of {arguments.events:,} events in {url.split('@')[-1]} ...")
        seconds = build(
            app,
            arguments.events,
            arguments.consultations,
            arguments.checkpoint_every,
            arguments.seed,
        )
        print(
            f"  built and inserted in {seconds:.1f} s ({arguments.events / seconds:,.0f} events/s)"
        )
        from consult.extensions import db

        db.state(app).engine.dispose()
        measure(arguments, url, instance)


def measure(arguments: argparse.Namespace, url: str, instance: str) -> None:
    """Run ``consult record verify`` in a child process; print and write its figures."""
    print("Running `consult record verify` ...", flush=True)
    environment = {
        **os.environ,
        "CONSULT_DATABASE_URL": url,
        "CONSULT_INSTANCE_PATH": instance,
        "CONSULT_ENV": "development",
    }
    consult = Path(sys.executable).with_name("consult")
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-c", MEASURED, str(consult), "record", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    print(result.stdout.strip())
    if result.returncode != 0 or "peak-rss-kib " not in result.stderr:
        print(result.stderr, file=sys.stderr)
        raise SystemExit(f"verify failed (exit {result.returncode})")
    peak = int(result.stderr.rsplit("peak-rss-kib ", 1)[1]) / 1024
    cpu = float(result.stderr.rsplit("cpu-seconds ", 1)[1].split()[0])
    print()
    print(f"events:             {arguments.events:>12,}")
    print(f"verify, wall time:  {seconds:>12.1f} s (the whole command, start to end)")
    print(f"verify, rate:       {arguments.events / seconds:>12,.0f} events/s")
    print(f"verify, CPU time:   {cpu:>12.1f} s (the command's own; the database's is not in it)")
    print(f"verify, per CPU-s:  {arguments.events / cpu:>12,.0f} events")
    print(f"verify, peak RSS:   {peak:>12,.0f} MiB")
    write_figures(
        arguments.figures,
        {
            "events": arguments.events,
            "seconds": seconds,
            "events_per_second": arguments.events / seconds,
            "cpu_seconds": cpu,
            "peak_mb": peak,
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
