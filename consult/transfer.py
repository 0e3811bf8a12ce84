"""Moving a Consult's data: to PostgreSQL when it outgrows SQLite, and into and out of backups.

``consult db copy --to URL`` copies every table of the current database into an empty
PostgreSQL database: it migrates the target first, copies the tables in dependency order
(parents before children) in batches, with progress, in one transaction (a failed copy
leaves nothing behind), and sets the sequences so the next row gets the next id. The
database's own rules (triggers that keep published answers and the record unchanged) are
switched off for the copy's transaction only, because they refuse what a copy must do (link
comments to an answer that is already published); the rows arrive exactly as they were, and
``consult record verify`` on the copy proves it.

``consult backup`` writes one ``.tar`` file: the database (SQLite's online backup API, or
``pg_dump`` in its custom format), the record's signing key and retired keys, and a
``manifest.json`` with each member's SHA-256. ``consult restore FILE`` puts it back into an
empty database and instance, checks every hash first, and migrates.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.migration import MigrationContext
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, LargeBinary, Table, func, inspect, select, text, update
from sqlalchemy.engine import make_url

from consult import migrate
from consult.db import Base, build_engine
from consult.extensions import db
from consult.ledger import signing
from consult.ledger.models import RecordHead

BATCH_ROWS = 1000
# Rows that carry files (attachments, PDFs) are copied a few at a time: memory stays small.
BATCH_ROWS_WITH_FILES = 20
BACKUP_FORMAT = "consult-backup/v1"

Echo = Callable[[str], None]


class TransferError(RuntimeError):
    """The copy, backup or restore cannot go on; the message says why and what to do."""


# -- copy ------------------------------------------------------------------------------------


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` as the PostgreSQL tools (pg_dump, pg_restore) take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _label(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def tables_in_order() -> list[Table]:
    """Every table of the models, parents before children."""
    import consult.models  # noqa: F401  (every model registered on Base.metadata)

    return list(Base.metadata.sorted_tables)


def _has_files(table: Table) -> bool:
    return any(isinstance(column.type, LargeBinary) for column in table.columns)


def _refuse_unless_empty(target: Engine) -> None:
    names = set(inspect(target).get_table_names())
    if names:
        shown = ", ".join(sorted(names)[:5]) + (" …" if len(names) > 5 else "")
        raise TransferError(
            f"the database at {_label(str(target.url))} is not empty (it has {shown}). "
            "Copy into a new, empty database, e.g. createdb consult."
        )


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in tables_in_order()
        }


def copy_database(source: Engine, target_url: str, echo: Echo) -> dict[str, int]:
    """Copy every row of ``source`` into the empty PostgreSQL database at ``target_url``."""
    if make_url(target_url).get_backend_name() != "postgresql":
        raise TransferError(
            "the copy goes to PostgreSQL (a postgresql:// URL); to keep SQLite, use "
            "consult backup and consult restore instead."
        )
    source_revision = _revision(source)
    head = migrate.head_revision()
    if source_revision != head:
        raise TransferError(
            f"this database is at revision {source_revision}, not {head}: run consult db "
            "upgrade first, so both sides have the same tables."
        )
    target = build_engine(target_url)
    try:
        _refuse_unless_empty(target)
        echo(f"migrating {_label(target_url)} to {head}")
        with target.begin() as connection:
            command.upgrade(migrate.alembic_config(connection), "head")
        counts = _copy_rows(source, target, echo)
    finally:
        target.dispose()
    return counts


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _copy_rows(source: Engine, target: Engine, echo: Echo) -> dict[str, int]:
    tables = tables_in_order()
    counts: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        # Rows the migrations put in (the stakeholder groups, the empty record head) make way
        # for the source's, which the other rows point at by id.
        for table in tables:
            writing.execute(text(f'ALTER TABLE "{table.name}" DISABLE TRIGGER USER'))
        for table in reversed(tables):
            if table.name != RecordHead.__tablename__:
                writing.execute(table.delete())
        for table in tables:
            total = int(reading.scalar(select(func.count()).select_from(table)) or 0)
            counts[table.name] = total
            if table.name == RecordHead.__tablename__:
                _copy_head(reading, writing, table)
                echo(f"  {table.name}: {total} of {total}")
                continue
            batch = BATCH_ROWS_WITH_FILES if _has_files(table) else BATCH_ROWS
            order = list(table.primary_key.columns) or list(table.columns)
            result = reading.execution_options(yield_per=batch).execute(
                select(table).order_by(*order)
            )
            done = 0
            for rows in result.mappings().partitions(batch):
                writing.execute(table.insert(), [dict(row) for row in rows])
                done += len(rows)
                if total > batch:
                    echo(f"  {table.name}: {done} of {total}")
            if total <= batch:
                echo(f"  {table.name}: {done} of {total}")
        for table in tables:
            writing.execute(text(f'ALTER TABLE "{table.name}" ENABLE TRIGGER USER'))
        _set_sequences(writing, tables)
    return counts


def _copy_head(reading: Any, writing: Any, table: Table) -> None:
    """The record head row exists on both sides (a migration made it): it takes the source's
    size, frontier and checkpoint count."""
    row = reading.execute(select(table)).mappings().first()
    if row is None:
        return
    values = {key: value for key, value in row.items() if key != "id"}
    existing = writing.scalar(select(table.c.id).limit(1))
    if existing is None:
        writing.execute(table.insert(), [dict(row)])
    else:
        writing.execute(update(table).where(table.c.id == existing).values(**values))


def _set_sequences(writing: Any, tables: list[Table]) -> None:
    """Each table's id sequence continues after the highest id copied."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not keys[0].autoincrement or keys[0].type.python_type is not int:
            continue
        name = keys[0].name
        sequence = writing.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": name},
        )
        if sequence is None:
            continue
        # Names from the models' metadata, never from input.
        highest = f'(SELECT MAX("{name}") FROM "{table.name}")'  # noqa: S608
        writing.execute(
            text(f"SELECT setval(:sequence, COALESCE({highest}, 1), {highest} IS NOT NULL)"),
            {"sequence": sequence},
        )


