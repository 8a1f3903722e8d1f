"""Plain DB-API reads on a pooled connection, for the few queries on the hottest paths.

Why: a one-row SELECT through a SQLAlchemy Connection costs ~150-200 µs here (begin
event, result machinery, rollback on close); the same SQL on the pool's DB-API cursor
costs ~15 µs (tests/bench/README.md). SQL here is written with `?` placeholders and
converted for drivers that use `%s`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection, Engine


@lru_cache(maxsize=256)
def _sql_for(sql: str, paramstyle: str) -> str:
    return sql if paramstyle == "qmark" else sql.replace("?", "%s")


def fetch_all(engine: Engine, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        try:
            cur.execute(_sql_for(sql, engine.dialect.paramstyle), tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()
    finally:
        conn.close()  # back to the pool, which rolls back whatever the driver began


class Reader:
    """Several reads on one pooled connection: `with Reader(engine) as q: q(sql, params)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.style = engine.dialect.paramstyle

    def __enter__(self) -> Reader:
        self.conn = self.engine.raw_connection()
        self.cur = self.conn.cursor()
        return self

    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cur.execute(_sql_for(sql, self.style), tuple(params))
        return list(self.cur.fetchall())

    def __exit__(self, *exc: object) -> None:
        self.cur.close()
        self.conn.close()  # back to the pool, which rolls back whatever the driver began


def fetch_one(engine: Engine, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    rows = fetch_all(engine, sql, params)
    return rows[0] if rows else None


def placeholders(n: int) -> str:
    return ", ".join("?" * n)


def as_date(value: Any) -> dt.date | None:
    """SQLite's driver hands dates back as text; PostgreSQL's as dates."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """A statement on the DB-API connection of `conn`, inside the transaction it began."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(_sql_for(sql, conn.dialect.paramstyle), tuple(params))
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


def db_time(conn: Connection, value: dt.datetime) -> Any:
    """A timestamp as the column stores it: SQLAlchemy keeps SQLite datetimes as text in
    this form (naive UTC), PostgreSQL takes the aware datetime."""
    if conn.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
