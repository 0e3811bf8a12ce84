"""What the benchmarks share: the database server they use, their own databases, figures.

Every benchmark takes ``--figures PATH``: it writes the figures the table shows there as
JSON, so ``python -m bench`` can collect them from a child process (each benchmark runs in
a process of its own, so one's memory never counts as another's).
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def default_server() -> str:
    """The PostgreSQL server ``make bench`` uses: ``CONSULT_BENCH_DATABASE_URL`` or local."""
    return os.environ.get("CONSULT_BENCH_DATABASE_URL") or DEFAULT_SERVER


def server_url(url: str) -> str:
    """``url`` with the psycopg 3 driver, which the app uses."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@contextmanager
def own_database(server: str | None, name: str) -> Iterator[str]:
    """A database of the benchmark's own for the run, dropped afterwards: on the PostgreSQL
    ``server`` (a unique name starting with ``consult_bench_<name>``), or a temporary SQLite
    file when ``server`` is None or a ``sqlite`` URL."""
    if not server or server.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix=f"consult-bench-{name}-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    database = f"consult_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield (
            make_url(server_url(server))
            .set(database=database)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def write_figures(path: str | None, figures: dict[str, Any]) -> None:
    """Write the figures for ``python -m bench`` (nothing when run on its own)."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=2, default=str), "utf-8")