# -- backup and restore ----------------------------------------------------------------------


@dataclass
class BackupSummary:
    path: Path
    dialect: str
    revision: str | None
    members: dict[str, str]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key_files(app: Flask) -> list[tuple[str, Path]]:
    """The record's key files that exist, under the names they get in a backup."""
    found = [("record_signing_key", signing.key_path(app))]
    found.append(("record_retired_keys.json", signing.retired_keys_path(app)))
    return [(name, path) for name, path in found if path.exists()]


def backup(app: Flask, engine: Engine, directory: Path, *, with_key: bool = True) -> BackupSummary:
    """Write one backup file into ``directory`` and say what is in it."""
    dialect = engine.dialect.name
    revision = _revision(engine)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = directory / f"consult-backup-{stamp}.tar"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        members: list[tuple[str, Path]] = []
        if dialect == "sqlite":
            members.append(("database.sqlite3", _backup_sqlite(engine, work)))
        elif dialect == "postgresql":
            members.append(("database.pgdump", _backup_postgresql(engine, work)))
        else:
            raise TransferError(f"no backup for a {dialect} database")
        if with_key:
            members.extend(_key_files(app))
        hashes = {name: _sha256(member) for name, member in members}
        manifest = {
            "format": BACKUP_FORMAT,
            "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dialect": dialect,
            "revision": revision,
            "files": hashes,
        }
        path.touch(mode=0o600)
        with tarfile.open(path, "w") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, member in members:
                archive.add(member, arcname=name)
    path.chmod(0o600)  # it may hold the signing key
    return BackupSummary(path, dialect, revision, hashes)


