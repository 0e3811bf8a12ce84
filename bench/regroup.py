"""Benchmark: store the grouping of 20,000 comments in a database, and read it back.

Run from the project root: ``.venv/bin/python -m bench.regroup`` (``--help`` for options). On
PostgreSQL: ``--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` (a database is
made for the run and dropped afterwards); without it, a temporary SQLite file.

It loads a consultation with ``consult seed load``'s bulk loader, with the texts of
``bench.grouping`` (30 letter campaigns of 100-600 edited copies among unique comments),
then times :func:`consult.responses.grouping.services.regroup` three times: the first run
(every group new), a second run (every group replaced, keeping its number), and a run after
a person edited the largest group (which is left alone). It also times the reads the pages
make: one page of the group list, the largest group's first page of members, and
``memberships`` for 50 comments.
Figures are wall times of one run each, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.grouping import generate


@contextmanager
def database(server: str | None) -> Iterator[str]:
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    name = f"consult_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"  {label:<48} {time.perf_counter() - started:7.2f} s")
    return result


def run(url: str, comments: int, campaigns: int, seed: int) -> None:
    from consult import migrate
    from consult.accounts import services as accounts
    from consult.app import create_app
    from consult.comments.models import Comment
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.responses.grouping import services as grouping
    from consult.responses.models import CommentGroup
    from consult.seeds import load

    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": instance, "RATELIMIT_STORAGE_URI": "memory://"},
            environment="testing",
        )
        with app.app_context():
            session = db.session
            migrate.upgrade()
            seed_regions(session)
            session.commit()
            # The loader's own texts are all different; give it the campaigns instead (received
            # comment texts cannot be changed afterwards, the database refuses it).
            items, _truth = generate(comments, campaigns, seed)
            bodies = iter(body for _id, body in items)
            load._comment_text = lambda _rng: next(bodies)
            loaded = timed(
                f"load {comments:,} comments",
                lambda: load.seed_load(session, 20, comments, region_code="JZ22", seed=seed),
            )
            session.commit()
            if session.bind.dialect.name == "postgresql":
                # As autovacuum would soon after a bulk load; without fresh statistics the
                # planner joins 20,000 comments to their submissions in a nested loop (40 s).
                timed("ANALYZE", lambda: session.execute(text("ANALYZE")))
                session.commit()
            ids = list(
                session.scalars(
                    select(Comment.id)
                    .where(Comment.consultation_id == loaded.consultation_id)
                    .order_by(Comment.id)
                )
            )
            consultation = session.get(Consultation, loaded.consultation_id)
            person = accounts.create_user(session, "bench@example.org", "a long bench password")
            session.flush()

            print(f"grouping on {make_url(url).get_backend_name()}:")
            first = timed(
                "regroup, first run", lambda: grouping.regroup(session, None, consultation)
            )
            session.commit()
            print(f"    {first.groups} groups with {first.grouped_comments:,} comments")
            timed("regroup, second run", lambda: grouping.regroup(session, None, consultation))
            session.commit()
            largest = grouping.group_list(session, consultation).groups[0]
            group = session.get(CommentGroup, largest.id)
            leaving = next(
                m.comment for m in group.members if m.comment_id != group.representative_id
            )
            timed(
                f"remove one comment from a group of {largest.size}",
                lambda: grouping.remove_from_group(session, person, group, leaving),
            )
            session.commit()
            third = timed(
                "regroup, with one hand-edited group",
                lambda: grouping.regroup(session, None, consultation),
            )
            session.commit()
            print(f"    {third.groups} automatic groups, {third.kept_groups} kept")
            timed("group list, first page", lambda: grouping.group_list(session, consultation))
            group = session.get(CommentGroup, largest.id)
            timed(
                "largest group, first page of members", lambda: grouping.member_page(session, group)
            )
            timed(
                "memberships of 50 comments",
                lambda: grouping.memberships(session, consultation, ids[:50]),
            )
        db.state(app).engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process: {peak:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--server", help="a PostgreSQL server URL; a database is made on it for the run"
    )
    args = parser.parse_args(argv)
    with database(args.server) as url:
        run(url, args.comments, args.campaigns, args.seed)


if __name__ == "__main__":
    main()
