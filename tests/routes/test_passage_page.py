"""The passage permalink: in context, with previews, and still valid after corrections."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import write_session
from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article
from tests.conftest import SOURCE_ARTICLES
from tests.html import meta, soup, text_of


def _bbc_passages(client: TestClient) -> list[dict]:  # type: ignore[type-arg]
    story = client.get("/api/stories/trump-putin-call").json()
    bbc = next(a for a in story["articles"] if a["outlet"] == "bbc-style")
    return bbc["passages"]  # type: ignore[no-any-return]


def test_permalink_shows_the_passage_in_context(client: TestClient) -> None:
    passages = _bbc_passages(client)
    i = next(n for n, p in enumerate(passages) if p["text"].startswith("Instead of confronting"))
    target, before, after = passages[i], passages[i - 1], passages[i + 1]
    r = client.get(f"/p/{target['id']}")
    assert r.status_code == 200
    page = soup(r.text)
    focus = page.select_one(f"#p-{target['id']}.passage")
    assert focus is not None and text_of(focus) == target["text"]
    assert focus["data-outlet"] == "bbc-style" and focus["data-kind"] == "paragraph"
    assert text_of(page.select_one(".context-passage.before")).endswith(
        before["text"][:60]
    ) or before["text"][:60] in text_of(page.select_one(".context-passage.before"))
    assert after["text"][:60] in text_of(page.select_one(".context-passage.after"))
    assert text_of(page.select_one("h1.headline")) == "Trump-Putin Call Viewed as a Win for Russia"
    assert "BBC-style account" in text_of(page.select_one(".outlet"))
    back = page.find("a", href=f"/stories/trump-putin-call#p-{target['id']}")
    assert back is not None
    frames = [c["data-frame"] for c in page.select(".applied-frames .chip")]
    assert frames == target["frames"] and frames
    assert all(text_of(r) for r in page.select(".applied-frames .reason"))
    assert page.select_one("[data-copy-link]") is not None


def test_permalink_previews_well_when_pasted(client: TestClient) -> None:
    target = _bbc_passages(client)[5]
    page = soup(client.get(f"/p/{target['id']}").text)
    url = f"http://testserver/p/{target['id']}"
    assert meta(page, "og:url") == url
    assert page.select_one("link[rel=canonical]")["href"] == url  # type: ignore[index]
    assert (
        meta(page, "og:title") == "BBC-style account · Trump-Putin Call Viewed as a Win for Russia"
    )
    assert target["text"][:100] in (meta(page, "og:description") or "")
    assert meta(page, "og:type") == "article"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert (meta(page, "og:image") or "").startswith("http://testserver/static/")
    assert client.get(meta(page, "og:image").replace("http://testserver", "")).status_code == 200  # type: ignore[union-attr]


def test_unknown_passage_is_a_real_404_page(client: TestClient) -> None:
    r = client.get("/p/zzzzzzzzzz")
    assert r.status_code == 404
    assert "no passage 'zzzzzzzzzz'" in text_of(soup(r.text).main)
    assert "Traceback" not in r.text


def test_links_to_corrected_passages_keep_working(client: TestClient, engine: Engine) -> None:
    passages = _bbc_passages(client)
    edited = next(p for p in passages if p["text"].startswith("It is difficult to imagine"))
    dropped = next(p for p in passages if p["text"] == "The message seems to be resonating.")
    raw = (SOURCE_ARTICLES / "bbc-style_win-for-russia.txt").read_text()
    corrected = raw.replace(
        "It is difficult to imagine Kyiv acquiescing to any of these terms.",
        "It is hard to imagine Kyiv acquiescing to any of these terms.",
    ).replace("The message seems to be resonating.\n\n", "")
    with write_session(engine) as session:
        story = get_or_create_story(session, slug="trump-putin-call")
        outlet = get_or_create_outlet(session, slug="bbc-style")
        import_article(session, story=story, outlet=outlet, raw=corrected.encode())

    moved = client.get(f"/p/{edited['id']}", follow_redirects=False)
    assert moved.status_code == 301
    new = soup(client.get(moved.headers["location"]).text)
    assert "It is hard to imagine Kyiv" in text_of(new.select_one(".passage.is-focus"))

    gone = client.get(f"/p/{dropped['id']}")
    assert gone.status_code == 410
    page = soup(gone.text)
    assert "removed" in text_of(page.select_one(".notice"))
    assert text_of(page.select_one(".passage.is-focus")) == "The message seems to be resonating."
    # and the story page no longer shows it
    assert f"p-{dropped['id']}" not in client.get("/stories/trump-putin-call").text
