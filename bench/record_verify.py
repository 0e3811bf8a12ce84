"""Benchmark: ``consult record verify`` on a record of 1,000,000 events, on PostgreSQL.

Run from the project root: ``.venv/bin/python -m bench.record_verify`` (``--help`` for
options; ``--events 100000`` for a quick run). It needs a PostgreSQL server (default
``postgresql://postgres@127.0.0.1:5432/postgres``, or ``--server URL``), where it creates the
database ``consult_bench_record``, migrates it, and drops it at the end (``--keep`` keeps it).

The record is built as ``append`` would build it, but in bulk: every event's body, hashes
and chain link come from ``consult.record.canonical``, the tree's nodes and the head from
``consult.record.merkle.Frontier``, the checkpoints (one every ``--checkpoint-every``
events) are signed with the instance key; rows go in with COPY. Events are spread over
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DATABASE = "consult_bench_record"
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
print("peak-rss-kib", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
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


def _drop(server: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
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


def build(app, events: int, consultations: int, checkpoint_every: int, seed: int) -> float:
    """Fill the record with ``events`` events in bulk; the seconds it took."""
    from consult.extensions import db
    from consult.record import canonical, checkpoints, merkle, signing
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

        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            links: dict[str, tuple[int, str]] = {}
            frontier = merkle.Frontier()
            moment = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
            signed: list[tuple] = []
            nodes: list[tuple[int, int, int, str]] = []
            with cursor.copy(
                "COPY record_events (id, leaf_index, consultation_id, chain, seq, kind, "
                "occurred_at, actor_role, object_type, object_id, payload, prev_hash, "
                "event_hash, leaf_hash) FROM STDIN"
            ) as copy_events:
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
                    copy_events.write_row(
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
            with cursor.copy(
                "COPY record_nodes (id, level, position, hash) FROM STDIN"
            ) as copy_nodes:
                for row in nodes:
                    copy_nodes.write_row(row)
            for size, root_hex, made_at, key_id, signature in signed:
                cursor.execute(
                    "INSERT INTO record_checkpoints (origin, tree_size, root_hash, made_at, "
                    "key_id, signature, reason) VALUES (%s, %s, %s, %s, %s, %s, 'hourly')",
                    (origin, size, root_hex, made_at, key_id, signature),
                )
            cursor.execute(
                "UPDATE record_head SET tree_size = %s, frontier = %s WHERE id = 1",
                (frontier.size, json.dumps([h.hex() for h in frontier.hashes])),
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
            raw.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--consultations", type=int, default=40)
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "CONSULT_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server URL (any database on it; the bench makes its own).",
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    arguments = parser.parse_args()

    from consult import create_app, migrate

    server = _server_url(arguments.server)
    url = _database_url(server)
    _recreate(server)
    try:
        with tempfile.TemporaryDirectory(prefix="consult-bench-record-") as instance:
            settings = {"DATABASE_URL": url, "INSTANCE_PATH": instance}
            app = create_app(settings, "development")
            with app.app_context():
                migrate.upgrade()
            print(f"Building a record of {arguments.events:,} events in {DATABASE} ...")
            seconds = build(
                app,
                arguments.events,
                arguments.consultations,
                arguments.checkpoint_every,
                arguments.seed,
            )
            print(
                f"  built and inserted in {seconds:.1f} s "
                f"({arguments.events / seconds:,.0f} events/s)"
            )

            print("Running `consult record verify` ...")
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
            peak = int(result.stderr.rsplit("peak-rss-kib ", 1)[1]) / 1024
            print(result.stdout.strip())
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                raise SystemExit(f"verify failed (exit {result.returncode})")
            print()
            print(f"events:             {arguments.events:>12,}")
            print(f"verify, wall time:  {seconds:>12.1f} s (the whole command, start to end)")
            print(f"verify, rate:       {arguments.events / seconds:>12,.0f} events/s")
            print(f"verify, peak RSS:   {peak:>12,.0f} MiB")
    finally:
        if not arguments.keep:
            _drop(server)


if __name__ == "__main__":
    main()
