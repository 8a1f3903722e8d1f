"""An analyst at work in Chromium: log in and out, annotate a passage or a quoted span of it,
reply, edit, delete and tag frames, all in place through htmx (no page reload), and the
same annotate form without JavaScript (303 back to the passage, 422 with the error inline).

Every test uses its own analyst and its own passage of the first account: the live server's
database is shared by the whole session."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.analyst_fixtures import (  # noqa: F401 (fixtures pytest must see)
    Analyst,
    analyst_fixture,
    live_engine_fixture,
    log_in,
    make_analyst_fixture,
    password_hash_fixture,
    write_note,
)
from tests.browser.helpers import STORY, Tab, articles

pytestmark = pytest.mark.browser

STORY_PATH = f"/stories/{STORY}"
ANY_VALUE = re.compile(r".+")
# Once htmx has its answer, the swap follows within milliseconds.
SWAPPED = {"timeout": 2_000}


def paragraph(story_json: dict[str, Any], k: int) -> str:
    """The id of the k-th body paragraph of the first account (one per test)."""
    paragraphs = [p for p in articles(story_json)[0]["passages"] if p["kind"] == "paragraph"]
    assert len(paragraphs) > k, "the first account is too short for these tests"
    return str(paragraphs[k]["id"])


def text_of(story_json: dict[str, Any], pid: str) -> str:
    for a in articles(story_json):
        for p in a["passages"]:
            if p["id"] == pid:
                return str(p["text"])
    raise AssertionError(f"no passage {pid}")


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def mark_page(page: Any) -> None:
    """A marker on `window` that only a full page load would wipe."""
    page.evaluate("() => { window.__noReload = 1; }")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("() => window.__noReload") == 1, "the page reloaded"


def htmx(page: Any, method: str, path: str, action: Callable[[], None]) -> Any:
    """Run `action` and wait for the htmx request it makes (`method` `path`) to be answered;
    checks that htmx (not a full page load) sent it, with the CSRF header on writes."""
    with page.expect_response(
        lambda r: r.request.method == method and urlsplit(r.url).path == path
    ) as info:
        action()
    response = info.value
    request = response.request
    assert request.resource_type in ("xhr", "fetch"), f"{method} {path} was not htmx"
    assert request.header_value("hx-request") == "true"
    if method == "POST":
        assert request.header_value("x-csrf-token"), "htmx sent no X-CSRF-Token header"
    assert response.status == 200, f"{method} {path} answered {response.status}"
    return response


def open_notes(passage: Any) -> None:
    """Open the passage's collapsed "N notes" list (a <details>)."""
    notes = passage.locator("details.notes-list")
    expect(notes).to_have_count(1)
    if notes.get_attribute("open") is None:
        notes.locator("> summary").click()
    expect(notes).to_have_attribute("open", "")


# --- 1. log in and out -----------------------------------------------------------------


def test_login_lands_on_next_and_logout(tab: Tab, analyst: Analyst) -> None:
    page: Any = tab.page
    log_in(tab, analyst, STORY_PATH)

    header = page.locator(".site-header")
    expect(header.locator(".whoami")).to_contain_text(analyst.name)
    logout = header.get_by_role("button", name="Log out")
    expect(logout).to_be_visible()
    expect(header.get_by_role("link", name="Log in")).to_have_count(0)
    # the analyst's controls are on the story page
    expect(page.locator(".passage [data-action=annotate]").first).to_be_attached()

    with page.expect_navigation():
        logout.click()
    assert page.url == tab.base_url + "/"
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.locator(".whoami")).to_have_count(0)
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)

    tab.goto(STORY_PATH)
    expect(page.locator("[data-action=annotate]")).to_have_count(0)
    expect(page.locator(".tag-form")).to_have_count(0)
    tab.rec.assert_clean()


# --- 2. annotate a passage through htmx ---------------------------------------------------


