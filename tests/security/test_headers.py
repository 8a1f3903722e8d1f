"""Security headers on every kind of response, and pages the Content-Security-Policy does
not break: no inline scripts, no inline event handlers, no inline styles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import STORY, passages
from tests.html import soup
from tests.security.conftest import Browser, active_content


def csp(response: Any) -> dict[str, list[str]]:
    policy = response.headers.get("content-security-policy")
    assert policy, f"no CSP on {response.request.url}"
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


def check_headers(r: Any) -> None:
    where = f"{r.request.method} {r.request.url} -> {r.status_code}"
    policy = csp(r)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, where
    assert "'self'" in scripts, where
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(
        scripts
    ), where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") in (["'self'"], ["'none'"]), where
    assert r.headers.get("x-content-type-options") == "nosniff", where
    assert r.headers.get("referrer-policy") in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), where
    assert r.headers.get("x-frame-options", "").upper() == "DENY", where


def check_page(r: Any) -> None:
    """An HTML page that works under the CSP and runs nothing it was not meant to."""
    where = f"{r.request.url}"
    page = soup(r.text)
    assert not active_content(page), (where, active_content(page))
    for script in page.find_all("script"):
        assert str(script["src"]).startswith("/static/"), (where, script)
    assert not page.find_all(style=True), (where, page.find_all(style=True)[:3])
    assert not page.find_all("style"), where


@pytest.fixture
def urls(browser: Callable[[str | None], Browser], client: TestClient) -> dict[str, str]:
    """A note to show, and the addresses of every kind of page."""
    alice = browser("alice")
    p = passages(client)[1]
    r = alice.api("POST", "/api/annotations", json={"passage": p["id"], "body": "*hello*"})
    assert r.status_code == 201
    frame = p["frames"][0]
    return {"pid": p["id"], "aid": r.json()["id"], "frame": frame}


PAGES = [
    "/",
    "/stories/{story}",
    "/stories/{story}?view=aligned",
    "/stories/{story}?frame={frame}",
    "/stories/{story}/annotations",
    "/p/{pid}",
    "/a/{aid}",
    "/analysts/alice",
    "/frames",
    "/frames/{frame}",
    "/search?q=putin",
    "/search?q=%22unbalanced",
    "/login",
    "/logout",
    "/docs",
    "/no/such/page",
    "/p/nosuchpassage",
]
FRAGMENTS = ["/stories/{story}", "/stories/{story}?view=aligned", "/a/{aid}/fragment"]
OTHER = [
    "/api/stories",
    "/api/stories/{story}",
    "/api/annotations?passage={pid}",
    "/api/annotations/{aid}",
    "/api/stories/{story}/annotations",
    "/api/nothing-here",
    "/openapi.json",
    "/healthz",
    "/static/js/app.js",
    "/static/vendor/htmx.min.js",
]


def test_pages_have_the_headers_and_no_inline_script(
    urls: dict[str, str], browser: Callable[[str | None], Browser]
) -> None:
    for name in (None, "alice"):
        b = browser(name)
        for path in PAGES:
            r = b.client.get(path.format(story=STORY, **urls), follow_redirects=False)
            assert r.status_code in (200, 303, 404), (path, r.status_code)
            check_headers(r)
            if r.headers.get("content-type", "").startswith("text/html"):
                check_page(r)
        for path in FRAGMENTS:
            r = b.client.get(path.format(story=STORY, **urls), headers={"HX-Request": "true"})
            assert r.status_code == 200, path
            check_headers(r)
            check_page(r)
        for path in OTHER:
            r = b.client.get(path.format(story=STORY, **urls))
            assert r.status_code in (200, 404), (path, r.status_code)
            check_headers(r)


def test_write_responses_have_the_headers(
    urls: dict[str, str], browser: Callable[[str | None], Browser]
) -> None:
    alice = browser("alice")
    pid, aid = urls["pid"], urls["aid"]
    responses = [
        alice.post(f"/p/{pid}/annotations", {"body": "form"}),  # 303
        alice.hx_post(f"/p/{pid}/annotations", {"body": "htmx"}),  # fragment
        alice.hx_post(f"/a/{aid}/replies", {"body": "htmx reply"}),
        alice.hx_post(f"/p/{pid}/frames", {"add": urls["frame"]}),
        alice.hx_post(f"/p/{pid}/annotations", {"body": ""}),  # 422 fragment
        alice.api("POST", "/api/annotations", json={"passage": pid, "body": "api"}),
        alice.api(
            "PATCH", f"/api/annotations/{aid}", json={"body": "x"}, headers={"If-Match": '"stale"'}
        ),
        alice.client.post(f"/p/{pid}/annotations", data={"body": "no token"}),  # 403
        browser(None).post(f"/p/{pid}/annotations", {"body": "anon"}),  # 401
    ]
    assert [r.status_code for r in responses] == [303, 200, 200, 200, 422, 201, 412, 403, 401]
    for r in responses:
        check_headers(r)
        if r.headers.get("content-type", "").startswith("text/html"):
            check_page(r)


def test_login_and_error_pages_are_not_cached(client: TestClient) -> None:
    assert "no-store" in client.get("/login").headers["cache-control"]
