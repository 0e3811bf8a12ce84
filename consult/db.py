"""Engine, session, naming convention and the declarative base.

The session lives for one request (or one CLI command): ``db.session`` is created on first
use in an application context and closed when that context ends. Services take the session
as an argument and only ``flush()``; the view or command that called them commits once.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time: timezone-aware in Python, UTC in the database.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again on the way out. Naive datetimes are refused, because a
    naive time in a consultation's closing moment is a bug waiting for summer time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware one, e.g. consult.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class iso_moment(FunctionElement[str]):
    """A :class:`UTCDateTime` column written by the database as Python writes the moment:
    ``value.isoformat()`` of the aware UTC datetime, ``2026-03-01T09:15:02.250000+00:00``
    (no fraction when the microseconds are 0). For streaming a million moments, where
    making and formatting a datetime per row costs more than the query (the exports).
    NULL stays NULL."""

    type = String()
    inherit_cache = True


@compiles(iso_moment, "postgresql")
def _iso_moment_postgresql(element: iso_moment, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"(replace(to_char(({value}) AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00')"
    )


@compiles(iso_moment, "sqlite")
def _iso_moment_sqlite(element: iso_moment, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as naive UTC text, always with six digits of microseconds
    # ("2026-03-01 09:15:02.250000", SQLAlchemy's SQLite format).
    value = compiler.process(element.clauses, **kw)
    return f"(replace(replace(({value}), ' ', 'T'), '.000000', '') || '+00:00')"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def enum_column(enum_cls: type[enum.Enum], *, check_name: str | None = None, **kwargs: Any) -> Any:
    """An enum stored by its value as a plain string with a CHECK constraint.

    Values rather than names keep the database readable; ``native_enum=False`` keeps
    migrations identical on SQLite and PostgreSQL. Two columns of one enum in the same
    table need their own ``check_name``, or their CHECK constraints would share a name.
    """
    from sqlalchemy import Enum

    return mapped_column(
        Enum(
            enum_cls,
            name=check_name or enum_cls.__name__.lower(),
            native_enum=False,
            create_constraint=True,
            length=max(len(m.value) for m in enum_cls),
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kwargs,
    )


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, and transactions the way the SQLAlchemy docs recommend for pysqlite.

    pysqlite's own transaction handling breaks SAVEPOINT (which the test suite and nested
    services rely on), so we let SQLAlchemy emit BEGIN itself.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        # Readers must not block a writer: a background job (the reactienota's PDF) writes
        # its progress from a second connection while its own session holds a read
        # transaction; in the default rollback journal that commit waits for the reader and
        # fails with "database is locked". WAL lets them run side by side.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _writing_request() -> bool:
    """A POST (or other writing method) is handled now, in this thread.

    Such a request takes SQLite's write lock when its transaction begins. A deferred
    transaction that reads first and writes later cannot wait for a writer that committed
    in between (SQLite answers "database is locked" at once, busy_timeout or not), so two
    participants sending at the same moment would have one of them refused with a 503.
    Reads keep deferred transactions: in WAL mode they never wait for anyone.
    """
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


def build_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we install; say so, so plain postgresql:// URLs work.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


@dataclass
class DatabaseState:
    engine: Engine
    session_factory: sessionmaker[Session]


class Database:
    """Binds an engine and a per-app-context session to each Flask app it is given.

    The state lives in ``app.extensions``, so several apps (as in the tests) can each have
    their own database.
    """

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = build_engine(url)
        app.extensions["consult.db"] = DatabaseState(
            engine, sessionmaker(bind=engine, expire_on_commit=False)
        )
        app.teardown_appcontext(self._remove_session)

    @staticmethod
    def state(app: Flask | None = None) -> DatabaseState:
        return (app or current_app).extensions["consult.db"]

    @property
    def engine(self) -> Engine:
        return self.state().engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.state().session_factory

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.session_factory()
        return g.db_session

    def _remove_session(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.close()
        except SQLAlchemyError as error:
            # The connection died under the request (the server restarted, a proxy cut it):
            # its rollback fails. The answer is already made; drop the connection rather
            # than turn that answer into a 500.
            log.warning("dropping a database connection that failed at the end: %s", error)
            session.invalidate()


# Full-text search is kept by the database itself (SQLite FTS5 tables filled by triggers,
# PostgreSQL GIN indexes over to_tsvector), written by migration 0011, not by the models:
# autogenerate leaves these names alone.
SEARCH_PREFIXES = ("search_", "ix_search_")


def belongs_to_the_models(
    _object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's ``include_object``: everything but the search tables and indexes."""
    return not (type_ in ("table", "index") and name and name.startswith(SEARCH_PREFIXES))


# -- reading many rows ---------------------------------------------------------------------


def batches(session: Session, query: Any, size: int) -> Generator[Sequence[Any]]:
    """The rows of ``query`` (Core rows) in batches of ``size``, from one cursor that is
    read as they are needed (``yield_per``: a server-side cursor on PostgreSQL)."""
    result = session.connection().execute(query.execution_options(yield_per=size))
    try:
        yield from result.partitions()
    finally:
        result.close()


def driver_batches(
    session: Session, query: Any, size: int, *, native_only: bool = False
) -> Generator[Sequence[Any]]:
    """The rows of ``query`` in batches of ``size`` as the driver's own tuples, from a
    named (server-side) cursor on PostgreSQL: a million SQLAlchemy rows, with their type
    processing, cost more than everything done with them. The query's constants are
    written into it. Elsewhere (SQLite), :func:`batches`, unless the query holds only
    plain integers and strings and ``native_only`` is false (a SQLite datetime or boolean
    is text or a number to the driver): then the plain sqlite3 cursor. The query runs
    here, in the session's thread; the batches may be read in another (:func:`read_ahead`).
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" and native_only:
        return batches(session, query, size)
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"batches_{id(query):x}")
        cursor.itersize = size
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
    except BaseException:
        cursor.close()
        raise
    return _fetched(cursor, size)


def _fetched(cursor: Any, size: int) -> Generator[Sequence[Any]]:
    try:
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def read_ahead(batches: Generator[Sequence[Any]]) -> Generator[Sequence[Any]]:
    """``batches``, the next one read in a thread while this one is used: the database's
    time to send a batch is spent beside ours, not after it. (psycopg lets threads share a
    connection, one statement at a time; the thread's only one is the cursor's FETCH, and
    nothing else may use the connection until this generator is done or closed.)"""
    handover: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def read() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    break
                handover.put(batch)
            handover.put(end)
        except BaseException as exc:  # raised again in the reading thread
            handover.put(exc)
        finally:
            batches.close()

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while (item := handover.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full handover finish
            with contextlib.suppress(queue.Empty):
                handover.get(timeout=0.05)
        reader.join()
