"""Who may do what: readers read; analysts write and change only their own notes; admins
change anyone's and restore deleted ones; history is for the author and admins. The same
rules hold over the JSON API with Bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from app.db import write_session
from app.services.accounts import get_user, revoke_token
from app.tables import annotation_t, passage_frame_t
from tests.factories import STORY, make_token, passages
from tests.html import soup
from tests.security.conftest import Browser, People


def note(engine: Engine, public_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(annotation_t).where(annotation_t.c.public_id == public_id)).one()


@pytest.fixture
def pid(client: TestClient) -> str:
    return str(passages(client)[1]["id"])


@pytest.fixture
def cast(browser: Callable[[str | None], Browser]) -> dict[str, Browser]:
    return {
        name: browser(None if name == "anon" else name) for name in ("anon", "alice", "bob", "root")
    }


def _alice_note(cast: dict[str, Browser], pid: str, body: str = "alice's note") -> str:
    r = cast["alice"].api("POST", "/api/annotations", json={"passage": pid, "body": body})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_create_and_reply(cast: dict[str, Browser], pid: str, engine: Engine) -> None:
    anon = cast["anon"]
    r = anon.post(f"/p/{pid}/annotations", {"body": "drive-by"})
    assert r.status_code == 401 and "Log in" in soup(r.text).get_text()
    r = anon.client.post("/api/annotations", json={"passage": pid, "body": "drive-by"})
    assert r.status_code == 401 and r.json()["detail"]
    r = cast["alice"].post(f"/p/{pid}/annotations", {"body": "mine"})
    assert r.status_code == 303
    aid = cast["alice"].client.get(f"/api/annotations?passage={pid}").json()["items"][0]["id"]
    assert note(engine, aid).author_id is not None
    r = anon.post(f"/a/{aid}/replies", {"body": "drive-by"})
    assert r.status_code == 401
    for name in ("bob", "root"):  # any analyst may reply to anyone
        r = cast[name].post(f"/a/{aid}/replies", {"body": f"reply from {name}"})
        assert r.status_code == 303, r.text[:300]
    items = anon.client.get(f"/api/annotations?passage={pid}").json()["items"]
    replies = {i["author"]: i["parent"] for i in items if i["parent"]}
    assert replies == {"bob": aid, "root": aid}


def test_only_the_author_or_an_admin_edits(
    cast: dict[str, Browser], pid: str, engine: Engine
) -> None:
    aid = _alice_note(cast, pid)
    r = cast["anon"].post(f"/a/{aid}/edit", {"body": "defaced"})
    assert r.status_code == 401
    r = cast["bob"].post(f"/a/{aid}/edit", {"body": "defaced"})
    assert r.status_code == 403, r.status_code
    assert "your own" in soup(r.text).get_text()
    r = cast["bob"].hx_post(f"/a/{aid}/edit", {"body": "defaced"})
    assert r.status_code == 403
    assert note(engine, aid).body == "alice's note" and note(engine, aid).version == 1
    # the edit form is not offered to bob either, and readers are sent to log in
    assert cast["bob"].client.get(f"/a/{aid}/edit").status_code == 403
    r = cast["anon"].client.get(f"/a/{aid}/edit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # bob's view of alice's note has no Edit/Delete controls
    page = soup(cast["bob"].client.get(f"/a/{aid}").text)
    assert not page.select(f"#a-{aid} .annotation-actions")
    assert cast["alice"].post(f"/a/{aid}/edit", {"body": "alice, edited"}).status_code == 303
    assert note(engine, aid).body == "alice, edited"
    assert cast["root"].post(f"/a/{aid}/edit", {"body": "admin fixed a typo"}).status_code == 303
    row = note(engine, aid)
    assert row.body == "admin fixed a typo" and row.version == 3
    assert row.author_id == get_author_id(engine, "alice")  # still alice's note


def get_author_id(engine: Engine, name: str) -> int:
    with write_session(engine) as s:
        user_id = get_user(s, name).id
    assert user_id is not None
    return user_id


def test_only_the_author_or_an_admin_deletes(
    cast: dict[str, Browser], pid: str, engine: Engine
) -> None:
    first, second = _alice_note(cast, pid, "one"), _alice_note(cast, pid, "two")
    assert cast["anon"].post(f"/a/{first}/delete").status_code == 401
    r = cast["bob"].post(f"/a/{first}/delete")
    assert r.status_code == 403
    assert note(engine, first).deleted_at is None
    assert cast["alice"].post(f"/a/{first}/delete").status_code == 303
    assert note(engine, first).deleted_at is not None
    assert cast["root"].post(f"/a/{second}/delete").status_code == 303
    assert note(engine, second).deleted_at is not None


def test_only_an_admin_restores(cast: dict[str, Browser], pid: str, engine: Engine) -> None:
    aid = _alice_note(cast, pid)
    assert cast["alice"].post(f"/a/{aid}/delete").status_code == 303
    assert cast["anon"].post(f"/a/{aid}/restore").status_code == 401
    for name in ("alice", "bob"):
        r = cast[name].post(f"/a/{aid}/restore")
        assert r.status_code == 403, (name, r.status_code)
        assert "admin" in soup(r.text).get_text()
        assert note(engine, aid).deleted_at is not None
    r = cast["root"].post(f"/a/{aid}/restore")
    assert r.status_code == 303 and note(engine, aid).deleted_at is None


def test_tagging_needs_an_account(cast: dict[str, Browser], pid: str, engine: Engine) -> None:
    def tags() -> list[Any]:
        with engine.connect() as conn:
            return conn.execute(
                select(passage_frame_t.c.user_id).where(passage_frame_t.c.user_id.is_not(None))
            ).all()

    assert cast["anon"].post(f"/p/{pid}/frames", {"add": "few-concessions"}).status_code == 401
    assert tags() == []
    assert cast["bob"].post(f"/p/{pid}/frames", {"add": "few-concessions"}).status_code == 303
    assert tags() == [(get_author_id(engine, "bob"),)]
    # alice removing "few-concessions" removes her own tag (none), never bob's
    assert cast["alice"].post(f"/p/{pid}/frames", {"remove": "few-concessions"}).status_code == 303
    assert tags() == [(get_author_id(engine, "bob"),)]


def test_history_is_for_the_author_and_admins(
    cast: dict[str, Browser], pid: str, engine: Engine
) -> None:
    aid = _alice_note(cast, pid, "first words")
    assert cast["alice"].post(f"/a/{aid}/edit", {"body": "second words"}).status_code == 303

    def history(who: str) -> str | None:
        r = cast[who].client.get(f"/a/{aid}")
        assert r.status_code == 200
        section = soup(r.text).select_one("section.history")
        return section.get_text() if section else None

    for who in ("alice", "root"):
        shown = history(who)
        assert shown is not None and "History" in shown and "first words" in shown
    for who in ("bob", "anon"):
        assert history(who) is None
        assert "first words" not in cast[who].client.get(f"/a/{aid}").text
    # deleted: gone for readers and other analysts; the author and admins still see it
    assert cast["alice"].post(f"/a/{aid}/delete").status_code == 303
    for who in ("bob", "anon"):
        r = cast[who].client.get(f"/a/{aid}")
        assert r.status_code == 410 and "deleted" in soup(r.text).get_text()
        assert "second words" not in r.text
        assert cast[who].client.get(f"/api/annotations/{aid}").status_code == 410
    for who in ("alice", "root"):
        r = cast[who].client.get(f"/a/{aid}")
        assert r.status_code == 200 and "History" in r.text
    restore = soup(cast["root"].client.get(f"/a/{aid}").text).find(
        "form", action=f"/a/{aid}/restore"
    )
    assert restore is not None
    assert (
        soup(cast["alice"].client.get(f"/a/{aid}").text).find("form", action=f"/a/{aid}/restore")
        is None
    )
    # a deleted note is not listed for anyone
    for path in (f"/stories/{STORY}/annotations", "/analysts/alice", f"/p/{pid}"):
        assert "second words" not in cast["anon"].client.get(path).text


def test_the_same_rules_over_the_api_with_tokens(
    people: People, pid: str, engine: Engine, app: Any
) -> None:
    tokens = {name: make_token(engine, name) for name in ("alice", "bob", "root")}

    def call(who: str | None, method: str, url: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        with TestClient(app, raise_server_exceptions=False) as c:
            return c.request(method, url, headers=headers, **kw)

    r = call(None, "POST", "/api/annotations", json={"passage": pid, "body": "x"})
    assert r.status_code == 401
    r = call("alice", "POST", "/api/annotations", json={"passage": pid, "body": "alice's"})
    assert r.status_code == 201 and r.json()["author"] == "alice"
    aid = r.json()["id"]
    r = call("bob", "POST", "/api/annotations", json={"passage": pid, "body": "re", "parent": aid})
    assert r.status_code == 201 and r.json()["parent"] == aid
    r = call("bob", "PATCH", f"/api/annotations/{aid}", json={"body": "defaced"})
    assert r.status_code == 403 and r.json()["detail"]
    assert call("bob", "DELETE", f"/api/annotations/{aid}").status_code == 403
    assert call(None, "PATCH", f"/api/annotations/{aid}", json={"body": "x"}).status_code == 401
    assert call(None, "DELETE", f"/api/annotations/{aid}").status_code == 401
    assert note(engine, aid).body == "alice's" and note(engine, aid).deleted_at is None
    r = call("alice", "PATCH", f"/api/annotations/{aid}", json={"body": "alice, edited"})
    assert r.status_code == 200 and r.json()["body"] == "alice, edited"
    r = call("root", "PATCH", f"/api/annotations/{aid}", json={"body": "admin edit"})
    assert r.status_code == 200 and r.json()["author"] == "alice"
    # a mistyped token and a revoked one are refused, and say so
    for bad in ("px_not-a-real-token", tokens["alice"] + "x", ""):
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.patch(
                f"/api/annotations/{aid}",
                json={"body": "x"},
                headers={"Authorization": f"Bearer {bad}"},
            )
        assert r.status_code == 401, (bad, r.status_code)
    with write_session(engine) as s:
        assert revoke_token(s, get_user(s, "alice"), tokens["alice"][:10]) == 1
    r = call("alice", "PATCH", f"/api/annotations/{aid}", json={"body": "after revoke"})
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    r = call("alice", "POST", "/api/annotations", json={"passage": pid, "body": "x"})
    assert r.status_code == 401
    assert note(engine, aid).body == "admin edit"
    assert call("root", "DELETE", f"/api/annotations/{aid}").status_code == 204
    assert call(None, "GET", f"/api/annotations/{aid}").status_code == 410


def test_a_disabled_account_can_do_nothing(
    cast: dict[str, Browser], pid: str, engine: Engine, app: Any
) -> None:
    token = make_token(engine, "bob")
    bob = cast["bob"]
    with write_session(engine) as s:
        from app.models import utcnow

        get_user(s, "bob").disabled_at = utcnow()
    assert bob.post(f"/p/{pid}/annotations", {"body": "x"}).status_code == 401
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post(
            "/api/annotations",
            json={"passage": pid, "body": "x"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 401
