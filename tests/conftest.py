"""Fixtures: a real database per test, on SQLite and on PostgreSQL.

Each backend gets a migrated (and a migrated + seeded) template once per run; every test
then gets its own copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL),
so tests never see each other's writes and still run fast.

The PostgreSQL leg runs when the server at PARALLAX_TEST_POSTGRES_URL answers; in CI
(CI=true) it must answer, or the run fails.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.services.seed import load_seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SOURCE_ARTICLES = ROOT / "seeds" / "stories" / "trump-putin-call"
PG_URL = os.environ.get(
    "PARALLAX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = [
    b for b in os.environ.get("PARALLAX_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
_counter = itertools.count()


def _pg_admin() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def _pg_available() -> str | None:
    try:
        with _pg_admin().connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 (any failure means: not reachable)
        return f"PostgreSQL at {PG_URL} is not reachable: {exc.__class__.__name__}"


class Backend:
    """Makes template databases and cheap per-test copies of them on one backend."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _new_url(self, label: str) -> str:
        n = next(_counter)
        if self.name == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}-{n}.db'}"
        return str(make_url(PG_URL).set(database=f"px_{self.run_id}_{label}_{n}"))

    def template(self, seeded: bool) -> str:
        label = "seeded" if seeded else "empty"
        if label not in self.templates:
            url = self._new_url(f"tmpl_{label}")
            if self.name == "postgresql":
                self._create_pg(url)
            upgrade(url)
            if seeded:
                engine = make_engine(url)
                load_seeds(engine, SEEDS)
                engine.dispose()
            self.templates[label] = url
        return self.templates[label]

    def copy(self, seeded: bool) -> str:
        source = self.template(seeded)
        url = self._new_url("t")
        if self.name == "sqlite":
            shutil.copyfile(make_url(source).database, make_url(url).database)  # type: ignore[arg-type]
        else:
            self._create_pg(url, template=make_url(source).database)
        return url

    def _create_pg(self, url: str, template: str | None = None) -> None:
        name = make_url(url).database
        clause = f' TEMPLATE "{template}"' if template else ""
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)  # type: ignore[arg-type]

    def drop(self, url: str) -> None:
        if self.name != "postgresql":
            return
        name = make_url(url).database
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        for url in self.templates.values():
            self.drop(url)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    name = request.param
    if name == "postgresql":
        problem = _pg_available()
        if problem:
            if IN_CI:
                pytest.fail(problem + " (CI must run the PostgreSQL leg)")
            pytest.skip(problem)
    b = Backend(name, tmp_path_factory.mktemp(f"db-{name}"))
    yield b
    b.close()


@pytest.fixture
def db_url(backend: Backend) -> Iterator[str]:
    """A migrated database with the seeds loaded, this test's own."""
    url = backend.copy(seeded=True)
    yield url
    backend.drop(url)


@pytest.fixture
def empty_db_url(backend: Backend) -> Iterator[str]:
    """A migrated database with no data, this test's own."""
    url = backend.copy(seeded=False)
    yield url
    backend.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def empty_engine(empty_db_url: str) -> Iterator[Engine]:
    e = make_engine(empty_db_url)
    yield e
    e.dispose()


def make_test_app(database_url: str, **overrides: object) -> FastAPI:
    settings = Settings(environment="test", database_url=database_url, **overrides)  # type: ignore[arg-type]
    return create_app(settings)


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    application = make_test_app(db_url)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
