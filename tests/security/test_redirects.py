"""No open redirects: `next` after login or after a form only ever leads to this site."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, form_csrf, passages
from tests.html import soup
from tests.security.conftest import Browser, People

HOSTILE = [
    "https://evil.example",
    "https://evil.example/login",
    "//evil.example",
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/%2F/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "evil.example",
    "@evil.example",
    "http://testserver@evil.example/",
]


def lands_on(location: str) -> tuple[str, str]:
    """Where a browser goes for this Location (browsers treat \\ as / and drop tabs)."""
    cleaned = location.replace("\\", "/").replace("\t", "").replace("\n", "")
    cleaned = re.sub(r"^/{2,}", "//", cleaned)  # any run of slashes starts an authority
    target = urlsplit(urljoin("http://testserver/login", cleaned))
    return target.scheme + "://" + target.netloc, target.path


OBVIOUS = {t for t in HOSTILE if "evil.example" in t and "\\" not in t and "%" not in t}
# What safe_next lets through untouched, although a browser reads \\ as /.
BACKSLASH = {"/\\evil.example", "/\\/evil.example"}


def test_login_never_redirects_off_site(client: TestClient, people: People) -> None:
    for target in HOSTILE:
        page = client.get("/login", params={"next": target})
        hidden = soup(page.text).find("input", attrs={"name": "next"})
        assert hidden is not None
        if target not in BACKSLASH:
            assert lands_on(str(hidden["value"]))[0] == "http://testserver", target
        if target in OBVIOUS:
            assert hidden["value"] == "/", target
        r = client.post(
            "/login",
            data={
                "username": "alice",
                "password": PASSWORD,
                "csrf_token": form_csrf(page.text),
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, target
        location = r.headers["location"]
        assert lands_on(location)[0] == "http://testserver", (target, location)
        if target in OBVIOUS:
            assert location == "/", (target, location)


def _cancel_links(alice: Browser, client: TestClient, targets: list[str]) -> list[tuple[str, str]]:
    """(next, where the edit page's links lead) for each next= given to the edit page."""
    pid = str(passages(client)[1]["id"])
    r = alice.api("POST", "/api/annotations", json={"passage": pid, "body": "note"})
    aid = r.json()["id"]
    found = []
    for target in targets:
        page = soup(alice.client.get(f"/a/{aid}/edit", params={"next": target}).text)
        links = [str(a["href"]) for a in page.select("form a[href]")]
        assert links, "the edit form has a Cancel link"
        found += [(target, lands_on(href)[0]) for href in links]
    return found


def test_links_made_from_next_stay_on_site(
    browser: Callable[[str | None], Browser], client: TestClient
) -> None:
    targets = [t for t in HOSTILE if t not in BACKSLASH]
    for target, lands in _cancel_links(browser("alice"), client, targets):
        assert lands == "http://testserver", target


def test_links_made_from_a_backslashed_next_stay_on_site(
    browser: Callable[[str | None], Browser], client: TestClient
) -> None:
    for target, lands in _cancel_links(browser("alice"), client, sorted(BACKSLASH)):
        assert lands == "http://testserver", target


def test_login_keeps_a_local_next(client: TestClient, people: People) -> None:
    page = client.get("/login", params={"next": "/stories/trump-putin-call?left=bbc-style"})
    r = client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": form_csrf(page.text),
            "next": "/stories/trump-putin-call?left=bbc-style",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/stories/trump-putin-call?left=bbc-style"


def test_forms_never_redirect_off_site(
    browser: Callable[[str | None], Browser], client: TestClient
) -> None:
    alice = browser("alice")
    pid = str(passages(client)[1]["id"])
    for target in HOSTILE:
        r = alice.post(f"/p/{pid}/annotations", {"body": "note", "next": target})
        assert r.status_code == 303, (target, r.status_code)
        assert lands_on(r.headers["location"])[0] == "http://testserver", (target, r.headers)
    aid = alice.client.get(f"/api/annotations?passage={pid}").json()["items"][0]["id"]
    for path, data in (
        (f"/a/{aid}/replies", {"body": "reply"}),
        (f"/a/{aid}/edit", {"body": "edited"}),
        (f"/p/{pid}/frames", {"add": "few-concessions"}),
        (f"/a/{aid}/delete", {}),
    ):
        r = alice.post(path, {**data, "next": "//evil.example"})
        assert r.status_code == 303, (path, r.status_code)
        assert lands_on(r.headers["location"])[0] == "http://testserver", (path, r.headers)
