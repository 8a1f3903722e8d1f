"""CSRF: every write made with a session cookie needs the session's token (the hidden form
field, or the X-CSRF-Token header htmx sends); a missing or forged token gets 403 and
changes nothing. API tokens (Bearer) need no CSRF token. The login form has its own."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app.sessions import COOKIE
from app.tables import annotation_t, annotation_version_t, passage_frame_t
from tests.factories import STORY, form_csrf, make_token, passages
from tests.html import soup
from tests.security.conftest import Browser, People


def snapshot(engine: Engine) -> tuple[Any, ...]:
    """Everything an analyst's write can change."""
    with engine.connect() as conn:
        notes = conn.execute(
            select(
                annotation_t.c.public_id,
                annotation_t.c.body,
                annotation_t.c.frame_id,
                annotation_t.c.version,
                annotation_t.c.deleted_at,
                annotation_t.c.parent_id,
            ).order_by(annotation_t.c.id)
        ).all()
        versions = conn.execute(select(func.count()).select_from(annotation_version_t)).scalar()
        tags = conn.execute(
            select(passage_frame_t.c.passage_id, passage_frame_t.c.frame_id).where(
                passage_frame_t.c.user_id.is_not(None)
            )
        ).all()
    return tuple(notes), versions, tuple(sorted(tags))


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # {pid}, {aid} and {deleted} are filled in
    data: dict[str, Any] = field(default_factory=dict)
    api: bool = False
    who: str = "alice"
    form_status: int = 303
    htmx_status: int = 200


CASES = [
    Case("annotate", "POST", "/p/{pid}/annotations", {"body": "A note", "frame": ""}),
    Case("reply", "POST", "/a/{aid}/replies", {"body": "A reply"}),
    Case("edit", "POST", "/a/{aid}/edit", {"body": "Changed", "frame": ""}),
    Case("delete", "POST", "/a/{aid}/delete"),
    Case("restore", "POST", "/a/{deleted}/restore", who="root", htmx_status=303),
    Case("tag", "POST", "/p/{pid}/frames", {"add": "few-concessions"}),
    Case("api-create", "POST", "/api/annotations", {"passage": "{pid}", "body": "x"}, True),
    Case("api-patch", "PATCH", "/api/annotations/{aid}", {"body": "Changed"}, True),
    Case("api-delete", "DELETE", "/api/annotations/{aid}", api=True),
]


@dataclass
class World:
    pid: str
    aid: str  # alice's live note
    deleted: str  # alice's deleted note

    def fill(self, text: str) -> str:
        return text.format(pid=self.pid, aid=self.aid, deleted=self.deleted)


@pytest.fixture
def world(browser: Callable[[str | None], Browser], client: TestClient) -> World:
    pid = str(passages(client)[1]["id"])
    alice = browser("alice")
    made = []
    for body in ("alice's note", "to be deleted"):
        r = alice.api("POST", "/api/annotations", json={"passage": pid, "body": body})
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    assert alice.api("DELETE", f"/api/annotations/{made[1]}").status_code == 204
    alice.client.close()
    return World(pid, made[0], made[1])


def send(b: Browser, case: Case, w: World, mode: str, token: str | None) -> Any:
    """The case's request as a form post ("form"), an htmx post ("header") or a JSON call;
    `token` is the CSRF token to offer (None: none at all)."""
    url = w.fill(case.path)
    if case.api:
        headers = {} if token is None else {"X-CSRF-Token": token}
        body = {k: w.fill(v) for k, v in case.data.items()} or None
        return b.client.request(case.method, url, json=body, headers=headers)
    data = dict(case.data)
    headers = {}
    if mode == "form" and token is not None:
        data["csrf_token"] = token
    if mode == "header":
        headers["HX-Request"] = "true"
        if token is not None:
            headers["X-CSRF-Token"] = token
    return b.client.post(url, data=data, headers=headers, follow_redirects=False)


def _refused(r: Any) -> None:
    assert r.status_code == 403, (r.status_code, r.text[:300])
    if r.headers["content-type"].startswith("application/json"):
        message = r.json()["detail"]
    else:
        message = soup(r.text).get_text()
    assert "CSRF" in message and "Reload" in message


MATRIX = [(c, m) for c in CASES for m in (("header",) if c.api else ("form", "header"))]


@pytest.mark.parametrize(("case", "mode"), MATRIX, ids=[f"{c.name}-{m}" for c, m in MATRIX])
def test_write_needs_the_sessions_csrf_token(
    case: Case,
    mode: str,
    world: World,
    browser: Callable[[str | None], Browser],
    engine: Engine,
) -> None:
    me = browser(case.who)
    other = browser("bob")  # a real token, but of another session
    before = snapshot(engine)
    for token in (None, "", secrets.token_hex(20), other.csrf, me.csrf[:-1] + "0", me.csrf.upper()):
        if token == me.csrf:
            continue
        _refused(send(me, case, world, mode, token))
        assert snapshot(engine) == before, f"{case.name} with token {token!r} changed data"
    if case.api:  # a JSON body sent as text/plain (what a cross-site form can do)
        url = world.fill(case.path)
        body = json.dumps({k: world.fill(v) for k, v in case.data.items()})
        r = me.client.request(
            case.method, url, content=body, headers={"content-type": "text/plain"}
        )
        assert r.status_code in (403, 415, 422), r.status_code
        assert snapshot(engine) == before
    r = send(me, case, world, mode, me.csrf)
    expected = (
        {"POST": 201, "PATCH": 200, "DELETE": 204}[case.method]
        if case.api
        else case.form_status
        if mode == "form"
        else case.htmx_status
    )
    assert r.status_code == expected, (r.status_code, r.text[:300])
    assert snapshot(engine) != before


