"""The codebook pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.html import soup, text_of


def test_codebook_lists_every_frame_with_its_dimension(client: TestClient) -> None:
    page = soup(client.get("/frames").text)
    rows = page.select("table.codebook tbody tr")
    assert len(rows) == 10
    by_slug = {r["id"].removeprefix("frame-"): r for r in rows}
    few = by_slug["few-concessions"]
    assert text_of(few.select_one("th")) == "Few concessions"
    assert text_of(few.select("td")[0]) == "Policy prescription and evaluation"
    assert "nyt-style: 6" in text_of(few.select("td")[2])
    assert text_of(by_slug["russian-media-triumphalism"].select("td")[0]) == "Public opinion"
    assert len(page.select("dl.dimensions dt")) == 15


def test_frame_page_groups_passages_by_outlet(client: TestClient) -> None:
    page = soup(client.get("/frames/win-for-russia").text)
    assert text_of(page.select_one("h1")) == "A win for Russia"
    groups = page.select(".frame-group")
    assert [g["data-outlet"] for g in groups] == ["nyt-style", "bbc-style"]
    assert [len(g.select(".passage")) for g in groups] == [1, 6]
    first = groups[1].select_one(".passage")
    assert first is not None
    assert first.find("a", href=f"/p/{first['data-passage-id']}") is not None
    assert text_of(first.select_one(".reason"))
    api = client.get(f"/api/passages/{first['data-passage-id']}").json()
    assert str(first["data-frames"]).split() == [f["slug"] for f in api["frames"]]
    assert "win-for-russia" in str(first["data-frames"]).split()


def test_unknown_frame_is_404(client: TestClient) -> None:
    r = client.get("/frames/nope")
    assert r.status_code == 404 and "no frame 'nope'" in text_of(soup(r.text).main)


def test_home_lists_stories_with_each_outlets_headline(client: TestClient) -> None:
    page = soup(client.get("/").text)
    card = page.select_one(".story-card")
    assert card is not None
    assert text_of(card.select_one("h2")) == "The Trump–Putin phone call of 18 March 2025"
    assert card.select_one("h2 a")["href"] == "/stories/trump-putin-call"  # type: ignore[index]
    headlines = [text_of(li.select_one("a")) for li in card.select(".headlines li")]
    assert headlines == [
        "During Call with Trump, Putin Offers Few Concessions on Ukraine",
        "Trump-Putin Call Viewed as a Win for Russia",
    ]


def test_every_asset_is_ours(client: TestClient) -> None:
    for path in ("/", "/stories/trump-putin-call", "/frames", "/docs"):
        page = soup(client.get(path).text)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for node in page.find_all(tag):
                value = node.get(attr)
                if not value or node.get("rel") == ["canonical"]:
                    continue
                assert value.startswith("/"), (path, value)
                assert client.get(value).status_code == 200, value
