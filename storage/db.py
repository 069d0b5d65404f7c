"""Engines, sessions and schema upgrades for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_KEY = 0x63616E77  # "canw": serialises schema upgrades across processes
# Connections each process keeps open. A web worker has up to CANWESHIP_WEB_THREADS (8) request
# threads and Bolt's listener threads, plus the completion writer and the scheduler, each
# holding a connection at a time. A smaller pool does not make anyone wait: it opens an
# "overflow" connection for the extra thread and closes it when returned, so under load every
# answer paid for a new connection (a new server process on PostgreSQL): about a third of the
# bot's CPU per answer, and the biggest part of the latency tail (benchmarks/README.md, round 4).
POOL_SIZE = 16
POOL_OVERFLOW = 8

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or read. Callers fail closed."""


def make_engine(url: str) -> Engine:
    """Create an engine with the settings this app relies on for each backend."""
    parsed = make_url(url)
    # No pre-ping: it costs a round trip on every checkout (a fifth of an answer's database time
    # under load). A connection the server dropped fails one statement, is invalidated by the
    # pool, and that answer fails closed (`unavailable`); the next checkout reconnects.
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    pooled = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(pooled)  # an in-memory database is one connection per thread
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pooled, pool_recycle=1800)
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        event.listen(engine, "commit", _release_write_lock)
        event.listen(engine, "rollback", _release_write_lock)
    return engine


def get_engine(url: str) -> Engine:
    """One shared engine per URL for the life of the process."""
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, manage transactions, so BEGIN IMMEDIATE below takes effect.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_sqlite_write_lock = threading.RLock()
_sqlite_lock_files: dict[str, Any] = {}


def _lock_file(conn: Any) -> Any:
    """One open lock file per database per process, beside the database."""
    database = conn.engine.url.database
    if not database or database == ":memory:":
        return None
    handle = _sqlite_lock_files.get(database)
    if handle is None:
        handle = open(Path(database).expanduser().with_suffix(".write.lock"), "a+")  # noqa: SIM115
        _sqlite_lock_files[database] = handle
    return handle


def _sqlite_on_begin(conn: Any) -> None:
    # Writers that read first take the write lock up front (see `writer`): two of them upgrading
    # from reading to writing would otherwise fail with SQLITE_BUSY instead of waiting their turn.
    # Readers begin deferred, so in WAL mode they never wait for a writer. Writers queue first on
    # a thread lock and then on a file lock shared by every process of this host: both wake the
    # next writer as soon as the last one commits, where SQLite's own busy handler polls in
    # sleeps of up to 100 ms, which shows up as tail latency under concurrent load.
    immediate = conn.get_execution_options().get("begin_immediate")
    if not immediate:
        conn.exec_driver_sql("BEGIN")
        return
    depth = conn.info.get("write_lock_depth", 0)
    _sqlite_write_lock.acquire()
    conn.info["write_lock_depth"] = depth + 1
    try:
        handle = _lock_file(conn) if depth == 0 else None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
            conn.info["write_lock_file"] = handle
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_write_lock(conn)
        raise


def _release_write_lock(conn: Any) -> None:
    depth = conn.info.get("write_lock_depth", 0)
    if not depth:
        return
    handle = conn.info.pop("write_lock_file", None)
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
    conn.info["write_lock_depth"] = 0
    for _ in range(depth):
        _sqlite_write_lock.release()


def writer(engine: Engine) -> Engine:
    """The same engine, but transactions take SQLite's write lock at BEGIN (no-op elsewhere)."""
    return engine.execution_options(begin_immediate=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert_insert(dialect: str) -> Any:
    """The dialect's `insert` construct, which has `on_conflict_do_nothing/update` (both stores)."""
    if dialect == "postgresql":
        # (each dialect has its own upsert; import only the one in use)
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # (see above)
    return insert


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A short transaction: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, *, engine: Engine | None = None) -> str:
    """Bring the schema to the newest migration; safe when several processes start at once."""
    engine = engine or get_engine(url)
    with _migration_lock(engine), engine.connect() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
    return current_revision(engine)


def current_revision(engine: Engine) -> str:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception:
            return "none"
        return row[0] if row else "none"


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if is_sqlite(engine):
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        lock_path = Path(database).expanduser().with_suffix(".migrate.lock")
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as lock_conn:
        lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        try:
            yield
        finally:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            lock_conn.commit()


def describe_location(url: str) -> str:
    """Where the store is: a file path for SQLite, the URL without its password otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database or ":memory:").expanduser().resolve())
    return parsed.render_as_string(hide_password=True)
