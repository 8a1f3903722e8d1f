"""The `parallax` command, run as a user would (a real process, a real database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.db import make_engine
from app.models import Article, Passage
from tests.conftest import ROOT, SEEDS, SOURCE_ARTICLES


def parallax(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARALLAX_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upgrade_seed_and_seed_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert parallax(url, "db", "upgrade").returncode == 0
    first = parallax(url, "seed", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert "2 articles and 79 tags changed" in first.stdout
    again = parallax(url, "seed", str(SEEDS))
    assert "0 articles and 0 tags changed" in again.stdout


def test_import_creates_story_and_outlet(empty_db_url: str) -> None:
    path = SOURCE_ARTICLES / "nyt-style_few-concessions.txt"
    r = parallax(
        empty_db_url, "import", str(path), "--story", "new-story", "--outlet", "new-outlet"
    )
    assert r.returncode == 0, r.stderr
    assert "18 passages added" in r.stdout
    engine = make_engine(empty_db_url)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Passage)).scalar() == 18
        assert s.execute(select(Article.headline)).scalar().startswith("During Call")  # type: ignore[union-attr]
    engine.dispose()
    again = parallax(
        empty_db_url, "import", str(path), "--story", "new-story", "--outlet", "new-outlet"
    )
    assert "unchanged" in again.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01binary", "binary"), (b"Headline only", "no paragraphs")],
)
def test_import_refuses_bad_files_with_a_message_and_no_trace(
    empty_db_url: str, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    r = parallax(empty_db_url, "import", str(bad), "--story", "s", "--outlet", "o")
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    engine = make_engine(empty_db_url)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Article)).scalar() == 0
    engine.dispose()


def test_import_of_a_missing_file(empty_db_url: str) -> None:
    r = parallax(empty_db_url, "import", "/nonexistent.txt", "--story", "s", "--outlet", "o")
    assert r.returncode == 2 and "cannot read" in r.stderr
