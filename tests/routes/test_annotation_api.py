"""The annotation API over HTTP, as a script with an API token uses it: plain JSON (ETags,
conditional requests, errors) and the W3C Web Annotation shapes, each run through every
MUST assertion of the W3C model tests (tests/w3c.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import write_session
from app.services import web_annotation
from app.services.accounts import create_user, issue_token
from tests import w3c

STORY = "trump-putin-call"
ORIGIN = "http://testserver"
PROFILE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
LD = {"Accept": PROFILE}
TZ_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def bearer(client: TestClient, name: str, role: str = "analyst") -> dict[str, str]:
    """A new user and an Authorization header with a fresh API token of theirs."""
    with write_session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        user = create_user(session, name=name, role=role, password=None)
        token = issue_token(session, user)
    return {"Authorization": f"Bearer {token}"}


def passages(client: TestClient) -> list[dict[str, Any]]:
    story = client.get(f"/api/stories/{STORY}").json()
    return [p for a in story["articles"] for p in a["passages"] if p["kind"] == "paragraph"]


def post(client: TestClient, auth: dict[str, str], **data: Any) -> dict[str, Any]:
    r = client.post("/api/annotations", json=data, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def get_ld(client: TestClient, public_id: str) -> dict[str, Any]:
    r = client.get(f"/api/annotations/{public_id}", headers=LD)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == PROFILE
    return r.json()  # type: ignore[no-any-return]


def is_absolute(url: str) -> bool:
    return url.startswith(f"{ORIGIN}/")


@pytest.fixture
def ana(client: TestClient) -> dict[str, str]:
    return bearer(client, "ana")


# -- plain JSON ----------------------------------------------------------------------


def test_create_answers_201_with_location_and_etag(client: TestClient, ana: dict) -> None:
    pid = passages(client)[2]["id"]
    r = client.post("/api/annotations", json={"passage": pid, "body": "A *note*"}, headers=ana)
    assert r.status_code == 201
    note = r.json()
    assert r.headers["location"] == f"/api/annotations/{note['id']}"
    assert r.headers["etag"] == f'"{note["id"]}.1"'
    assert note["author"] == "ana" and note["passage"] == pid and note["version"] == 1
    assert client.get(r.headers["location"]).json()["body"] == "A *note*"


def test_get_is_304_when_the_etag_still_matches(client: TestClient, ana: dict) -> None:
    note = post(client, ana, passage=passages(client)[2]["id"], body="cache me")
    first = client.get(f"/api/annotations/{note['id']}")
    etag = first.headers["etag"]
    again = client.get(f"/api/annotations/{note['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    other = client.get(f"/api/annotations/{note['id']}", headers={"If-None-Match": '"x.1"'})
    assert other.status_code == 200


def test_patch_with_the_current_etag_then_a_stale_one(client: TestClient, ana: dict) -> None:
    note = post(client, ana, passage=passages(client)[2]["id"], body="first words")
    url = f"/api/annotations/{note['id']}"
    v1 = client.get(url).headers["etag"]
    ok = client.patch(url, json={"body": "second words"}, headers={**ana, "If-Match": v1})
    assert ok.status_code == 200, ok.text
    v2 = ok.headers["etag"]
    assert v2 != v1 and v2 == f'"{note["id"]}.2"'
    assert ok.json()["body"] == "second words" and ok.json()["version"] == 2
    stale = client.patch(url, json={"body": "lost update"}, headers={**ana, "If-Match": v1})
    assert stale.status_code == 412
    assert isinstance(stale.json()["detail"], str) and stale.json()["detail"]
    now = client.get(url)
    assert now.json()["body"] == "second words" and now.headers["etag"] == v2


def test_delete_is_204_then_gone_everywhere(client: TestClient, ana: dict) -> None:
    pid = passages(client)[2]["id"]
    keep = post(client, ana, passage=pid, body="stays")
    gone = post(client, ana, passage=pid, body="goes")
    r = client.delete(f"/api/annotations/{gone['id']}", headers=ana)
    assert r.status_code == 204 and not r.content
    for headers in ({}, LD):
        r = client.get(f"/api/annotations/{gone['id']}", headers=headers)
        assert r.status_code == 410 and r.json()["detail"]
    collection = client.get(f"/api/stories/{STORY}/annotations").json()
    ids = [item["id"] for item in collection["first"]["items"]]
    assert ids == [f"{ORIGIN}/api/annotations/{keep['id']}"] and collection["total"] == 1
    page = client.get(f"/api/stories/{STORY}/annotations?page=0").json()
    assert [item["id"] for item in page["items"]] == ids
    listing = client.get(f"/api/annotations?story={STORY}").json()
    assert [n["id"] for n in listing["items"]] == [keep["id"]]


def test_bad_writes_get_a_4xx_with_detail(client: TestClient, ana: dict) -> None:
    pid = passages(client)[2]["id"]
    cases: list[tuple[dict[str, Any], int]] = [
        ({"passage": pid}, 422),  # no body at all
        ({"passage": pid, "body": "   "}, 422),  # an empty note
        ({"passage": pid, "body": 5}, 422),
        ({"passage": pid, "body": "x", "quote": {"exact": "x", "start": -1}}, 422),
        ({"passage": pid, "body": "x", "quote": {"exact": "not in this passage at all"}}, 422),
        ({"passage": "nope", "body": "x"}, 404),
        ({"passage": pid, "body": "x", "frame": "no-such-frame"}, 422),
        ({"passage": pid, "body": "x", "parent": "nope"}, 422),
    ]
    for data, status in cases:
        r = client.post("/api/annotations", json=data, headers=ana)
        assert r.status_code == status, (data, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json")
        detail = r.json()["detail"]
        assert detail and isinstance(detail, str | list), data
    r = client.post("/api/annotations", content=b"{not json", headers=ana)
    assert r.status_code == 422 and r.json()["detail"]
    assert client.get(f"/api/annotations?story={STORY}").json()["total"] == 0


def test_patch_errors(client: TestClient, ana: dict) -> None:
    note = post(client, ana, passage=passages(client)[2]["id"], body="mine")
    url = f"/api/annotations/{note['id']}"
    assert client.patch(url, json={"frame": "no-such-frame"}, headers=ana).status_code == 422
    assert client.patch(url, json={"body": ""}, headers=ana).status_code == 422
    assert client.patch("/api/annotations/nope", json={"body": "x"}, headers=ana).status_code == 404
    bob = bearer(client, "bob")
    r = client.patch(url, json={"body": "bob was here"}, headers=bob)
    assert r.status_code == 403 and r.json()["detail"]
    assert client.delete(url, headers=bob).status_code == 403
    assert client.get(url).json()["body"] == "mine"


def test_writes_need_a_valid_token(client: TestClient) -> None:
    pid = passages(client)[2]["id"]
    r = client.post("/api/annotations", json={"passage": pid, "body": "x"})
    assert r.status_code == 401 and r.json()["detail"]
    bad = {"Authorization": "Bearer px_not-a-token"}
    r = client.post("/api/annotations", json={"passage": pid, "body": "x"}, headers=bad)
    assert r.status_code == 401 and r.json()["detail"]


# -- W3C Web Annotations ---------------------------------------------------------------


@pytest.fixture
def shapes(client: TestClient, ana: dict) -> dict[str, dict[str, Any]]:
    """One annotation of every shape we serve, made over HTTP: their plain JSON."""
    ps = passages(client)
    p, q = ps[3], ps[5]
    words = p["text"].split()
    exact = f"{words[2]} {words[3]}"
    start = p["text"].index(exact)
    made = {
        "whole": post(client, ana, passage=p["id"], body="The whole passage."),
        "quote": post(
            client,
            ana,
            passage=p["id"],
            body="Just these words.",
            quote={"exact": exact, "start": start, "end": start + len(exact)},
        ),
        # a quote given without positions, at the very start of a passage (empty prefix)
        "quote_at_start": post(
            client, ana, passage=q["id"], body="The opening.", quote={"exact": q["text"][:12]}
        ),
        "framed": post(client, ana, passage=q["id"], body="Framed.", frame="few-concessions"),
    }
    made["reply"] = post(client, ana, passage=p["id"], body="A reply.", parent=made["whole"]["id"])
    edited = post(client, ana, passage=q["id"], body="Before.", frame="win-for-russia")
    r = client.patch(
        f"/api/annotations/{edited['id']}",
        json={"body": "After, **edited**.", "frame": "few-concessions"},
        headers={**ana, "If-Match": f'"{edited["id"]}.1"'},
    )
    assert r.status_code == 200, r.text
    made["edited"] = r.json()
    return made


def test_every_annotation_shape_passes_the_w3c_musts(
    client: TestClient, shapes: dict[str, dict[str, Any]]
) -> None:
    texts = {p["id"]: p["text"] for p in passages(client)}
    for name, note in shapes.items():
        doc = get_ld(client, note["id"])
        assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld", name
        assert doc["type"] == "Annotation"
        assert doc["id"] == f"{ORIGIN}/api/annotations/{note['id']}"
        assert doc["canonical"] == f"{ORIGIN}/a/{note['id']}"
        assert is_absolute(doc["creator"]["id"]) and doc["creator"]["nickname"] == "ana"
        for key in ("created", "modified"):
            assert TZ_TIME.match(doc[key]), (name, key, doc[key])
        assert doc["modified"] >= doc["created"]
        comment, *tags = doc["body"]
        assert comment["type"] == "TextualBody" and comment["value"] == note["body"]
        assert comment["format"] == "text/markdown"
        if note["frame"]:
            label = client.get("/api/frames").json()
            label = next(f["label"] for f in label if f["slug"] == note["frame"])
            assert tags == [{"type": "TextualBody", "value": label, "purpose": "tagging"}]
        else:
            assert tags == []
        permalink = f"{ORIGIN}/p/{note['passage']}"
        target = doc["target"]
        if note["parent"]:
            assert doc["motivation"] == "replying" and comment["purpose"] == "replying"
            assert target == f"{ORIGIN}/api/annotations/{note['parent']}"
        elif note["quote"]:
            assert target["type"] == "SpecificResource" and target["source"] == permalink
            by_type = {s["type"]: s for s in target["selector"]}
            assert set(by_type) == {"TextQuoteSelector", "TextPositionSelector"}
            text = texts[note["passage"]]
            tq, tp = by_type["TextQuoteSelector"], by_type["TextPositionSelector"]
            assert text[tp["start"] : tp["end"]] == tq["exact"] == note["quote"]["exact"]
            assert text[: tp["start"]].endswith(tq["prefix"])
            assert text[tp["end"] :].startswith(tq["suffix"])
        else:
            assert target == permalink and doc["motivation"] == "commenting"
        w3c.assert_musts(doc)
    edited = get_ld(client, shapes["edited"]["id"])
    assert edited["body"][0]["value"] == "After, **edited**."
    assert edited["body"][1]["value"] == "Few concessions"


def test_the_plain_json_and_the_ld_json_vary_by_accept(client: TestClient, shapes: dict) -> None:
    note = shapes["quote"]
    plain = client.get(f"/api/annotations/{note['id']}")
    ld = client.get(f"/api/annotations/{note['id']}", headers=LD)
    assert plain.headers["content-type"] == "application/json"
    assert ld.headers["content-type"] == PROFILE
    for r in (plain, ld):
        assert "accept" in r.headers["vary"].lower()
    # two representations, two strong ETags, one version
    assert plain.headers["etag"] == f'"{note["id"]}.1"'
    assert ld.headers["etag"] == f'"{note["id"]}.1-ld"'
    again = client.get(
        f"/api/annotations/{note['id']}", headers={**LD, "If-None-Match": ld.headers["etag"]}
    )
    assert again.status_code == 304
    assert (
        client.get(
            f"/api/annotations/{note['id']}", headers={"If-None-Match": ld.headers["etag"]}
        ).status_code
        == 200
    )
    assert (
        client.get(f"/api/annotations/{note['id']}", headers={"If-None-Match": "*"}).status_code
        == 304
    )
    refused = client.get(
        f"/api/annotations/{note['id']}", headers={"Accept": "application/ld+json;q=0, */*"}
    )
    assert refused.headers["content-type"] == "application/json"
    simple = client.get(f"/api/annotations/{note['id']}", headers={"Accept": "application/ld+json"})
    assert simple.headers["content-type"] == PROFILE and simple.json() == ld.json()
    created = client.post(
        "/api/annotations",
        json={"passage": note["passage"], "body": "made as ld"},
        headers={**bearer(client, "cy"), **LD},
    )
    assert created.status_code == 201 and created.headers["content-type"] == PROFILE
    w3c.assert_musts(created.json())


def test_a_storys_collection_in_pages(
    client: TestClient, ana: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_annotation, "PAGE_SIZE", 2)
    ps = passages(client)
    made = [post(client, ana, passage=ps[n % 4]["id"], body=f"note {n}")["id"] for n in range(5)]
    made.append(post(client, ana, passage=ps[0]["id"], body="reply", parent=made[0])["id"])
    bob = bearer(client, "bob")
    made.append(post(client, bob, passage=ps[1]["id"], body="framed", frame="win-for-russia")["id"])
    deleted = post(client, bob, passage=ps[1]["id"], body="deleted")["id"]
    assert client.delete(f"/api/annotations/{deleted}", headers=bob).status_code == 204
    base = f"{ORIGIN}/api/stories/{STORY}/annotations"

    r = client.get(f"/api/stories/{STORY}/annotations")
    assert r.status_code == 200 and r.headers["content-type"] == PROFILE
    collection = r.json()
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection" and collection["id"] == base
    assert collection["total"] == 7 and collection["label"]
    assert collection["last"] == f"{base}?page=3"
    first = collection["first"]
    assert first["id"] == f"{base}?page=0" and first["type"] == "AnnotationPage"
    assert "@context" not in first
    w3c.assert_musts(collection)

    seen: list[str] = []
    for n in range(4):
        r = client.get(f"/api/stories/{STORY}/annotations?page={n}")
        assert r.status_code == 200 and r.headers["content-type"] == PROFILE
        page = r.json()
        assert page["id"] == f"{base}?page={n}" and page["type"] == "AnnotationPage"
        assert page["partOf"] == {"id": base, "type": "AnnotationCollection", "total": 7}
        assert page["startIndex"] == 2 * n
        assert page.get("prev") == (f"{base}?page={n - 1}" if n else None)
        assert page.get("next") == (f"{base}?page={n + 1}" if n < 3 else None)
        assert len(page["items"]) == (2 if n < 3 else 1)
        if n == 0:
            assert page["items"] == first["items"]
        for item in page["items"]:
            assert "@context" not in item and is_absolute(item["id"])
            assert TZ_TIME.match(item["created"]) and TZ_TIME.match(item["modified"])
        seen += [item["id"].rsplit("/", 1)[1] for item in page["items"]]
        w3c.assert_musts(page)
    assert sorted(seen) == sorted(made) and deleted not in seen
    assert client.get(f"/api/stories/{STORY}/annotations?page=4").status_code == 404
    assert client.get(f"/api/stories/{STORY}/annotations?page=-1").status_code == 422


def test_an_empty_collection_and_an_unknown_story(client: TestClient) -> None:
    collection = client.get(f"/api/stories/{STORY}/annotations").json()
    assert collection["total"] == 0 and "first" not in collection and "last" not in collection
    w3c.assert_musts(collection)
    page = client.get(f"/api/stories/{STORY}/annotations?page=0").json()
    assert page["items"] == [] and "next" not in page
    w3c.assert_musts(page)
    r = client.get("/api/stories/nope/annotations")
    assert r.status_code == 404 and r.json()["detail"]