def test_bearer_token_needs_no_csrf_token(
    world: World, engine: Engine, app: Any, people: People, client: TestClient
) -> None:
    token = make_token(engine, "alice")
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        for case in CASES:
            if case.name == "restore":
                continue
            target = world
            if "delete" in case.name:  # each delete gets a live note of its own
                r = c.post("/api/annotations", json={"passage": world.pid, "body": "to go"})
                target = World(world.pid, r.json()["id"], world.deleted)
            before = snapshot(engine)
            r = send(Browser(c), case, target, "form", None)
            expected = {"POST": 201, "PATCH": 200, "DELETE": 204}[case.method] if case.api else 303
            assert r.status_code == expected, (case.name, r.status_code, r.text[:300])
            assert snapshot(engine) != before, case.name


def _logged_in_as(client: TestClient) -> str | None:
    page = soup(client.get("/login").text)
    who = page.select_one(".whoami")
    return who.get_text().split()[0] if who else None


def test_logout_needs_the_token(browser: Callable[[str | None], Browser]) -> None:
    alice = browser("alice")
    other = browser("bob")
    for offered in ({}, {"csrf_token": "forged"}, {"csrf_token": other.csrf}):
        r = alice.client.post("/logout", data=offered, follow_redirects=False)
        # refused: sent to the confirmation page, still logged in, cookie untouched
        assert r.status_code == 303 and r.headers["location"] == "/logout"
        assert COOKIE not in r.headers.get("set-cookie", "")
        assert _logged_in_as(alice.client) == "alice"
    confirm = alice.client.get("/logout")
    assert confirm.status_code == 200 and form_csrf(confirm.text) == alice.csrf
    r = alice.post("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert _logged_in_as(alice.client) is None
    # and as htmx sends it (header)
    bob = other
    r = bob.client.post(
        "/logout", headers={"X-CSRF-Token": bob.csrf, "HX-Request": "true"}, follow_redirects=False
    )
    assert r.status_code == 303 and _logged_in_as(bob.client) is None


def test_login_needs_the_login_pages_token(client: TestClient, app: Any, people: People) -> None:
    creds = {"username": "alice", "password": "correct horse battery"}
    client.get("/login")  # the victim's browser has a login cookie, but no token is posted
    for extra in ({}, {"csrf_token": ""}, {"csrf_token": secrets.token_hex(20)}):
        r = client.post("/login", data={**creds, **extra}, follow_redirects=False)
        assert r.status_code == 403, r.status_code
        assert "expired" in soup(r.text).select_one(".form-error").get_text()  # type: ignore[union-attr]
        assert _logged_in_as(client) is None
    # login CSRF: an attacker's own valid login token does not work in the victim's browser
    with TestClient(app, raise_server_exceptions=False) as attacker:
        attackers_token = form_csrf(attacker.get("/login").text)
    r = client.post("/login", data={**creds, "csrf_token": attackers_token}, follow_redirects=False)
    assert r.status_code == 403 and _logged_in_as(client) is None
    with TestClient(app, raise_server_exceptions=False) as fresh:  # no cookie at all
        r = fresh.post(
            "/login", data={**creds, "csrf_token": attackers_token}, follow_redirects=False
        )
        assert r.status_code == 403 and _logged_in_as(fresh) is None
    r = client.post(
        "/login",
        data={**creds, "csrf_token": form_csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _logged_in_as(client) == "alice"


def test_forms_and_htmx_carry_the_token(browser: Callable[[str | None], Browser]) -> None:
    """Every form that changes something has the hidden token; <body hx-headers> has it."""
    alice = browser("alice")
    pid = passages(alice.client)[1]["id"]
    alice.post(f"/p/{pid}/annotations", {"body": "so there is something to edit"})
    for path in (f"/stories/{STORY}", f"/p/{pid}", "/login"):
        page = soup(alice.client.get(path).text)
        body = page.find("body")
        assert json.loads(str(body["hx-headers"]))["X-CSRF-Token"] == alice.csrf  # type: ignore[index]
        forms = [f for f in page.find_all("form") if f.get("method", "get").lower() == "post"]
        assert forms, path
        for form in forms:
            hidden = form.find("input", attrs={"name": "csrf_token"})
            assert hidden is not None and hidden["value"] == alice.csrf, (path, form.get("action"))
