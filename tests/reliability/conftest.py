"""Fixtures for the reliability tests: live uvicorn servers over test databases.

Starting a server costs a few seconds (importing the app), so the tests that only add data
share one server per backend (`shared_server`); each compares against its own snapshot and
uses its own users. The SIGKILL test starts and kills its own (`server`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.db import make_engine
from tests.conftest import Backend
from tests.reliability.live import LiveServer


@pytest.fixture(scope="session")
def shared_server(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A running server over a migrated, seeded database of its own, one per backend."""
    url = backend.copy(seeded=True)
    live = LiveServer(url, tmp_path_factory.mktemp(f"live-{backend.name}") / "uvicorn.log")
    try:
        yield live.start()
    finally:
        live.stop()
        backend.drop(url)


@pytest.fixture
def shared_engine(shared_server: LiveServer) -> Iterator[Engine]:
    """An engine on the shared server's database, for checking what it stored."""
    e = make_engine(shared_server.database_url)
    yield e
    e.dispose()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server over this test's own database, not yet started: the test starts (and may
    kill and restart) it; it is stopped at the end in any case."""
    live = LiveServer(db_url, tmp_path / "uvicorn.log")
    try:
        yield live
    finally:
        live.stop()
