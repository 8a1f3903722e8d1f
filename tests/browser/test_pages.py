"""The passage permalink page, keyboard use, and every other page loading cleanly: no
console errors, no uncaught exceptions, nothing fetched from another host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.helpers import STORY, Tab, box, css, far_down_passage

pytestmark = pytest.mark.browser


def _meta(page: Any, prop: str) -> str | None:
    loc = page.locator(f'meta[property="{prop}"]')
    assert loc.count() == 1, f"expected one <meta property={prop}>"
    return loc.get_attribute("content")  # type: ignore[no-any-return]


def test_passage_permalink_page_and_copy_link(
    new_tab: Callable[..., Tab], live_server: str, story_json: dict[str, Any]
) -> None:
    target = far_down_passage(story_json)
    pid = target["id"]
    canonical = f"{live_server}/p/{pid}"
    t = new_tab()
    t.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = t.page
    response = t.goto(f"/p/{pid}")
    assert response.status == 200

    focus = page.locator(f"#p-{pid}.passage")
    assert focus.is_visible()
    assert " ".join(focus.inner_text().split()) == " ".join(target["text"].split())
    back = page.locator(f'a[href="/stories/{STORY}#p-{pid}"]')
    assert back.count() >= 1 and back.first.is_visible()

    assert _meta(page, "og:url") == canonical
    og_title = _meta(page, "og:title") or ""
    assert og_title.strip(), "og:title is empty"
    og_description = _meta(page, "og:description") or ""
    assert og_description.strip()
    assert " ".join(og_description.split())[:40] == " ".join(target["text"].split())[:40]

    button = page.get_by_role("button", name="Copy link")
    assert button.is_visible(), "with JavaScript the Copy link button shows"
    button.click()
    status = page.locator(".copy-status")
    page.wait_for_function(
        "() => document.querySelector('.copy-status').textContent.includes('Link copied.')"
    )
    assert status.is_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == canonical
    t.rec.assert_clean()


def test_copy_link_button_hidden_without_javascript(
    new_tab: Callable[..., Tab], live_server: str, story_json: dict[str, Any]
) -> None:
    pid = far_down_passage(story_json)["id"]
    nojs = new_tab(java_script_enabled=False)
    nojs.goto(f"/p/{pid}")
    # the link is there to select and copy by hand
    assert (
        nojs.page.locator("input[data-select-on-focus]").input_value() == f"{live_server}/p/{pid}"
    )
    assert not nojs.page.get_by_role("button", name="Copy link").is_visible()


def test_tab_first_reaches_skip_link_with_visible_focus(tab: Tab) -> None:
    page = tab.page
    tab.goto(f"/stories/{STORY}")
    skip = page.locator("a.skip-link")
    assert not skip.is_visible() or box(skip)["x"] < 0, "the skip link shows before it has focus"

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className,"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert "skip-link" in focused["cls"], f"Tab first focused {focused}"
    b = box(skip)
    assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= page.viewport_size["width"]
    assert css(skip, "outline-style") != "none"
    assert float(css(skip, "outline-width").removesuffix("px")) >= 2

    # the next stops have a visible focus ring too
    page.keyboard.press("Tab")
    brand = page.locator(":focus")
    assert css(brand, "outline-style") != "none"

    # following the skip link lands in <main>
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    tab.rec.assert_clean()


def _first_passage_id(story_json: dict[str, Any]) -> str:
    return next(  # type: ignore[no-any-return]
        p["id"] for a in story_json["articles"] for p in a["passages"] if p["kind"] == "paragraph"
    )


@pytest.mark.parametrize(
    ("path", "status", "ready"),
    [
        ("/", 200, ".story-list"),
        ("/frames", 200, "main h1"),
        ("/frames/few-concessions", 200, ".frame-groups .passage"),
        ("/p/{pid}", 200, ".passage.is-focus"),
        ("/no/such/page", 404, ".error-page"),
        ("/stories/no-such-story", 404, ".error-page"),
        ("/p/nosuchpassage", 404, ".error-page"),
        ("/docs", 200, "#swagger-ui .opblock"),
    ],
    ids=["home", "frames", "frame", "permalink", "404", "404-story", "404-passage", "docs"],
)
def test_page_loads_cleanly(
    tab: Tab, story_json: dict[str, Any], path: str, status: int, ready: str
) -> None:
    path = path.format(pid=_first_passage_id(story_json))
    if status != 200:
        # Chromium logs the document's own error status; that one is expected.
        tab.rec.ignore_status(path, status)
    response = tab.goto(path)
    assert response.status == status
    tab.page.wait_for_selector(ready, state="visible")
    if path == "/docs":
        # Swagger UI got the OpenAPI document from us and shows our title
        assert "Parallax" in tab.page.locator("#swagger-ui .info .title").inner_text()
        assert any(u.endswith("/openapi.json") for u in tab.rec.requests)
    if status == 404:
        assert tab.page.locator("h1").inner_text().strip() == "Not found"
        assert tab.page.locator(".error-page .lede").inner_text().strip()
    tab.page.wait_for_load_state("networkidle")
    tab.rec.assert_clean()
