"""Shared set-up for the security tests: cheap password hashing, three people, their
browsers and an HTML checker for active content.

Password hashing is argon2id with production parameters in the app. These tests log in
dozens of times, so they swap in argon2id with minimal cost parameters: what is under test
is who may do what, not the hash's cost (tests elsewhere cover the hashing itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.services import passwords
from tests.factories import logged_in, make_user, new_client

_cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _cheap.hash("parallax-dummy-password"))


@dataclass
class People:
    """alice and bob are analysts, root is an admin; ids by name."""

    ids: dict[str, int]


@pytest.fixture
def people(engine: Engine) -> People:
    return People(
        {
            "alice": make_user(engine, "alice"),
            "bob": make_user(engine, "bob"),
            "root": make_user(engine, "root", role="admin"),
        }
    )


@dataclass
class Browser:
    """A logged-in (or anonymous) browser: its client and the page's CSRF token."""

    client: TestClient
    csrf: str = ""

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """A form post as a browser without JavaScript makes it (token in the form)."""
        form = {**(data or {}), "csrf_token": self.csrf}
        return self.client.post(url, data=form, follow_redirects=False, **kw)

    def hx_post(self, url: str, data: dict[str, Any] | None = None) -> Any:
        """A form post as htmx makes it (token in the X-CSRF-Token header)."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        return self.client.post(url, data=data or {}, headers=headers, follow_redirects=False)

    def api(self, method: str, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)


@pytest.fixture
def browser(app: FastAPI, people: People) -> Iterator[Callable[[str | None], Browser]]:
    """browser("alice") -> alice logged in through the login form; browser(None) -> a reader."""
    opened: list[TestClient] = []

    def open_as(name: str | None) -> Browser:
        c = new_client(app)
        opened.append(c)
        return Browser(c, logged_in(c, name) if name else "")

    yield open_as
    for c in opened:
        c.close()


# -- active content ----------------------------------------------------------------------

URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster")
_STRIP = re.compile(r"[\x00-\x20]+")


def is_script_url(value: str) -> bool:
    """What a browser would run as script: javascript:/vbscript:/data:text/html, whatever
    the case and however it is padded with blanks or control characters."""
    v = _STRIP.sub("", value).lower()
    return v.startswith(("javascript:", "vbscript:", "data:text/html"))


def active_content(root: BeautifulSoup | Any) -> list[str]:
    """Everything in this tree that would run script: inline <script>, on* handlers,
    script URLs, <iframe>/<object>/<embed>, <base>."""
    found: list[str] = []
    for tag in root.find_all(True):
        if tag.name == "script" and (not tag.get("src") or tag.get_text().strip()):
            found.append(f"inline <script>: {str(tag)[:120]}")
        if tag.name in {"iframe", "object", "embed", "frame", "base"}:
            found.append(f"<{tag.name}> element: {str(tag)[:120]}")
        for attr, value in tag.attrs.items():
            if attr.lower().startswith("on"):
                found.append(f"event handler {attr}= on <{tag.name}>")
            if attr.lower() in URL_ATTRS and is_script_url(str(value)):
                found.append(f"script URL {attr}={value!r} on <{tag.name}>")
    return found
