"""Two clients edit the same annotation with the same ETag at the same moment: exactly one
wins (200), the other gets 412, and the stored text is the winner's."""

from __future__ import annotations

import threading
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.reliability.live import LiveServer, make_writers, passage_ids

ROUNDS = 6
FRAME = "few-concessions"  # a frame of the seeded codebook


def test_concurrent_stale_edit_gets_412(shared_server: LiveServer, shared_engine: Engine) -> None:
    server = shared_server
    run = uuid.uuid4().hex[:6]
    # Two clients: the author in two places (two tokens), and an admin, who may also edit.
    (author,) = make_writers(server.database_url, [f"e{run}-author"])
    (admin,) = make_writers(server.database_url, [f"e{run}-admin"], role="admin")
    passage = passage_ids(server.url)[0]

    with (
        httpx.Client(base_url=server.url, headers=author.headers, timeout=30) as a,
        httpx.Client(base_url=server.url, headers=admin.headers, timeout=30) as b,
    ):
        r = a.post("/api/annotations", json={"passage": passage, "body": "first draft"})
        assert r.status_code == 201, r.text
        pid, url = r.json()["id"], f"/api/annotations/{r.json()['id']}"
        winners: list[str] = []

        for rnd in range(ROUNDS):
            etag_a, etag_b = a.get(url).headers["etag"], b.get(url).headers["etag"]
            assert etag_a == etag_b == f'"{pid}.{rnd + 1}"'
            out = race(
                url,
                {
                    "author": (a, etag_a, f"author wins round {rnd}"),
                    "admin": (b, etag_b, f"admin wins round {rnd}"),
                },
            )
            statuses = sorted(r.status_code for r in out.values())
            assert statuses == [200, 412], {k: (v.status_code, v.text) for k, v in out.items()}
            winner = next(k for k, v in out.items() if v.status_code == 200)
            loser = next(k for k, v in out.items() if v.status_code == 412)
            winners.append(winner)
            assert out[winner].json()["body"] == f"{winner} wins round {rnd}"
            assert out[winner].headers["etag"] == f'"{pid}.{rnd + 2}"'
            assert out[loser].json()["detail"]

            now = a.get(url)
            assert now.json()["body"] == f"{winner} wins round {rnd}"
            assert now.json()["version"] == rnd + 2

    # Every winning edit, and nothing else, is in the history.
    with shared_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.version, v.action, v.body FROM annotation_version v "
                "JOIN annotation a ON a.id = v.annotation_id WHERE a.public_id = :p "
                "ORDER BY v.version"
            ),
            {"p": pid},
        ).all()
    assert [tuple(r) for r in rows] == [(1, "created", "first draft")] + [
        (rnd + 2, "edited", f"{w} wins round {rnd}") for rnd, w in enumerate(winners)
    ]


def race(url: str, edits: dict[str, tuple[httpx.Client, str, str]]) -> dict[str, httpx.Response]:
    """PATCH `url` from every client at once (threads released together by a barrier),
    each with its If-Match ETag and new body; their responses by name."""
    barrier = threading.Barrier(len(edits))
    out: dict[str, httpx.Response] = {}

    def edit(name: str) -> None:
        http, etag, body = edits[name]
        barrier.wait(timeout=10)
        out[name] = http.patch(url, json={"body": body}, headers={"If-Match": etag})

    threads = [threading.Thread(target=edit, args=(name,)) for name in edits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert set(out) == set(edits), "a PATCH did not finish"
    return out


def test_concurrent_partial_patches_keep_both_edits(shared_server: LiveServer) -> None:
    """Without If-Match, one client changes only the body and another only the frame, at
    the same moment: both get 200, so both changes must be in the result."""
    server = shared_server
    run = uuid.uuid4().hex[:6]
    (author,) = make_writers(server.database_url, [f"p{run}-author"])
    passage = passage_ids(server.url)[0]
    lost = []
    with (
        httpx.Client(base_url=server.url, headers=author.headers, timeout=30) as a,
        httpx.Client(base_url=server.url, headers=author.headers, timeout=30) as b,
    ):
        for rnd in range(8):
            r = a.post("/api/annotations", json={"passage": passage, "body": "original"})
            assert r.status_code == 201, r.text
            url = f"/api/annotations/{r.json()['id']}"
            out = race_partial(url, a, {"body": f"edited {rnd}"}, b, {"frame": FRAME})
            assert [r.status_code for r in out] == [200, 200], [r.text for r in out]
            final = a.get(url).json()
            if (final["body"], final["frame"]) != (f"edited {rnd}", FRAME):
                lost.append((final["body"], final["frame"], final["version"]))
    assert not lost, f"{len(lost)} of 8 races lost an edit (body, frame, version): {lost}"


def race_partial(
    url: str, a: httpx.Client, patch_a: dict[str, str], b: httpx.Client, patch_b: dict[str, str]
) -> list[httpx.Response]:
    barrier = threading.Barrier(2)
    out: list[httpx.Response | None] = [None, None]

    def edit(i: int, http: httpx.Client, patch: dict[str, str]) -> None:
        barrier.wait(timeout=10)
        out[i] = http.patch(url, json=patch)

    threads = [
        threading.Thread(target=edit, args=(0, a, patch_a)),
        threading.Thread(target=edit, args=(1, b, patch_b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None for r in out), "a PATCH did not finish"
    return [r for r in out if r is not None]
