"""Sessions: a signed, HttpOnly, SameSite=Lax cookie (Secure over https); a new session at
every login (no fixation); logout clears it; a tampered cookie is nobody; bumping the
user's session epoch (password change) ends every session."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from app.config import DEV_SECRET, Settings
from app.db import write_session
from app.models import User
from app.services.accounts import get_user, set_password
from app.sessions import COOKIE, MAX_AGE
from tests.factories import PASSWORD, form_csrf, logged_in, login, new_client, passages
from tests.html import soup
from tests.security.conftest import Browser, People


def set_cookie(response: Any) -> dict[str, str]:
    """Our session cookie's Set-Cookie, as {attribute (lower case): value}."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == COOKIE:
            value, *attrs = rest.split(";")
            parsed = {"": value.strip()}
            for attr in attrs:
                key, _, val = attr.strip().partition("=")
                parsed[key.lower()] = val
            return parsed
    raise AssertionError(f"no {COOKIE} Set-Cookie in {response.headers}")


def who(client: TestClient) -> str | None:
    """Who the site thinks this browser is (None: a reader)."""
    page = soup(client.get("/login").text)
    me = page.select_one(".whoami")
    if me is None:
        assert not page.body.get("hx-headers")  # type: ignore[union-attr]
        return None
    return me.get_text().split()[0]


def can_write(client: TestClient, pid: str, csrf: str) -> int:
    r = client.post(
        f"/p/{pid}/annotations",
        data={"body": "probe", "csrf_token": csrf},
        follow_redirects=False,
    )
    return int(r.status_code)


def payload(app: FastAPI, cookie: str) -> dict[str, Any]:
    s = URLSafeTimedSerializer(app.state.settings.secret_key, salt="parallax.session")
    return dict(s.loads(cookie))


def test_cookie_flags_over_http(app: FastAPI, people: People) -> None:
    with new_client(app) as c:
        anonymous = set_cookie(c.get("/login"))
        r = login(c, "alice")
        assert r.status_code == 303
        for flags in (anonymous, set_cookie(r)):
            assert "httponly" in flags
            assert flags["samesite"].lower() == "lax"
            assert flags["path"] == "/"
            assert "secure" not in flags  # plain http: a Secure cookie would never come back
            assert 0 < int(flags["max-age"]) <= MAX_AGE


def test_cookie_is_secure_over_https(app: FastAPI, people: People) -> None:
    with new_client(app, base_url="https://testserver") as c:
        assert "secure" in set_cookie(c.get("/login"))
        r = login(c, "alice")
        assert r.status_code == 303
        flags = set_cookie(r)
        assert "secure" in flags and "httponly" in flags and flags["samesite"].lower() == "lax"
        assert who(c) == "alice"


def test_login_starts_a_new_session_so_fixation_is_useless(
    app: FastAPI, people: People, client: TestClient
) -> None:
    pid = str(passages(client)[1]["id"])
    # the attacker gets a session cookie from the site and plants it in the victim's browser
    with new_client(app) as attacker:
        planted = set_cookie(attacker.get("/login"))[""]
        with new_client(app, cookies={COOKIE: planted}) as victim:
            page = victim.get("/login")
            assert COOKIE not in page.headers.get("set-cookie", "")  # the planted one is used
            before_token = form_csrf(page.text)
            r = victim.post(
                "/login",
                data={"username": "alice", "password": PASSWORD, "csrf_token": before_token},
                follow_redirects=False,
            )
            assert r.status_code == 303
            fresh = set_cookie(r)[""]
            assert fresh != planted
            assert payload(app, fresh)["n"] != payload(app, planted)["n"]
            assert payload(app, fresh)["u"] == people.ids["alice"]
            assert who(victim) == "alice"
            victim_token = form_csrf(victim.get("/login").text)
            assert victim_token != before_token
            # the token of the pre-login page is worthless for writes
            assert can_write(victim, pid, before_token) == 403
        # the attacker's copy of the cookie is still nobody
        assert who(attacker) is None
        assert can_write(attacker, pid, before_token) == 401
        assert can_write(attacker, pid, victim_token) == 401


