"""The read-only JSON API and its errors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_stories(client: TestClient) -> None:
    stories = client.get("/api/stories").json()
    assert [s["slug"] for s in stories] == ["trump-putin-call"]
    assert [a["headline"] for a in stories[0]["articles"]] == [
        "During Call with Trump, Putin Offers Few Concessions on Ukraine",
        "Trump-Putin Call Viewed as a Win for Russia",
    ]
    assert stories[0]["event_date"] == "2025-03-18"


def test_story_with_passages_and_frames(client: TestClient) -> None:
    story = client.get("/api/stories/trump-putin-call").json()
    nyt, bbc = story["articles"]
    assert bbc["byline"] == "Steve Rosenberg, Russia editor"
    kinds = [p["kind"] for p in bbc["passages"]]
    assert kinds.count("paragraph") == 25 and kinds.count("caption") == 2
    caption = next(p for p in bbc["passages"] if p["kind"] == "caption")
    assert caption["credit"] == "Reuters" and caption["alt"].startswith("Giant painting")
    body = [p for p in nyt["passages"] + bbc["passages"] if p["kind"] in ("paragraph", "caption")]
    assert all(p["frames"] for p in body)
    assert {f["slug"] for f in story["frames"]} >= {"few-concessions", "win-for-russia"}
    assert nyt["passages"][1]["url"] == f"/p/{nyt['passages'][1]['id']}"


def test_passage(client: TestClient) -> None:
    story = client.get("/api/stories/trump-putin-call").json()
    p = story["articles"][0]["passages"][2]
    got = client.get(f"/api/passages/{p['id']}").json()
    assert got["text"] == p["text"] and got["outlet"] == "nyt-style"
    assert got["before"] == story["articles"][0]["passages"][1]["id"]
    assert got["after"] == story["articles"][0]["passages"][3]["id"]
    assert [f["slug"] for f in got["frames"]] == p["frames"]
    assert all(f["reason"] for f in got["frames"])
    assert got["story_url"] == f"/stories/trump-putin-call#p-{p['id']}"


def test_frames(client: TestClient) -> None:
    frames = client.get("/api/frames").json()
    assert len(frames) == 10
    few = next(f for f in frames if f["slug"] == "few-concessions")
    assert few["dimension"] == "policy-prescription" and few["colour"].startswith("#")


def test_api_errors_are_json_with_detail(client: TestClient) -> None:
    for path in ("/api/stories/nope", "/api/passages/nope", "/api/nothing-here"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/json")
        assert isinstance(r.json()["detail"], str) and r.json()["detail"]
    r = client.post("/api/stories")
    assert r.status_code == 405 and "detail" in r.json()


def test_openapi_document_lists_the_read_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/stories",
        "/api/stories/{story}",
        "/api/passages/{passage}",
        "/api/frames",
    } <= set(paths)
    assert not any(p.startswith("/stories") for p in paths)  # pages are not API


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/api/stories", "/stories/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]
