"""The side-by-side story page as a reader sees it: on a desktop, on a phone, with a frame
highlighted (through htmx and without JavaScript) and opened at a passage's permalink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    STORY,
    Tab,
    articles,
    bbc,
    box,
    css,
    far_down_passage,
    no_sideways_scroll,
)

pytestmark = pytest.mark.browser

FRAME = "few-concessions"
COLUMN_PASSAGES = "[data-outlet-column] .passage"


def test_desktop_two_columns_side_by_side(tab: Tab, story_json: dict[str, Any]) -> None:
    page = tab.page
    response = tab.goto(f"/stories/{STORY}")
    assert response.status == 200

    columns = page.locator("[data-outlet-column]")
    assert columns.count() == 2
    left, right = box(columns.nth(0)), box(columns.nth(1))
    overlap = min(left["y"] + left["height"], right["y"] + right["height"]) - max(
        left["y"], right["y"]
    )
    assert abs(left["y"] - right["y"]) <= 4 or overlap > 0, (left, right)
    assert left["x"] + left["width"] <= right["x"], ("columns overlap sideways", left, right)
    assert left["width"] > 400 and right["width"] > 400, "columns too narrow to read"
    for col in (left, right):
        assert col["x"] >= 0 and col["x"] + col["width"] <= DESKTOP["width"]

    columns_top = min(left["y"], right["y"])
    outlets = [a["outlet"] for a in articles(story_json)][:2]
    assert [columns.nth(i).get_attribute("data-outlet-column") for i in (0, 1)] == outlets
    for a in articles(story_json)[:2]:
        head = page.locator(f'[data-outlet-head="{a["outlet"]}"]')
        headline = head.locator(".kind-headline .passage-text")
        assert headline.is_visible()
        assert headline.inner_text().strip() == a["headline"]
        h = box(headline)
        assert h["y"] + h["height"] <= columns_top, (
            f"headline of {a['outlet']} is not above the columns"
        )
        # the framing profile: one SVG bar per outlet, drawn, with a segment per frame
        profile = head.locator("svg.profile-bar")
        assert profile.count() == 1
        assert profile.is_visible()
        p = box(profile)
        assert p["width"] > 100 and p["height"] >= 6
        assert a["outlet_name"] in (profile.get_attribute("aria-label") or "")
        assert profile.locator("rect").count() >= 1
    # the two headlines sit side by side too
    heads = [box(page.locator(f'[data-outlet-head="{o}"]')) for o in outlets]
    assert heads[0]["x"] + heads[0]["width"] <= heads[1]["x"]

    scroll_width, width = no_sideways_scroll(page)
    assert scroll_width <= width, f"horizontal scrollbar: {scroll_width} > {width}"
    # without JavaScript-driven tabs on a wide screen: no tab bar
    assert not page.get_by_role("tab").first.is_visible()
    tab.rec.assert_clean()


def test_phone_tabs_switch_accounts(
    new_tab: Callable[..., Tab], story_json: dict[str, Any]
) -> None:
    t = new_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    page = t.page
    t.goto(f"/stories/{STORY}")

    scroll_width, width = no_sideways_scroll(page)
    assert width == PHONE["width"]
    assert scroll_width <= PHONE["width"], f"sideways scrolling on a phone: {scroll_width}px"

    tabs = page.get_by_role("tab")
    assert tabs.count() == 2
    first, second = tabs.nth(0), tabs.nth(1)
    assert first.is_visible() and second.is_visible()
    a, b = (x["outlet"] for x in articles(story_json)[:2])
    col_a = page.locator(f'[data-outlet-column="{a}"]')
    col_b = page.locator(f'[data-outlet-column="{b}"]')
    assert first.get_attribute("aria-selected") == "true"
    assert col_a.is_visible() and not col_b.is_visible()

    second.click()
    assert second.get_attribute("aria-selected") == "true"
    assert first.get_attribute("aria-selected") == "false"
    assert col_b.is_visible() and not col_a.is_visible()
    assert page.locator(f'[data-outlet-head="{b}"]').is_visible()
    assert not page.locator(f'[data-outlet-head="{a}"]').is_visible()

    # readable: the column and its passages use (nearly) the whole width, none overflows
    col = box(col_b)
    assert col["width"] >= 0.8 * PHONE["width"], f"column only {col['width']}px wide"
    passage = col_b.locator(".passage").first
    p = box(passage)
    assert p["x"] >= 0 and p["x"] + p["width"] <= PHONE["width"]
    assert float(css(passage.locator(".passage-text"), "font-size").removesuffix("px")) >= 15

    # switching back works too, and the page still does not scroll sideways
    first.click()
    assert col_a.is_visible() and not col_b.is_visible()
    scroll_width, _ = no_sideways_scroll(page)
    assert scroll_width <= PHONE["width"]
    t.rec.assert_clean()


def test_phone_without_javascript_stacks_accounts(
    new_tab: Callable[..., Tab], story_json: dict[str, Any]
) -> None:
    t = new_tab(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = t.page
    t.goto(f"/stories/{STORY}")
    scroll_width, _ = no_sideways_scroll(page)
    assert scroll_width <= PHONE["width"]
    assert not page.get_by_role("tab").first.is_visible()
    a, b = (x["outlet"] for x in articles(story_json)[:2])
    top, bottom = (
        box(page.locator(f'[data-outlet-column="{a}"]')),
        box(page.locator(f'[data-outlet-column="{b}"]')),
    )
    assert bottom["y"] >= top["y"] + top["height"], "without JS the accounts stack"
    assert top["width"] >= 0.8 * PHONE["width"]
    t.rec.assert_clean()


def _highlight_state(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        COLUMN_PASSAGES,
        """els => els.map(el => ({
            id: el.dataset.passageId,
            outlet: el.dataset.outlet,
            frames: (el.dataset.frames || '').split(/\\s+/).filter(Boolean),
            hl: el.classList.contains('is-hl'),
            bg: getComputedStyle(el).backgroundColor,
        }))""",
    )


def _check_highlight(state: list[dict[str, Any]], outlets: list[str]) -> set[str]:
    highlighted = {p["id"] for p in state if p["hl"]}
    wanted = {p["id"] for p in state if FRAME in p["frames"]}
    assert highlighted, "no passage is highlighted"
    assert highlighted == wanted, (
        f"highlighted but without the frame: {highlighted - wanted}; "
        f"with the frame but not highlighted: {wanted - highlighted}"
    )
    for outlet in outlets:
        assert any(p["hl"] for p in state if p["outlet"] == outlet), (
            f"nothing highlighted in {outlet}"
        )
    return highlighted


def test_frame_highlight_through_htmx_without_reload(
    tab: Tab, new_tab: Callable[..., Tab], story_json: dict[str, Any]
) -> None:
    page = tab.page
    tab.goto(f"/stories/{STORY}")
    outlets = [a["outlet"] for a in articles(story_json)[:2]]
    assert page.locator(".passage.is-hl").count() == 0
    plain_bg = css(page.locator(".columns .passage.kind-paragraph").first, "background-color")
    page.evaluate("window.__noReload = 1")

    page.locator(f'nav.legend a[data-frame="{FRAME}"]').click()
    page.wait_for_selector(".passage.is-hl")
    page.wait_for_function(
        "frame => new URLSearchParams(location.search).get('frame') === frame", arg=FRAME
    )

    assert page.evaluate("window.__noReload") == 1, "the page reloaded instead of swapping"
    assert parse_qs(urlsplit(page.url).query).get("frame") == [FRAME]
    assert (
        page.locator(f'nav.legend a[data-frame="{FRAME}"]').get_attribute("aria-current") == "true"
    )
    assert page.locator('nav.legend a[aria-current="true"]').count() == 1
    assert page.locator(".legend-status").is_visible()

    # wait for the highlight colour to settle (there is a short transition)
    page.wait_for_function(
        """([sel, plain]) => [...document.querySelectorAll(sel)]
              .every(el => getComputedStyle(el).backgroundColor !== plain)""",
        arg=[f"{COLUMN_PASSAGES}.is-hl", plain_bg],
    )
    state = _highlight_state(page)
    with_js = _check_highlight(state, outlets)
    # a person sees it: highlighted passages look different from the others
    hl_bg = {p["bg"] for p in state if p["hl"]}
    assert plain_bg not in hl_bg
    scroll_width, width = no_sideways_scroll(page)
    assert scroll_width <= width
    tab.rec.assert_clean()

    # Without JavaScript, the same URL shows the same highlight.
    nojs = new_tab(java_script_enabled=False)
    nojs.goto(f"/stories/{STORY}?frame={FRAME}")
    nojs_state = _highlight_state(nojs.page)
    assert _check_highlight(nojs_state, outlets) == with_js
    link = nojs.page.locator(f'nav.legend a[data-frame="{FRAME}"]')
    assert link.get_attribute("aria-current") == "true"
    assert plain_bg not in {p["bg"] for p in nojs_state if p["hl"]}
    nojs.rec.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_permalink_scrolls_to_and_marks_passage(
    new_tab: Callable[..., Tab], story_json: dict[str, Any], viewport: dict[str, int]
) -> None:
    phone = viewport is PHONE
    t = new_tab(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = t.page
    target = far_down_passage(story_json)
    outlet = bbc(story_json)["outlet"]
    t.goto(f"/stories/{STORY}#p-{target['id']}")

    el = page.locator(f"#p-{target['id']}")
    assert el.get_attribute("data-outlet") == outlet
    assert el.is_visible()
    assert page.evaluate("() => window.scrollY") > 300, "the page did not scroll down"
    # the browser may finish its own scroll-to-fragment after the load event
    page.wait_for_function(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                  return r.top >= 0 && r.top < window.innerHeight; }""",
        arg=f"p-{target['id']}",
    )
    b = box(el)
    assert 0 <= b["y"] < viewport["height"], f"passage at y={b['y']}, not in the viewport"
    # nothing sticky (legend, tabs) covers the passage's first line
    covered = page.evaluate(
        """id => { const el = document.getElementById(id), r = el.getBoundingClientRect();
                  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + 12);
                  return el.contains(hit) ? null : (hit && hit.outerHTML.slice(0, 120)); }""",
        f"p-{target['id']}",
    )
    assert covered is None, f"the passage's top is hidden under {covered}"

    assert page.evaluate("id => document.querySelector(':target')?.id", None) == f"p-{target['id']}"
    ordinary = page.locator(
        f'[data-outlet-column="{outlet}"] .passage.kind-paragraph:not(#p-{target["id"]})'
    ).first
    page.wait_for_function(
        "([a, b]) => getComputedStyle(document.getElementById(a)).backgroundColor !=="
        " getComputedStyle(document.getElementById(b)).backgroundColor",
        arg=[f"p-{target['id']}", ordinary.get_attribute("id")],
    )
    assert css(el, "background-color") != css(ordinary, "background-color")

    if phone:
        active = page.locator('[role="tab"][aria-selected="true"]')
        assert active.count() == 1
        assert active.get_attribute("data-tab") == outlet
        scroll_width, _ = no_sideways_scroll(page)
        assert scroll_width <= PHONE["width"]
    t.rec.assert_clean()


