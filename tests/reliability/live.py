"""A real uvicorn process over a test database, and the helpers the reliability tests share.

The server is `python -m uvicorn --factory tests.reliability.server_app:create`, one worker,
on 127.0.0.1 and a free port, in its own process group (so a test can SIGKILL exactly it),
configured only through the environment (PARALLAX_DATABASE_URL, PARALLAX_ENVIRONMENT=test).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.db import make_engine, write_session
from app.services.accounts import create_user, issue_token

ROOT = Path(__file__).resolve().parents[2]
STORY = "trump-putin-call"
FACTORY = "tests.reliability.server_app:create"
# Bytecode for the server processes, outside the repository and the venv. With
# PYTHONDONTWRITEBYTECODE set and no __pycache__ in site-packages, every start compiled the
# app and its libraries again: 3.5-4.5 s a start here, 1.3-1.8 s with this cache warm.
PYCACHE = Path(tempfile.gettempdir()) / "parallax-test-pycache"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn in a subprocess. `start()` waits until /healthz answers 200."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                FACTORY,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            env = dict(
                os.environ,
                PARALLAX_DATABASE_URL=self.database_url,
                PARALLAX_ENVIRONMENT="test",
                PYTHONPYCACHEPREFIX=str(PYCACHE),
            )
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    cmd,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready(timeout):
                return self
            self.stop()
            if "address already in use" not in self.log().lower():
                break
        raise RuntimeError(f"uvicorn did not become ready:\n{self.log()[-3000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        return False

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill9(self) -> None:
        """SIGKILL the server (its own process group: the server and nothing else)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Writer:
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_writers(database_url: str, names: list[str], role: str = "analyst") -> list[Writer]:
    """One user and one API token per name, written straight to the database."""
    engine = make_engine(database_url)
    try:
        with write_session(engine) as s:
            out = []
            for name in names:
                user = create_user(s, name=name, role=role, password=None)
                out.append(Writer(name, issue_token(s, user)))
            return out
    finally:
        engine.dispose()


def passage_ids(base_url: str) -> list[str]:
    r = httpx.get(f"{base_url}/api/stories/{STORY}", timeout=10)
    r.raise_for_status()
    ids = [p["id"] for a in r.json()["articles"] for p in a["passages"]]
    assert ids, "the seeded story has no passages"
    return ids


@dataclass(frozen=True)
class Snapshot:
    annotation_ids: set[str]
    story_version: int


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT public_id FROM annotation")).scalars())
        version = conn.execute(
            text("SELECT version FROM story WHERE slug = :s"), {"s": STORY}
        ).scalar_one()
    return Snapshot(ids, int(version))


def consistency_problems(engine: Engine) -> dict[str, list[object]]:
    """Annotation/version invariants, as SQL that runs on both backends. Every list should
    be empty: each annotation has its `created` row (version 1) and a row for its current
    version; no version row without its annotation; no gap in an annotation's versions."""
    queries = {
        "annotation without its created version": """
            SELECT a.public_id FROM annotation a WHERE NOT EXISTS (
              SELECT 1 FROM annotation_version v
              WHERE v.annotation_id = a.id AND v.version = 1 AND v.action = 'created')""",
        "annotation without a row for its current version": """
            SELECT a.public_id FROM annotation a WHERE NOT EXISTS (
              SELECT 1 FROM annotation_version v
              WHERE v.annotation_id = a.id AND v.version = a.version)""",
        "version row without its annotation": """
            SELECT v.id FROM annotation_version v
            LEFT JOIN annotation a ON a.id = v.annotation_id WHERE a.id IS NULL""",
        "annotation whose version rows have gaps or run ahead": """
            SELECT a.public_id FROM annotation a JOIN annotation_version v
              ON v.annotation_id = a.id
            GROUP BY a.id, a.public_id, a.version
            HAVING COUNT(*) <> a.version OR MAX(v.version) <> a.version""",
        "annotation on a missing passage or author": """
            SELECT a.public_id FROM annotation a
            LEFT JOIN passage p ON p.id = a.passage_id
            LEFT JOIN user_account u ON u.id = a.author_id
            WHERE p.id IS NULL OR u.id IS NULL""",
    }
    with engine.connect() as conn:
        return {name: list(conn.execute(text(q)).scalars()) for name, q in queries.items()}


def created_rows(engine: Engine, public_ids: set[str]) -> dict[str, tuple[str, str]]:
    """public id -> (annotation body, body of its `created` version row), for the ids given."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.public_id, a.body, v.body FROM annotation a "
                "JOIN annotation_version v ON v.annotation_id = a.id "
                "WHERE v.version = 1 AND v.action = 'created'"
            )
        ).all()
    return {pid: (body, vbody) for pid, body, vbody in rows if pid in public_ids}
