"""20 clients, each posting 10 annotations at once, over real HTTP: none is lost."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.engine import Engine

from tests.reliability.live import (
    LiveServer,
    Writer,
    consistency_problems,
    created_rows,
    make_writers,
    passage_ids,
    snapshot,
)

CLIENTS = 20
PER_CLIENT = 10


def test_concurrent_posts_lose_nothing(shared_server: LiveServer, shared_engine: Engine) -> None:
    server, engine = shared_server, shared_engine
    run = uuid.uuid4().hex[:6]
    writers = make_writers(server.database_url, [f"c{run}-{c:02d}" for c in range(CLIENTS)])
    passages = passage_ids(server.url)
    before = snapshot(engine)
    barrier = threading.Barrier(CLIENTS)

    def client(c: int, w: Writer) -> list[tuple[int, str, str]]:
        out = []
        with httpx.Client(base_url=server.url, headers=w.headers, timeout=60) as http:
            http.get("/healthz")  # connect first, so that the posts start together
            barrier.wait(timeout=30)
            for n in range(PER_CLIENT):
                body = f"client {c} note {n} ({run})"
                r = http.post(
                    "/api/annotations",
                    json={"passage": passages[(c * PER_CLIENT + n) % len(passages)], "body": body},
                )
                out.append((r.status_code, r.json().get("id", r.text), body))
        return out

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, c, w) for c, w in enumerate(writers)]
        results = [x for f in futures for x in f.result()]

    statuses = [s for s, _, _ in results]
    assert len(results) == CLIENTS * PER_CLIENT
    assert statuses.count(201) == CLIENTS * PER_CLIENT, {
        s: statuses.count(s) for s in set(statuses)
    }
    sent = {pid: body for _, pid, body in results}
    assert len(sent) == CLIENTS * PER_CLIENT, "two responses carried the same id"

    after = snapshot(engine)
    assert after.annotation_ids - before.annotation_ids == set(sent)
    stored = created_rows(engine, set(sent))
    assert stored == {pid: (body, body) for pid, body in sent.items()}
    # every create bumped the story's data version, in its own transaction
    assert after.story_version - before.story_version == CLIENTS * PER_CLIENT
    problems = consistency_problems(engine)
    assert not any(problems.values()), problems
    assert "Traceback" not in server.log()