def test_annotate_without_reload_persists_and_renders_markdown(
    tab: Tab, analyst: Analyst, story_json: dict[str, Any]
) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 0)
    log_in(tab, analyst, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    word = unique("concedes")

    mark_page(page)
    annotate = passage.locator("[data-action=annotate]")
    annotate.locator("summary").click()
    form = annotate.locator("form")
    expect(form).to_be_visible()
    form.locator("textarea[name=body]").fill(f"Putin **{word}** nothing, says the *Kremlin*.")
    save = form.get_by_role("button", name="Save note")
    htmx(page, "POST", f"/p/{pid}/annotations", save.click)

    note = passage.locator(".annotation", has_text=word)
    expect(note).to_be_visible(**SWAPPED)
    expect(note).to_have_attribute("data-annotation-id", ANY_VALUE)
    expect(note.locator(".annotation-body strong")).to_have_text(word)
    expect(note.locator(".author")).to_have_text(analyst.name)
    expect(passage.locator("details.notes-list > summary")).to_have_text("1 note")
    assert_not_reloaded(page)
    note_id = note.get_attribute("data-annotation-id")

    page.reload()
    assert page.evaluate("() => window.__noReload") is None
    passage = page.locator(f"#p-{pid}")
    open_notes(passage)
    note = passage.locator(f'.annotation[data-annotation-id="{note_id}"]')
    expect(note).to_be_visible()
    expect(note.locator(".annotation-body strong")).to_have_text(word)
    expect(note.locator(".annotation-body em")).to_have_text("Kremlin")
    assert "**" not in note.locator(".annotation-body").inner_text()
    tab.rec.assert_clean()


# --- 3. select words and annotate the quote ----------------------------------------------

SELECT_WORDS = """([pid, phrase]) => {
  const text = document.querySelector(`#p-${pid} .passage-text .text`);
  const node = text.firstChild;
  const at = node.textContent.indexOf(phrase);
  if (at < 0) throw new Error("phrase not in the first text node");
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + phrase.length);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  text.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def test_select_words_and_annotate_the_quote(
    tab: Tab, analyst: Analyst, story_json: dict[str, Any]
) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 1)
    words = text_of(story_json, pid).split(" ")
    phrase = " ".join(words[3:7])
    assert len(phrase) > 10
    log_in(tab, analyst, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    annotate = passage.locator("[data-action=annotate]")
    expect(annotate).not_to_have_attribute("open", "")

    mark_page(page)
    page.evaluate(SELECT_WORDS, [pid, phrase])
    expect(annotate).to_have_attribute("open", "")
    preview = annotate.locator(".quote-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("span")).to_have_text(phrase)
    form = annotate.locator("form")
    assert form.locator("input[name=exact]").input_value() == phrase
    start = int(form.locator("input[name=start]").input_value())
    end = int(form.locator("input[name=end]").input_value())
    assert text_of(story_json, pid)[start:end] == phrase

    body = unique("quoted")
    form.locator("textarea[name=body]").fill(body)
    save = form.get_by_role("button", name="Save note")
    htmx(page, "POST", f"/p/{pid}/annotations", save.click)
    note = passage.locator(".annotation", has_text=body)
    expect(note).to_be_visible(**SWAPPED)
    expect(note.locator("blockquote.quote")).to_have_text(f"“{phrase}”")
    assert_not_reloaded(page)
    note_id = note.get_attribute("data-annotation-id")

    page.reload()
    passage = page.locator(f"#p-{pid}")
    mark = passage.locator(".passage-text .text mark.quote-mark")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(phrase)
    expect(mark).to_be_visible()
    assert note_id in (mark.get_attribute("data-annotation-ids") or "").split()
    # the rest of the passage is intact around the mark
    expect(passage.locator(".passage-text .text")).to_have_text(text_of(story_json, pid))
    open_notes(passage)
    note = passage.locator(f'.annotation[data-annotation-id="{note_id}"]')
    expect(note.locator("blockquote.quote")).to_have_text(f"“{phrase}”")
    expect(note.locator(".annotation-body")).to_have_text(body)
    tab.rec.assert_clean()


# --- 4. reply ------------------------------------------------------------------------------


def test_reply_nests_under_the_note_without_reload(
    tab: Tab,
    make_analyst: Callable[..., Analyst],
    live_engine: Any,
    story_json: dict[str, Any],
) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 2)
    author, replier = make_analyst(can_log_in=False), make_analyst()
    note_id = write_note(live_engine, author, pid, unique("first"))
    log_in(tab, replier, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    open_notes(passage)
    note = passage.locator(f'.annotation[data-annotation-id="{note_id}"]')
    expect(note).to_be_visible()

    mark_page(page)
    reply = note.locator("details.reply")
    reply.locator("summary").click()
    text = unique("reply")
    reply.locator("textarea[name=body]").fill(text)
    send = reply.get_by_role("button", name="Reply")
    htmx(page, "POST", f"/a/{note_id}/replies", send.click)

    nested = page.locator(f"#a-{note_id} > .annotation.is-reply")
    expect(nested).to_have_count(1, **SWAPPED)
    expect(nested).to_be_visible()
    expect(nested.locator(".annotation-body")).to_have_text(text)
    expect(nested.locator(".author")).to_have_text(replier.name)
    expect(nested).to_have_attribute("data-annotation-id", ANY_VALUE)
    expect(passage.locator("details.notes-list > summary")).to_have_text("2 notes")
    assert_not_reloaded(page)
    tab.rec.assert_clean()


# --- 5. edit -------------------------------------------------------------------------------


def test_edit_own_note_in_place(
    tab: Tab,
    analyst: Analyst,
    live_engine: Any,
    story_json: dict[str, Any],
) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 3)
    old = unique("before")
    note_id = write_note(live_engine, analyst, pid, old)
    log_in(tab, analyst, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    open_notes(passage)
    note = passage.locator(f"#a-{note_id}")
    expect(note.locator(".edited")).to_have_count(0)

    mark_page(page)
    htmx(page, "GET", f"/a/{note_id}/edit", note.get_by_role("link", name="Edit").click)
    form = passage.locator(f"form.annotation-edit#a-{note_id}")
    expect(form).to_be_visible(**SWAPPED)
    textarea = form.locator("textarea[name=body]")
    expect(textarea).to_have_value(old)
    new = unique("after")
    textarea.fill(f"Now **{new}**")
    htmx(page, "POST", f"/a/{note_id}/edit", form.get_by_role("button", name="Save").click)

    note = passage.locator(f"article.annotation#a-{note_id}")
    expect(note).to_be_visible(**SWAPPED)
    expect(note.locator(".annotation-body strong")).to_have_text(new)
    expect(note.locator(".annotation-body")).not_to_contain_text(old)
    expect(note.locator(".edited")).to_have_text("edited")
    expect(passage.locator("form.annotation-edit")).to_have_count(0)
    assert_not_reloaded(page)
    tab.rec.assert_clean()


# --- 6. delete -----------------------------------------------------------------------------


def test_delete_own_note_after_confirming(
    tab: Tab,
    analyst: Analyst,
    live_engine: Any,
    story_json: dict[str, Any],
) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 4)
    note_id = write_note(live_engine, analyst, pid, unique("doomed"))
    log_in(tab, analyst, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    open_notes(passage)
    note = passage.locator(f'.annotation[data-annotation-id="{note_id}"]')
    expect(note).to_be_visible()

    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", accept)
    mark_page(page)
    htmx(page, "POST", f"/a/{note_id}/delete", note.get_by_role("button", name="Delete").click)
    expect(note).to_have_count(0, **SWAPPED)
    assert dialogs == ["confirm: Delete this note? An admin can restore it."]
    expect(passage.locator(".annotation")).to_have_count(0)
    expect(passage.locator("[data-action=annotate]")).to_have_count(1, **SWAPPED)
    assert_not_reloaded(page)

    page.reload()
    passage = page.locator(f"#p-{pid}")
    expect(passage).to_be_visible()
    expect(passage.locator(f'[data-annotation-id="{note_id}"]')).to_have_count(0)
    expect(passage.locator("details.notes-list")).to_have_count(0)
    tab.rec.assert_clean()


# --- 7. tag a frame ------------------------------------------------------------------------


def test_tag_and_untag_a_frame(tab: Tab, analyst: Analyst, story_json: dict[str, Any]) -> None:
    page: Any = tab.page
    pid = paragraph(story_json, 5)
    log_in(tab, analyst, STORY_PATH)
    tags = page.locator(f"#tags-{pid}")
    toggle = tags.locator(".tag-toggle").first
    expect(toggle).to_have_attribute("aria-pressed", "false")
    frame = toggle.get_attribute("data-frame")
    toggle = tags.locator(f'.tag-toggle[data-frame="{frame}"]')
    expect(tags.locator(".agreement-line")).to_have_count(0)

    mark_page(page)
    htmx(page, "POST", f"/p/{pid}/frames", toggle.click)
    expect(toggle).to_have_attribute("aria-pressed", "true", **SWAPPED)
    expect(tags.locator(".agreement-line")).to_contain_text("1 analyst tagged this")
    assert_not_reloaded(page)

    htmx(page, "POST", f"/p/{pid}/frames", toggle.click)
    expect(toggle).to_have_attribute("aria-pressed", "false", **SWAPPED)
    expect(tags.locator(".agreement-line")).to_have_count(0)
    assert_not_reloaded(page)
    tab.rec.assert_clean()


# --- 8. without JavaScript -----------------------------------------------------------------


def test_annotate_without_javascript(
    new_tab: Callable[..., Tab], analyst: Analyst, story_json: dict[str, Any]
) -> None:
    tab = new_tab(java_script_enabled=False)
    page: Any = tab.page
    pid = paragraph(story_json, 6)
    log_in(tab, analyst, STORY_PATH)
    passage = page.locator(f"#p-{pid}")
    annotate = passage.locator("[data-action=annotate]")
    annotate.locator("summary").click()
    body = unique("nojs")
    annotate.locator("textarea[name=body]").fill(f"Plain **{body}**")
    with page.expect_navigation() as nav:
        annotate.get_by_role("button", name="Save note").click()
    assert nav.value.status == 200
    redirect = nav.value.request.redirected_from
    assert redirect is not None and redirect.url.endswith(f"/p/{pid}/annotations")
    assert redirect.response().status == 303
    url = urlsplit(page.url)
    assert (url.path, url.query) == (STORY_PATH, ""), page.url
    # back at the passage: the fragment names it (#p-...) or a note inside it (#a-...)
    assert url.fragment, page.url
    assert url.fragment == f"p-{pid}" or passage.locator(f"#{url.fragment}").count() == 1

    passage = page.locator(f"#p-{pid}")
    expect(passage.locator("details.notes-list > summary")).to_have_text("1 note")
    open_notes(passage)
    note = passage.locator(".annotation", has_text=body)
    expect(note).to_be_visible()
    expect(note.locator(".annotation-body strong")).to_have_text(body)

    # an empty note: 422, the form again with the error next to it
    tab.rec.ignore_status(f"/p/{pid}/annotations", 422)
    annotate = passage.locator("[data-action=annotate]")
    annotate.locator("summary").click()
    textarea = annotate.locator("textarea[name=body]")
    textarea.evaluate("el => el.removeAttribute('required')")  # what an old browser would send
    textarea.fill("")
    with page.expect_navigation() as nav:
        annotate.get_by_role("button", name="Save note").click()
    assert nav.value.status == 422
    form = page.locator("[data-action=annotate]")
    expect(form).to_have_count(1)
    expect(form).to_have_attribute("open", "")
    error = form.locator(".form-error[role=alert]")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(form.locator("textarea[name=body]")).to_be_visible()
    tab.rec.assert_clean()


def test_without_javascript_the_new_note_is_shown_at_once(
    new_tab: Callable[..., Tab], analyst: Analyst, story_json: dict[str, Any]
) -> None:
    tab = new_tab(java_script_enabled=False)
    page: Any = tab.page
    pid = paragraph(story_json, 7)
    log_in(tab, analyst, STORY_PATH)
    annotate = page.locator(f"#p-{pid} [data-action=annotate]")
    annotate.locator("summary").click()
    body = unique("seen")
    annotate.locator("textarea[name=body]").fill(body)
    with page.expect_navigation():
        annotate.get_by_role("button", name="Save note").click()
    note = page.locator(f"#p-{pid} .annotation", has_text=body)
    expect(note).to_have_count(1)
    expect(note).to_be_visible(timeout=1_000)
    tab.rec.assert_clean()
