"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

_writer_locks: WeakKeyDictionary[Engine, threading.RLock] = WeakKeyDictionary()


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    # More connections than the thread pool has threads (40), so that the few quick reads
    # made on the event loop never wait for a checkout.
    kwargs: dict[str, Any] = {"echo": echo, "pool_size": 20, "max_overflow": 40}
    if database_url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts, so that writes
        # can begin with BEGIN IMMEDIATE (a plain BEGIN that later writes gets "database is
        # locked" under concurrent writers, see shared/performance.md).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def _one_writer(engine: Engine) -> AbstractContextManager[Any]:
    """On SQLite, this process's writers queue on a lock before BEGIN IMMEDIATE.

    Why: SQLite's busy handler makes a waiting writer sleep in growing steps (up to 100 ms)
    while newcomers overtake it, which gave p99 write latencies of seconds under 20
    concurrent clients; a lock queues them fairly. The busy timeout still covers writers in
    other processes (a second server, the CLI).
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _writer_locks.get(engine)
    if lock is None:
        lock = _writer_locks.setdefault(engine, threading.RLock())
    return lock


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction for one write: commit on success, roll everything back on error.

    On SQLite the transaction starts with BEGIN IMMEDIATE so that two writers queue on the
    lock instead of failing half-way with "database is locked".
    """
    with _one_writer(engine), Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """The same one-transaction write, for Core statements on hot write paths."""
    with _one_writer(engine), engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with conn.begin():
            yield conn
