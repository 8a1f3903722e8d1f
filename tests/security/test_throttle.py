"""Login throttling: five failed logins for a name (or twenty from one address) within
the window and further attempts get 429 with Retry-After, even with the right password.
The count lives in the database, so it holds across several app servers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from app.models import LoginAttempt, utcnow
from app.services import accounts
from tests.conftest import make_test_app
from tests.factories import PASSWORD, login
from tests.html import soup
from tests.security.conftest import People

WRONG = "not the password at all"


@pytest.fixture
def second_app(db_url: str) -> Iterator[FastAPI]:
    """Another server on the same database."""
    other = make_test_app(db_url)
    yield other
    other.state.engine.dispose()


def _client(app: FastAPI, ip: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(ip, 40000))


def _throttled(r: Any) -> int:
    assert r.status_code == 429, (r.status_code, r.text[:300])
    retry_after = int(r.headers["retry-after"])
    message = soup(r.text).select_one(".form-error")
    assert message is not None
    assert "Too many failed logins" in message.get_text()
    assert "minutes" in message.get_text()
    return retry_after


def test_five_failures_for_a_name_block_the_sixth_across_two_servers(
    app: FastAPI, second_app: FastAPI, people: People
) -> None:
    one, two = _client(app, "10.0.0.1"), _client(second_app, "10.0.0.2")
    servers = [one, two, one, two, one]
    names = ["alice", "ALICE", " alice ", "alice", "Alice"]  # one name, however typed
    for c, name in zip(servers, names, strict=True):
        assert login(c, name, WRONG).status_code == 401
    # the sixth, on the server that saw only two of them, with the right password
    retry_after = _throttled(login(two, "alice", PASSWORD))
    assert accounts.THROTTLE_WINDOW.total_seconds() - 120 < retry_after
    assert retry_after <= accounts.THROTTLE_WINDOW.total_seconds()
    _throttled(login(one, "alice", PASSWORD))
    # from a third address too: the limit is on the name, not on where guesses come from
    with _client(app, "10.0.0.3") as three:
        _throttled(login(three, "alice", PASSWORD))
        # another name is not locked out by alice's failures
        assert login(three, "bob", PASSWORD).status_code == 303
    one.close()
    two.close()


def test_four_failures_do_not_block(app: FastAPI, people: People) -> None:
    with _client(app, "10.0.0.1") as c:
        for _ in range(4):
            assert login(c, "alice", WRONG).status_code == 401
        assert login(c, "alice", PASSWORD).status_code == 303


def test_login_works_again_after_the_window(
    app: FastAPI, second_app: FastAPI, people: People, engine: Engine
) -> None:
    one, two = _client(app, "10.0.0.1"), _client(second_app, "10.0.0.2")
    for c in (one, two, one, two, one):
        assert login(c, "alice", WRONG).status_code == 401
    _throttled(login(two, "alice", PASSWORD))
    # time passes: the failures are now older than the window
    long_ago = utcnow() - accounts.THROTTLE_WINDOW - dt.timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(update(LoginAttempt.__table__).values(at=long_ago))  # type: ignore[attr-defined]
    assert login(two, "alice", PASSWORD).status_code == 303
    one.close()
    two.close()


def test_old_failures_do_not_count_and_recent_ones_do(
    app: FastAPI, people: People, engine: Engine
) -> None:
    now = utcnow()
    old = now - accounts.THROTTLE_WINDOW - dt.timedelta(seconds=30)
    rows = [{"username": "alice", "client": "10.7.7.7", "succeeded": False, "at": old}] * 5
    with engine.begin() as conn:
        conn.execute(insert(LoginAttempt.__table__), rows)  # type: ignore[attr-defined]
    with _client(app, "10.0.0.1") as c:
        assert login(c, "alice", PASSWORD).status_code == 303
    recent = [{**r, "username": "bob", "at": now - dt.timedelta(minutes=1)} for r in rows]
    with engine.begin() as conn:
        conn.execute(insert(LoginAttempt.__table__), recent)  # type: ignore[attr-defined]
    with _client(app, "10.0.0.1") as c:
        retry_after = _throttled(login(c, "bob", PASSWORD))
    # the oldest recent failure is a minute old: about 14 minutes to wait
    expected = (accounts.THROTTLE_WINDOW - dt.timedelta(minutes=1)).total_seconds()
    assert expected - 30 <= retry_after <= expected + 1


def test_a_shorter_window_is_honoured(
    app: FastAPI, people: People, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setattr(accounts, "THROTTLE_WINDOW", dt.timedelta(minutes=2))
    three_minutes_ago = utcnow() - dt.timedelta(minutes=3)
    rows = [{"username": "alice", "client": "", "succeeded": False, "at": three_minutes_ago}] * 5
    with engine.begin() as conn:
        conn.execute(insert(LoginAttempt.__table__), rows)  # type: ignore[attr-defined]
    with _client(app, "10.0.0.1") as c:
        assert login(c, "alice", PASSWORD).status_code == 303


def test_many_failures_from_one_address_block_it_for_every_name(
    app: FastAPI, second_app: FastAPI, people: People, engine: Engine
) -> None:
    ip = "10.9.9.9"
    limit = accounts.MAX_FAILURES_PER_CLIENT
    now = utcnow()
    # a guesser spreading tries over many names (all but the last recorded directly)
    rows = [
        {"username": f"name{n}", "client": ip, "succeeded": False, "at": now}
        for n in range(limit - 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(LoginAttempt.__table__), rows)  # type: ignore[attr-defined]
    with _client(app, ip) as c:
        assert login(c, "nobody-here", WRONG).status_code == 401
    with _client(second_app, ip) as c:
        _throttled(login(c, "alice", PASSWORD))
        _throttled(login(c, "bob", PASSWORD))
    # people elsewhere are not affected
    with _client(second_app, "10.1.1.1") as c:
        assert login(c, "alice", PASSWORD).status_code == 303
