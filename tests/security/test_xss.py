"""Annotation bodies, quotes and passages with HTML or script in them are shown as text,
on every page and fragment that shows them, and nothing in them can run."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import write_session
from app.services.accounts import create_user
from app.services.errors import InputError
from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article
from tests.factories import STORY, login
from tests.html import soup
from tests.security.conftest import Browser, People, active_content

# Bodies a person must see character for character (Markdown leaves them as text).
SHOWN_AS_TEXT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '"><svg onload=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
]
# Markdown tricks that must not become a script link (what is shown may differ).
MARKDOWN_TRICKS = [
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x]( javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "**<script>alert(1)</script>** `<script>` ```\n<script>alert(1)</script>\n```",
]
HOSTILE_TEXT = (
    "Officials quoted <script>alert(1)</script> and <img src=x onerror=alert(1)> in a "
    'statement, then "><svg onload=alert(1)> appeared, with '
    '<a href="javascript:alert(1)">a link</a> at the end.'
)
# Quotes (the `exact` field) are spans of the passage, so the passage has HTML in it.
QUOTES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">a link</a>',
]
OUTLET = "hostile-wire"
REFLECTED = [
    "/analysts/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/p/%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "/a/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "/stories/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    f"/stories/{STORY}?left=%3Cscript%3Ealert(1)%3C/script%3E",
    "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/search?q=%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "/login?next=/%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "/frames/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]


@pytest.fixture
def hostile_passage(engine: Engine, client: TestClient) -> str:
    """An article in the seed story whose first paragraph is full of markup."""
    raw = f"Hostile Wire Reports on the Call\n\n{HOSTILE_TEXT}\n\n" + (
        "A second paragraph is here so that the article has some plain text in it too.\n"
    )
    with write_session(engine) as s:
        story = get_or_create_story(s, slug=STORY)
        outlet = get_or_create_outlet(s, slug=OUTLET, name="Hostile <b>Wire</b>")
        import_article(s, story=story, outlet=outlet, raw=raw.encode())
    story_json = client.get(f"/api/stories/{STORY}").json()
    article = next(a for a in story_json["articles"] if a["outlet"] == OUTLET)
    p = next(p for p in article["passages"] if p["kind"] == "paragraph")
    assert p["text"] == HOSTILE_TEXT
    return str(p["id"])


def _no_active_content(html: str, where: str) -> BeautifulSoup:
    page = soup(html)
    problems = active_content(page)
    assert not problems, f"{where}: {problems}"
    return page


def _annotation_text(page: BeautifulSoup) -> str:
    return "\n".join(n.get_text() for n in page.select(".annotation"))


@pytest.fixture
def posted(
    browser: Callable[[str | None], Browser], hostile_passage: str
) -> Iterator[tuple[Browser, list[str]]]:
    """alice posts every payload: forms, htmx, the JSON API, a reply and an edit."""
    alice = browser("alice")
    pid = hostile_passage
    ids: list[str] = []

    def newest() -> str:
        items = alice.client.get(f"/api/annotations?passage={pid}&limit=500").json()["items"]
        return str(items[0]["id"]) if items else ""

    for body in SHOWN_AS_TEXT + MARKDOWN_TRICKS:
        r = alice.post(f"/p/{pid}/annotations", {"body": body})
        assert r.status_code == 303, (body, r.status_code, r.text[:300])
        ids.append(newest())
    for exact in QUOTES[:2]:
        r = alice.post(f"/p/{pid}/annotations", {"body": exact, "exact": exact})
        assert r.status_code == 303, (exact, r.status_code, r.text[:300])
        ids.append(newest())
    # htmx: the fragment it gets back is checked too
    r = alice.hx_post(f"/p/{pid}/annotations", {"body": QUOTES[2], "exact": QUOTES[2], "frame": ""})
    assert r.status_code == 200, r.text[:300]
    fragment = _no_active_content(r.text, "htmx notes fragment")
    assert QUOTES[2] in _annotation_text(fragment)
    ids.append(newest())
    # the JSON API, with the session and its CSRF header
    r = alice.api(
        "POST",
        "/api/annotations",
        json={"passage": pid, "body": "[x](JaVaScRiPt:alert(1))", "quote": {"exact": QUOTES[3]}},
    )
    assert r.status_code == 201, r.text
    ids.append(r.json()["id"])
    # a reply, and an edit (so the history has a payload too)
    r = alice.post(f"/a/{ids[0]}/replies", {"body": "<script>alert('reply')</script>"})
    assert r.status_code == 303, r.text[:300]
    ids.append(newest())
    r = alice.post(f"/a/{ids[1]}/edit", {"body": '"><svg onload=alert("edit")>'})
    assert r.status_code == 303, r.text[:300]
    assert len(set(ids)) == len(ids)
    yield alice, ids


def test_bodies_and_quotes_are_escaped_on_every_page(
    posted: tuple[Browser, list[str]],
    hostile_passage: str,
    browser: Callable[[str | None], Browser],
) -> None:
    alice, ids = posted
    reader = browser(None)
    pid = hostile_passage
    story_page = f"/stories/{STORY}?left={OUTLET}&right=nyt-style"
    pages = [
        story_page,
        f"/p/{pid}",
        f"/stories/{STORY}/annotations",
        "/analysts/alice",
    ]
    expected = [*SHOWN_AS_TEXT, "<script>alert('reply')</script>", '"><svg onload=alert("edit")>']
    for who in (alice, reader):
        for path in pages:
            r = who.client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            page = _no_active_content(r.text, path)
            shown = _annotation_text(page)
            for body in expected:
                assert body in shown, f"{path}: {body!r} not shown as text"
            for exact in QUOTES:
                assert f"“{exact}”" in shown, f"{path}: quote {exact!r} not shown as text"
        # the story's htmx fragment
        r = who.client.get(story_page, headers={"HX-Request": "true"})
        assert r.status_code == 200
        assert SHOWN_AS_TEXT[0] in _annotation_text(_no_active_content(r.text, "story fragment"))


def test_each_annotation_permalink_fragment_and_edit_form_is_inert(
    posted: tuple[Browser, list[str]], browser: Callable[[str | None], Browser]
) -> None:
    alice, ids = posted
    reader = browser(None)
    for n, aid in enumerate(ids):
        for who in (alice, reader):
            r = who.client.get(f"/a/{aid}")
            assert r.status_code == 200, (aid, r.status_code)
            page = _no_active_content(r.text, f"/a/{aid}")
            note = page.select_one(f"#a-{aid}")
            assert note is not None
            if n < len(SHOWN_AS_TEXT) and n != 1:  # ids[1] was edited
                assert SHOWN_AS_TEXT[n] in note.get_text()
            r = who.client.get(f"/a/{aid}/fragment", headers={"HX-Request": "true"})
            assert r.status_code == 200
            _no_active_content(r.text, f"/a/{aid}/fragment")
        for hx in ({}, {"HX-Request": "true"}):
            r = alice.client.get(f"/a/{aid}/edit", headers=hx)
            assert r.status_code == 200, r.status_code
            page = _no_active_content(r.text, f"/a/{aid}/edit {hx}")
            textarea = page.find("textarea", attrs={"name": "body"})
            assert textarea is not None
            if n < len(SHOWN_AS_TEXT) and n != 1:
                # the textarea holds exactly what was written: no early </textarea>
                assert textarea.get_text() == SHOWN_AS_TEXT[n]
    # the history (author's view) shows old and new bodies as text
    page = _no_active_content(alice.client.get(f"/a/{ids[1]}").text, "history")
    history = page.select_one("section.history")
    assert history is not None
    assert SHOWN_AS_TEXT[1] in history.get_text()
    assert '"><svg onload=alert("edit")>' in history.get_text()


def test_the_api_never_serves_active_html(
    posted: tuple[Browser, list[str]], hostile_passage: str, client: TestClient
) -> None:
    _, ids = posted
    items = client.get(f"/api/annotations?passage={hostile_passage}&limit=500").json()["items"]
    assert {i["id"] for i in items} == set(ids)
    for item in items:
        html = soup(item["body_html"])
        assert not active_content(html), (item["body"], item["body_html"])
        assert not html.find(["script", "img", "svg", "iframe"]), item["body_html"]
        for a in html.find_all("a"):
            assert str(a["href"]).startswith(("http://", "https://", "mailto:")), a
    for aid in ids:
        r = client.get(f"/api/annotations/{aid}", headers={"Accept": "application/ld+json"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/ld+json")
        assert r.headers["x-content-type-options"] == "nosniff"


def test_safe_markdown_still_works(
    browser: Callable[[str | None], Browser], client: TestClient
) -> None:
    """Sanitising keeps what analysts need: emphasis, code and http(s) links."""
    alice = browser("alice")
    pid = client.get(f"/api/stories/{STORY}").json()["articles"][0]["passages"][1]["id"]
    body = "**bold** `code` [source](https://example.org/a?b=1)"
    r = alice.api("POST", "/api/annotations", json={"passage": pid, "body": body})
    assert r.status_code == 201, r.text
    html = soup(r.json()["body_html"])
    assert html.find("strong").get_text() == "bold"  # type: ignore[union-attr]
    assert html.find("code").get_text() == "code"  # type: ignore[union-attr]
    link = html.find("a")
    assert link is not None and link["href"] == "https://example.org/a?b=1"
    assert "noopener" in str(link.get("rel"))


def test_passage_text_with_markup_is_shown_as_text(
    hostile_passage: str, client: TestClient
) -> None:
    for path in (f"/p/{hostile_passage}", f"/stories/{STORY}?left={OUTLET}&right=nyt-style"):
        page = _no_active_content(client.get(path).text, path)
        node = page.select_one(f"#p-{hostile_passage}")
        assert node is not None
        assert HOSTILE_TEXT in node.get_text()
        # the outlet name had markup in it as well
        assert "Hostile <b>Wire</b>" in page.get_text()


def test_user_names_cannot_carry_markup(engine: Engine) -> None:
    for name in ["<b>", "<b>bob</b>", '"><svg onload=alert(1)>', "alice<script>", "Alice", "a b"]:
        with pytest.raises(InputError), write_session(engine) as s:
            create_user(s, name=name, role="analyst", password=None)


def test_reflected_input_is_escaped(client: TestClient) -> None:
    for path in REFLECTED:
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        if r.headers.get("content-type", "").startswith("text/html"):
            _no_active_content(r.text, path)


def test_login_form_reflects_the_user_name_as_text(client: TestClient, people: People) -> None:
    name = '"><svg onload=alert(1)>'
    r = login(client, name, "wrong password here")
    assert r.status_code == 401
    page = _no_active_content(r.text, "login error")
    field = page.find("input", attrs={"name": "username"})
    assert field is not None and field["value"] == name
