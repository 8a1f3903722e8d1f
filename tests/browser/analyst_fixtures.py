"""Analyst accounts in the live server's database, and logging them in through the page.

The `live_server` fixture (conftest.py) yields only the base URL: the SQLite file it serves
is found here under pytest's session base temp (`browser-db<N>/parallax.db`, the folder
`live_server` makes with tmp_path_factory.mktemp). The accounts are written through a second
engine on that file, as the CLI would do; the server reads them on the next login.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from sqlalchemy.engine import Engine

from app.db import make_engine, write_session
from app.services.accounts import Account, as_account, create_user
from app.services.annotation_create import Draft, create_annotation
from app.services.passwords import hash_password
from tests.browser.helpers import Tab

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Analyst:
    name: str
    password: str
    account: Account


@pytest.fixture(scope="session", name="live_engine")
def live_engine_fixture(live_server: str, live_db_url: str) -> Iterator[Engine]:
    """An engine on the live server's database (the server itself must already run)."""
    engine = make_engine(live_db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session", name="password_hash")
def password_hash_fixture() -> str:
    """PASSWORD hashed once: argon2 costs about half a second a hash on a busy machine."""
    return hash_password(PASSWORD)


@pytest.fixture(name="make_analyst")
def make_analyst_fixture(live_engine: Engine, password_hash: str) -> Callable[..., Analyst]:
    """Factory: make_analyst(can_log_in=True) -> a new analyst with a unique name (the live
    database lives all session). One who never logs in (a note's author) has no password."""

    def make(can_log_in: bool = True) -> Analyst:
        name = f"analyst-{uuid.uuid4().hex[:10]}"
        with write_session(live_engine) as session:
            user = create_user(session, name=name, role="analyst", password=None)
            if can_log_in:
                user.password_hash = password_hash
                session.add(user)
            account = as_account(user)
        return Analyst(name, PASSWORD if can_log_in else "", account)

    return make


@pytest.fixture(name="analyst")
def analyst_fixture(make_analyst: Callable[..., Analyst]) -> Analyst:
    return make_analyst()


def log_in(tab: Tab, who: Analyst, next_path: str) -> None:
    """Log in through the form at /login?next=..., and wait to land on `next_path`."""
    page = tab.page
    response = tab.goto(f"/login?next={quote(next_path, safe='/')}")
    assert response.status == 200  # type: ignore[attr-defined]
    form = page.locator("form[action='/login']")  # type: ignore[attr-defined]
    form.locator("input[name=username]").fill(who.name)
    form.locator("input[name=password]").fill(who.password)
    with page.expect_navigation():  # type: ignore[attr-defined]
        form.get_by_role("button", name="Log in").click()
    landed = page.url  # type: ignore[attr-defined]
    assert landed == tab.base_url + next_path, f"login landed on {landed}, not {next_path}"


def write_note(engine: Engine, who: Analyst, passage: str, body: str) -> str:
    """A note by `who` on `passage`, written straight to the database; its public id."""
    with write_session(engine) as session:
        a = create_annotation(session, who.account, passage=passage, draft=Draft(body=body))
        return a.public_id
