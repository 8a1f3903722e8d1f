"""`parallax user add|token` and `parallax export`, run as a user would: a real process on a
copy of the seeded database, and the web app on the same database to try what it made."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.db import make_engine, write_session
from app.models import ApiToken
from app.services.accounts import authenticate, create_user, issue_token
from app.services.export import CSV_COLUMNS
from app.tables import user_t
from tests import w3c
from tests.conftest import make_test_app
from tests.test_cli import parallax

STORY = "trump-putin-call"
TOKEN = re.compile(r"^px_[A-Za-z0-9_-]{43}$")
api_token_t = ApiToken.__table__  # type: ignore[attr-defined]


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    """The web app on the database the CLI writes to."""
    app = make_test_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.engine.dispose()


def ok(db_url: str, *args: str, stdin: str | None = None) -> str:
    r = parallax(db_url, *args, stdin=stdin)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stdout


def refused(db_url: str, *args: str, stdin: str | None = None) -> str:
    """The command exits 2 with a message for a person, never a stack trace."""
    r = parallax(db_url, *args, stdin=stdin)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stderr.strip() and "Traceback" not in r.stderr
    return r.stderr


def new_token(db_url: str, name: str) -> str:
    token = ok(db_url, "user", "token", name).strip()
    assert TOKEN.match(token), token
    return token


def note(api: TestClient, token: str, **data: Any) -> dict[str, Any]:
    r = api.post("/api/annotations", json=data, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_user_add_with_a_password_on_stdin(db_url: str) -> None:
    out = ok(
        db_url, "user", "add", "ana", "--role", "analyst", "--password-stdin", stdin="s3cret-pass\n"
    )
    assert out.strip() == "user ana added as analyst"
    assert "no password" in ok(db_url, "user", "add", "root", "--role", "admin", stdin="")
    engine = make_engine(db_url)
    with write_session(engine) as session:
        assert authenticate(session, username="ana", password="s3cret-pass", client="t")
        assert authenticate(session, username="ana", password="s3cret-pass\n", client="t") is None
    with engine.connect() as conn:
        rows = dict(conn.execute(select(user_t.c.name, user_t.c.role)).all())
        hashed = conn.execute(select(user_t.c.password_hash).where(user_t.c.name == "ana")).scalar()
    engine.dispose()
    assert rows["ana"] == "analyst" and rows["root"] == "admin"
    assert hashed and "s3cret-pass" not in hashed


def test_user_add_refuses_bad_input(db_url: str) -> None:
    ok(db_url, "user", "add", "ana", "--role", "analyst", stdin="")
    assert "already a user 'ana'" in refused(db_url, "user", "add", "ana", "--role", "admin")
    bad_role = parallax(db_url, "user", "add", "bob", "--role", "owner")
    assert bad_role.returncode == 2 and "invalid choice: 'owner'" in bad_role.stderr
    assert "Traceback" not in bad_role.stderr
    assert "lower-case" in refused(db_url, "user", "add", "Bob Smith", "--role", "analyst")
    short = refused(
        db_url, "user", "add", "bob", "--role", "analyst", "--password-stdin", stdin="x\n"
    )
    assert "at least" in short
    engine = make_engine(db_url)
    with engine.connect() as conn:
        names = list(conn.execute(select(user_t.c.name)).scalars())
    engine.dispose()
    assert names == ["ana"]  # nothing half-made


def test_a_token_works_lists_and_is_revoked(db_url: str, api: TestClient) -> None:
    ok(db_url, "user", "add", "ana", "--role", "analyst", stdin="")
    token = new_token(db_url, "ana")
    other = new_token(db_url, "ana")
    assert other != token
    pid = api.get(f"/api/stories/{STORY}").json()["articles"][0]["passages"][2]["id"]
    made = note(api, token, passage=pid, body="from a script")
    assert made["author"] == "ana"

    listed = ok(db_url, "user", "token", "ana", "--list").splitlines()
    assert len(listed) == 2 and all(line.endswith("live") for line in listed)
    assert listed[0].startswith(token[:10] + "...") and token not in "\n".join(listed)

    out = ok(db_url, "user", "token", "ana", "--revoke", token[:10])
    assert out.strip() == "revoked 1 token of ana"
    r = api.post(
        "/api/annotations",
        json={"passage": pid, "body": "after revoking"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 401 and r.json()["detail"]
    assert note(api, other, passage=pid, body="the other token still works")
    listed = ok(db_url, "user", "token", "ana", "--list").splitlines()
    assert "revoked" in listed[0] and listed[1].endswith("live")
    again = parallax(db_url, "user", "token", "ana", "--revoke", token[:10])
    assert again.returncode == 2 and again.stdout == ""
    assert "No live token of ana starts with" in again.stderr
    empty = parallax(db_url, "user", "token", "ana", "--revoke", "")
    assert empty.returncode == 2 and "Give the start of the token" in empty.stderr
    assert "no user 'nobody'" in refused(db_url, "user", "token", "nobody")


def test_only_the_sha256_of_a_token_is_stored(db_url: str) -> None:
    ok(db_url, "user", "add", "ana", "--role", "analyst", stdin="")
    token = new_token(db_url, "ana")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(api_token_t))]
    engine.dispose()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert rows[0]["prefix"] == token[:10]
    stored = " ".join(str(v) for v in rows[0].values())
    assert token not in stored and token[10:20] not in stored
    url = make_url(db_url)
    if url.drivername.startswith("sqlite"):  # nowhere in the file either
        assert token.encode() not in Path(url.database or "").read_bytes()


@pytest.fixture
def annotated(db_url: str, api: TestClient) -> dict[str, Any]:
    """Two analysts' notes on the story, made over the API with CLI-issued tokens."""
    ok(db_url, "user", "add", "ana", "--role", "analyst", stdin="")
    ana = new_token(db_url, "ana")
    with write_session(api.app.state.engine) as session:  # type: ignore[attr-defined]
        bob = issue_token(
            session, create_user(session, name="bob.r", role="analyst", password=None)
        )
    story = api.get(f"/api/stories/{STORY}").json()
    passages = [p for a in story["articles"] for p in a["passages"]]
    p = next(p for p in passages if p["kind"] == "paragraph")
    exact = p["text"].split()[1]
    notes = [
        note(api, ana, passage=p["id"], body='Tricky, "quoted", and\nmulti-line; =1+1'),
        note(api, ana, passage=p["id"], body="A span.", quote={"exact": exact}),
        note(api, bob, passage=passages[-1]["id"], body="Framed.", frame="win-for-russia"),
    ]
    notes.append(note(api, bob, passage=p["id"], body="A reply.", parent=notes[0]["id"]))
    gone = note(api, bob, passage=p["id"], body="Deleted later.")
    r = api.delete(f"/api/annotations/{gone['id']}", headers={"Authorization": f"Bearer {bob}"})
    assert r.status_code == 204
    return {"passages": passages, "notes": notes, "deleted": gone}