def test_logging_in_again_also_rotates(app: FastAPI, people: People) -> None:
    with new_client(app) as c:
        first = set_cookie(login(c, "alice"))[""]
        second = set_cookie(login(c, "bob"))[""]
        assert payload(app, first)["n"] != payload(app, second)["n"]
        assert who(c) == "bob"


def test_logout_clears_the_session(browser: Callable[[str | None], Browser], client: Any) -> None:
    alice = browser("alice")
    r = alice.post("/logout")
    assert r.status_code == 303
    cleared = set_cookie(r)
    assert cleared[""] in ("", '""') or cleared.get("max-age") == "0"
    assert cleared.get("max-age") == "0" or "1970" in cleared.get("expires", "")
    assert COOKIE not in alice.client.cookies
    assert who(alice.client) is None
    pid = str(passages(client)[1]["id"])
    assert can_write(alice.client, pid, alice.csrf) == 401


def test_a_cookie_copied_before_logout_is_dead_after_it(
    app: FastAPI, browser: Callable[[str | None], Browser]
) -> None:
    alice = browser("alice")
    stolen = alice.client.cookies[COOKIE]
    assert alice.post("/logout").status_code == 303
    with new_client(app, cookies={COOKIE: stolen}) as thief:
        assert who(thief) is None


def _tampered(app: FastAPI, genuine: str, admin_id: int) -> dict[str, str]:
    body, _, sig = genuine.rpartition(".")
    # (not the last character: its low bits are base64 padding and may not count)
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    real = URLSafeTimedSerializer(app.state.settings.secret_key, salt="parallax.session")
    other_key = URLSafeTimedSerializer("not-the-secret-key", salt="parallax.session")
    other_salt = URLSafeTimedSerializer(app.state.settings.secret_key, salt="something.else")
    as_admin = {"n": "x" * 24, "u": admin_id, "e": 0}
    forged_payload = real.dumps(as_admin).split(".")[0]
    _, stamp, _ = genuine.split(".")
    stale = time.time() - MAX_AGE - 60
    original = time.time
    try:
        time.time = lambda: stale  # type: ignore[assignment]
        expired = real.dumps({"n": "y" * 24, "u": admin_id, "e": 0})
    finally:
        time.time = original  # type: ignore[assignment]
    return {
        "flipped signature": f"{body}.{flipped}",
        "admin payload, alice's signature": f"{forged_payload}.{stamp}.{sig}",
        "signed with another key": other_key.dumps(as_admin),
        "signed for another purpose": other_salt.dumps(as_admin),
        "expired": expired,
        "no signature": body,
        "garbage": "%%%not-a-cookie%%%",
        "empty": "",
    }


def test_a_tampered_cookie_is_nobody(
    app: FastAPI, browser: Callable[[str | None], Browser], people: People, client: Any
) -> None:
    alice = browser("alice")
    genuine = alice.client.cookies[COOKIE]
    pid = str(passages(client)[1]["id"])
    for what, cookie in _tampered(app, genuine, people.ids["root"]).items():
        with new_client(app, cookies={COOKIE: cookie}) as c:
            assert who(c) is None, what
            assert can_write(c, pid, alice.csrf) == 401, what
            r = c.get(f"/api/annotations?passage={pid}")
            assert r.status_code == 200, what  # reading still works
    with new_client(app, cookies={COOKIE: genuine}) as c:
        assert who(c) == "alice"  # the control: the untouched cookie works


def test_changing_the_password_ends_every_session(
    app: FastAPI, browser: Callable[[str | None], Browser], engine: Engine, client: Any
) -> None:
    laptop, phone = browser("alice"), browser("alice")
    pid = str(passages(client)[1]["id"])
    assert who(laptop.client) == who(phone.client) == "alice"
    with write_session(engine) as s:
        user: User = get_user(s, "alice")
        epoch = user.session_epoch
        set_password(s, user, "a brand new password")
    with write_session(engine) as s:
        assert get_user(s, "alice").session_epoch == epoch + 1
    for b in (laptop, phone):
        assert who(b.client) is None
        assert can_write(b.client, pid, b.csrf) == 401
    with new_client(app) as c:
        assert login(c, "alice", PASSWORD).status_code == 401
        assert logged_in(c, "alice", "a brand new password")
        assert who(c) == "alice"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production", database_url="sqlite://", secret_key=DEV_SECRET)
