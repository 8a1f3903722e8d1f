"""The side-by-side story page: what a reader sees, and how it is cached."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import write_session
from app.models import Frame, Passage, PassageFrame, TagSource
from app.services.versions import bump_story_version
from tests.html import soup, text_of

STORY = "/stories/trump-putin-call"


def test_two_columns_in_the_order_published_with_every_passage(client: TestClient) -> None:
    page = soup(client.get(STORY).text)
    columns = page.select("[data-outlet-column]")
    assert [c["data-outlet-column"] for c in columns] == ["nyt-style", "bbc-style"]
    nyt, bbc = columns
    assert len(nyt.select(".passage[data-kind=paragraph]")) == 17
    assert len(bbc.select(".passage[data-kind=paragraph]")) == 25
    assert len(bbc.select(".passage[data-kind=caption]")) == 2
    first = nyt.select_one(".passage")
    assert first is not None
    assert text_of(first.select_one(".passage-text")).startswith("Following the Kremlin’s release")
    assert first["id"] == f"p-{first['data-passage-id']}"
    assert first["data-outlet"] == "nyt-style"
    assert "few-concessions" in str(first["data-frames"]).split()


def test_headlines_bylines_and_framing_profiles_above_the_columns(client: TestClient) -> None:
    page = soup(client.get(STORY).text)
    heads = page.select("[data-outlet-head]")
    assert [text_of(h.select_one("[data-kind=headline] .passage-text")) for h in heads] == [
        "During Call with Trump, Putin Offers Few Concessions on Ukraine",
        "Trump-Putin Call Viewed as a Win for Russia",
    ]
    assert [text_of(b) for b in heads[1].select("[data-kind=byline] .passage-text")] == [
        "Steve Rosenberg",
        "Russia editor",
    ]
    for head in heads:
        bar = head.select_one("svg.profile-bar")
        assert bar is not None
        widths = [float(r["width"]) for r in bar.select("rect")]
        assert abs(sum(widths) - 100) < 0.1  # the bar is full
    # the BBC-style profile shows triumphalism, the NYT-style one does not
    nyt_profile, bbc_profile = (text_of(h.select_one(".profile-list")) for h in heads)
    assert "Russian media triumphalism" in bbc_profile
    assert "Russian media triumphalism" not in nyt_profile
    assert "Expert analysis" in nyt_profile


def test_frame_chips_and_legend(client: TestClient) -> None:
    page = soup(client.get(STORY).text)
    legend = [a["data-frame"] for a in page.select("nav.legend a[data-frame]")]
    assert legend[:2] == ["few-concessions", "win-for-russia"]
    assert len(legend) == 10
    passage = page.select_one("[data-outlet-column=bbc-style] .passage[data-kind=paragraph]")
    assert passage is not None
    chips = [c["data-frame"] for c in passage.select(".chip")]
    assert chips == str(passage["data-frames"]).split()
    assert all(c["href"].endswith(f"frame={c['data-frame']}") for c in passage.select(".chip"))


def test_frame_query_highlights_that_frames_passages_in_both_columns(client: TestClient) -> None:
    page = soup(client.get(f"{STORY}?frame=few-concessions").text)
    for column in page.select("[data-outlet-column]"):
        for p in column.select(".passage"):
            has = "few-concessions" in str(p["data-frames"]).split()
            assert ("is-hl" in p["class"]) == has
    highlighted = page.select(".passage.is-hl")
    assert {p["data-outlet"] for p in highlighted} == {"nyt-style", "bbc-style"}
    current = page.select_one("nav.legend a[aria-current=true]")
    assert current is not None and current["data-frame"] == "few-concessions"
    assert "Highlighting Few concessions" in text_of(page.select_one(".legend-status"))


def test_htmx_gets_only_the_framed_block(client: TestClient) -> None:
    r = client.get(f"{STORY}?frame=win-for-russia", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text
    fragment = soup(r.text)
    root = fragment.find(True)
    assert root is not None and root.get("id") == "framed"
    assert fragment.select(".passage.is-hl")
    assert "HX-Request" in r.headers["vary"]


def test_left_right_picks_and_swaps_the_pair(client: TestClient) -> None:
    page = soup(client.get(f"{STORY}?left=bbc-style&right=nyt-style").text)
    assert [c["data-outlet-column"] for c in page.select("[data-outlet-column]")] == [
        "bbc-style",
        "nyt-style",
    ]
    swap = page.select_one(".pair-picker a.button")
    assert swap is not None and swap["href"] == f"{STORY}?left=nyt-style&right=bbc-style"


def test_a_third_outlet_can_be_picked(client: TestClient, engine: Engine) -> None:
    from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article

    with write_session(engine) as session:
        story = get_or_create_story(session, slug="trump-putin-call")
        outlet = get_or_create_outlet(session, slug="wire", name="Wire service")
        import_article(
            session,
            story=story,
            outlet=outlet,
            raw=b"Putin and Trump Talk for Two Hours\n\nThe leaders spoke on Tuesday.",
        )
    page = soup(client.get(STORY).text)
    pickers = page.select(".picker")
    assert len(pickers) == 2
    assert "Wire service" in text_of(pickers[0])
    link = pickers[0].find("a", string="Wire service")
    assert link is not None and link["href"] == f"{STORY}?left=wire&right=bbc-style"
    page = soup(client.get(link["href"]).text)
    assert [c["data-outlet-column"] for c in page.select("[data-outlet-column]")] == [
        "wire",
        "bbc-style",
    ]


def test_unknown_story_outlet_and_bad_pair_get_clear_pages(client: TestClient) -> None:
    r = client.get("/stories/no-such-story")
    assert r.status_code == 404 and "no story 'no-such-story'" in text_of(soup(r.text).main)
    r = client.get(f"{STORY}?left=nowhere")
    assert r.status_code == 404
    assert "it has: nyt-style, bbc-style" in text_of(soup(r.text).main)
    r = client.get(f"{STORY}?left=bbc-style&right=bbc-style")
    assert r.status_code == 400 and "two different outlets" in r.text
    r = client.get(f"{STORY}?frame=not-a-frame")
    assert r.status_code == 200
    assert "no frame “not-a-frame”" in text_of(soup(r.text).select_one(".legend-status"))


def test_repeat_views_get_304_until_the_data_changes(client: TestClient, engine: Engine) -> None:
    first = client.get(STORY)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(STORY, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert (
        client.get(STORY + "?frame=few-concessions", headers={"If-None-Match": etag}).status_code
        == 200
    )

    # an analyst-visible change: drop one editorial tag, as another server would
    with write_session(engine) as s:
        passage = s.exec(
            select(Passage).where(Passage.text.startswith("Following the Kremlin"))
        ).one()  # type: ignore[attr-defined]
        for tag in s.exec(select(PassageFrame).where(PassageFrame.passage_id == passage.id)):
            s.delete(tag)
        bump_story_version(s, _story_id(s))
    changed = client.get(STORY, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    p = soup(changed.text).select_one(f"#p-{passage.public_id}")
    assert p is not None and p["data-frames"] == ""


def _story_id(s: Session) -> int:
    from app.models import Story

    return s.exec(select(Story.id).where(Story.slug == "trump-putin-call")).one()  # type: ignore[return-value]


def test_cached_page_is_served_from_the_cache_and_matches_a_fresh_render(
    client: TestClient, app: FastAPI
) -> None:
    cache = app.state.render_cache
    fresh = client.get(STORY).content
    hits = cache.hits
    cached = client.get(STORY).content
    assert cache.hits == hits + 1
    assert cached == fresh


def test_frames_of_other_sources_do_not_show_as_editorial(
    client: TestClient, engine: Engine
) -> None:
    with write_session(engine) as s:
        passage = s.exec(select(Passage).where(Passage.kind == "paragraph")).first()
        frame = s.exec(select(Frame).where(Frame.slug == "expert-analysis")).one()
        assert passage is not None
        s.add(PassageFrame(passage_id=passage.id, frame_id=frame.id, source=TagSource.suggestion))  # type: ignore[arg-type]
        bump_story_version(s, _story_id(s))
    page = soup(client.get(STORY).text)
    node = page.select_one(f"#p-{passage.public_id}")
    assert node is not None and "expert-analysis" not in str(node["data-frames"]).split()


def test_a_reader_gets_the_same_page_whichever_layer_renders_it(db_url: str) -> None:
    """A reader's first view is rendered by the page cache in front of the app; a visitor
    with a (not logged-in) session cookie goes through the route, and with render threads
    the route renders off the event loop. All three must be the same page."""
    from tests.conftest import make_test_app

    pages = []
    for threads, cookies in ((None, {}), (None, {"px_session": "x"}), (2, {})):
        app = make_test_app(db_url, render_concurrency=threads)
        with TestClient(app) as c:
            for name, value in cookies.items():
                c.cookies.set(name, value)
            r = c.get(f"{STORY}?left=bbc-style&right=nyt-style&frame=win-for-russia")
            assert r.status_code == 200
            pages.append(r.text)
            assert app.state.render_cache.misses == 1  # each rendered once, here
        app.state.engine.dispose()
    assert pages[0] == pages[1] == pages[2]
    assert soup(pages[0]).select(".passage.is-hl")