def test_export_csv(db_url: str, annotated: dict[str, Any], tmp_path: Path) -> None:
    out = ok(db_url, "export", STORY, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == ",".join(CSV_COLUMNS)
    passages = [r for r in rows if r["record"] == "passage"]
    notes = {r["annotation_id"]: r for r in rows if r["record"] == "annotation"}
    assert len(rows) == len(passages) + len(notes)
    assert [r["passage_id"] for r in passages] == [p["id"] for p in annotated["passages"]]
    assert [r["passage_text"] for r in passages] == [p["text"] for p in annotated["passages"]]
    for r, p in zip(passages, annotated["passages"], strict=True):
        assert r["editorial_frames"].split() == p["frames"] and r["story"] == STORY
    everyone = [*annotated["notes"], annotated["deleted"]]
    assert set(notes) == {n["id"] for n in everyone}
    for n in everyone:
        row = notes[n["id"]]
        assert row["annotator"] == n["author"] and row["body"] == n["body"]
        assert row["passage_id"] == n["passage"] and row["outlet"] == n["outlet"]
        assert row["parent_id"] == (n["parent"] or "")
        assert row["annotation_frame"] == (n["frame"] or "")
        assert row["quote_exact"] == (n["quote"]["exact"] if n["quote"] else "")
        assert row["deleted"] == ("yes" if n is annotated["deleted"] else "")
        assert re.search(r"(\+00:00|Z)$", row["created"])
    assert {r["annotator"] for r in notes.values()} == {"ana", "bob.r"}
    target = tmp_path / "story.csv"
    assert ok(db_url, "export", STORY, "--format", "csv", "-o", str(target)) == ""
    assert target.read_text(encoding="utf-8") == out


def test_export_jsonld_passes_the_w3c_musts(db_url: str, annotated: dict[str, Any]) -> None:
    doc = json.loads(ok(db_url, "export", STORY, "--format", "jsonld"))
    assert doc["type"] == "AnnotationCollection" and doc["total"] == 4
    origin = "http://127.0.0.1:8000"
    assert doc["id"] == f"{origin}/api/stories/{STORY}/annotations"
    items = doc["first"]["items"]
    assert sorted(i["id"] for i in items) == sorted(
        f"{origin}/api/annotations/{n['id']}" for n in annotated["notes"]
    )
    assert "next" not in doc["first"]
    w3c.assert_musts(doc)
    framed = next(i for i in items if len(i["body"]) == 2)
    assert framed["body"][1]["purpose"] == "tagging"


def test_export_of_an_unknown_story_or_an_empty_one(db_url: str) -> None:
    for fmt in ("csv", "jsonld"):
        assert "There is no story 'nope'" in refused(db_url, "export", "nope", "--format", fmt)
    bad = parallax(db_url, "export", STORY, "--format", "xml")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    doc = json.loads(ok(db_url, "export", STORY, "--format", "jsonld"))
    assert doc["total"] == 0 and "first" not in doc
    w3c.assert_musts(doc)