def _backup_sqlite(engine: Engine, work: Path) -> Path:
    """SQLite's online backup API: a consistent copy while the app keeps running."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise TransferError("an in-memory SQLite database cannot be backed up")
    target = work / "database.sqlite3"
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()
    return target


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise TransferError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(apt-get install postgresql-client)."
        )
    return tool


def _run(arguments: list[str]) -> None:
    result = subprocess.run(arguments, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise TransferError(f"{Path(arguments[0]).name} failed: {reason[-1] if reason else '?'}")


def _backup_postgresql(engine: Engine, work: Path) -> Path:
    target = work / "database.pgdump"
    url = _libpq_url(engine.url.render_as_string(hide_password=False))
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={url}"])  # fmt: skip
    return target


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise TransferError("this is not a Consult backup: it has no manifest.json")
    manifest = json.loads(member.read())
    if manifest.get("format") != BACKUP_FORMAT:
        raise TransferError(f"unknown backup format {manifest.get('format')!r}")
    return dict(manifest)


def restore(app: Flask, engine: Engine, path: Path, echo: Echo) -> dict[str, Any]:
    """Put the backup at ``path`` into the app's (empty) database and instance, then migrate."""
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(path) as archive:
        work = Path(scratch)
        manifest = read_manifest(archive)
        files: dict[str, str] = manifest["files"]
        for name in files:
            if "/" in name or name.startswith("."):
                raise TransferError(f"the backup names an unsafe file: {name!r}")
            archive.extract(name, work, filter="data")
            if _sha256(work / name) != files[name]:
                raise TransferError(f"{name} in the backup does not match its SHA-256: damaged")
        dialect = engine.dialect.name
        if dialect != manifest["dialect"]:
            raise TransferError(
                f"this backup holds a {manifest['dialect']} database and this Consult runs on "
                f"{dialect}; to move from SQLite to PostgreSQL use consult db copy."
            )
        _refuse_unless_empty(engine)
        _restore_keys(app, work, files, echo)
        if dialect == "sqlite":
            _restore_sqlite(engine, work / "database.sqlite3")
        else:
            url = _libpq_url(engine.url.render_as_string(hide_password=False))
            _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--dbname={url}", str(work / "database.pgdump")])  # fmt: skip
        engine.dispose()
        echo(f"restored the database (revision {manifest['revision']}); migrating")
        with engine.begin() as connection:
            command.upgrade(migrate.alembic_config(connection), "head")
    return manifest


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    database = engine.url.database
    if not database or database == ":memory:":
        raise TransferError("cannot restore into an in-memory SQLite database")
    engine.dispose()
    source = sqlite3.connect(copy)
    try:
        target = sqlite3.connect(database)
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()


def _restore_keys(app: Flask, work: Path, files: dict[str, str], echo: Echo) -> None:
    places = {
        "record_signing_key": signing.key_path(app),
        "record_retired_keys.json": signing.retired_keys_path(app),
    }
    for name, place in places.items():
        if name not in files:
            continue
        data = (work / name).read_bytes()
        if place.exists():
            if place.read_bytes() != data:
                raise TransferError(
                    f"{place} holds another key than the backup: move it away first (a "
                    "record must be checked with the key that signed it)."
                )
            continue
        place.parent.mkdir(parents=True, exist_ok=True)
        place.touch(mode=0o600)
        place.write_bytes(data)
        place.chmod(0o600)
        echo(f"restored {name} to {place}")


# -- commands --------------------------------------------------------------------------------


@click.command("copy")
@click.option("--to", "target_url", required=True, help="The empty PostgreSQL database's URL.")
@with_appcontext
def db_copy(target_url: str) -> None:
    """Copy every table into an empty PostgreSQL database (migrated first)."""
    try:
        counts = copy_database(db.engine, target_url, click.echo)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    target = build_engine(target_url)
    try:
        copied = row_counts(target)
    finally:
        target.dispose()
    different = {name: (n, copied.get(name)) for name, n in counts.items() if copied.get(name) != n}
    if different:
        for name, (expected, found) in sorted(different.items()):
            click.echo(f"  {name}: {expected} here, {found} in the copy")
        raise click.ClickException("the row counts of the copy differ")
    click.echo(
        f"copied {sum(counts.values())} rows in {len(counts)} tables to {_label(target_url)}; "
        "the row counts match. Now run consult record verify with CONSULT_DATABASE_URL set "
        "to the copy, and keep the same record signing key."
    )


@click.command("backup")
@click.option(
    "--to",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the backup file goes (default: <instance>/backups).",
)
@click.option(
    "--without-key",
    is_flag=True,
    help="Leave the record's signing key out (when you keep it safe elsewhere).",
)
@with_appcontext
def backup_command(directory: Path | None, without_key: bool) -> None:
    """Back up the database and the record's signing key into one file."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    directory = directory or Path(app.instance_path) / "backups"
    try:
        summary = backup(app, db.engine, directory, with_key=not without_key)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {summary.path} ({summary.dialect}, revision {summary.revision})")
    for name, digest in summary.members.items():
        click.echo(f"  {name}  sha256 {digest}")
    if not without_key:
        click.echo("it holds the record's signing key: keep it as safe as the key itself")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Restore a backup into this Consult's empty database and instance."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        restore(app, db.engine, path, click.echo)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path.name}; check it with consult record verify")