def test_back_button_after_frame_highlight(tab: Tab) -> None:
    page = tab.page
    tab.goto(f"/stories/{STORY}")
    page.locator(f'nav.legend a[data-frame="{FRAME}"]').click()
    page.wait_for_selector(".passage.is-hl")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('frame=')")
    page.wait_for_function("() => !document.querySelector('.passage.is-hl')")
    assert page.locator('nav.legend a[aria-current="true"]').count() == 0
    page.go_forward()
    page.wait_for_selector(".passage.is-hl")
    tab.rec.assert_clean()


def test_phone_frame_highlight_keeps_the_open_tab(
    new_tab: Callable[..., Tab], story_json: dict[str, Any]
) -> None:
    t = new_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    page = t.page
    t.goto(f"/stories/{STORY}")
    a, b = (x["outlet"] for x in articles(story_json)[:2])
    page.locator(f'[role="tab"][data-tab="{b}"]').click()
    page.evaluate("window.__noReload = 1")
    page.locator(f'nav.legend a[data-frame="{FRAME}"]').click()
    page.wait_for_selector(f'[data-outlet-column="{b}"] .passage.is-hl')
    assert page.evaluate("window.__noReload") == 1
    assert page.locator(f'[data-outlet-column="{b}"]').is_visible()
    assert not page.locator(f'[data-outlet-column="{a}"]').is_visible()
    assert page.locator(f'[role="tab"][data-tab="{b}"]').get_attribute("aria-selected") == "true"
    scroll_width, _ = no_sideways_scroll(page)
    assert scroll_width <= PHONE["width"]
    t.rec.assert_clean()
