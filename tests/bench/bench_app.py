"""The app under benchmark: the real Parallax app over a freshly seeded SQLite file, with two
baselines and a cache-bypassing entry mounted on the very same app instance.

    uvicorn --factory tests.bench.bench_app:create

Environment:
    PARALLAX_BENCH_DB     path of the SQLite file; migrated and seeded here if it does not
                          exist yet (bench_story.py creates a fresh one per run).
    PARALLAX_BENCH_STORY  the story whose page the prerendered baseline holds
                          (default: trump-putin-call).

Routes added for the benchmark (nothing else about the app changes):
    GET /bench/constant       async route, a short constant body: the ceiling for any route
                              of this app on this server (FastAPI routing, the app's ASGI
                              middleware, uvicorn, HTTP).
    GET /bench/prerendered    the story page's bytes, rendered once at startup by calling the
                              real page through the app: the ceiling for serving this page
                              (same size on the wire, same headers middleware), no data work.
    GET /bench/fresh/<path>   the real route at /<path>, with the render cache made to miss
                              (see FreshEntry): every request reads the data and renders.
    GET /bench/cache-stats    render-cache hits, misses and bypassed lookups, so the benchmark
                              can check that "cached" runs hit and "fresh" runs rendered.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import tempfile
import threading
from collections.abc import Hashable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.render_cache import RenderCache, Rendered
from app.services.seed import load_seeds

ROOT = Path(__file__).resolve().parents[2]
FRESH_PREFIX = "/bench/fresh"
HTML = "text/html; charset=utf-8"

# True while a request that came in under FRESH_PREFIX is being served. A ContextVar, not a
# flag on the app: the route's handler runs in the task that the ASGI wrapper runs in, so only
# that request sees it, even with other requests in flight on the same worker.
_bypass: contextvars.ContextVar[bool] = contextvars.ContextVar("bench_bypass", default=False)


class BypassableCache:
    """The app's own RenderCache, except that it misses (and does not store) for requests
    that came in under FRESH_PREFIX. Everything else about the route runs unchanged: the
    version query, the ETag, the lookup, the render in the thread pool, encoding."""

    def __init__(self, inner: RenderCache) -> None:
        self.inner = inner
        self.bypassed = 0  # lookups made to miss: bench_story.py checks the fresh runs with it

    def get(self, key: Hashable) -> Rendered | None:
        if _bypass.get():
            self.bypassed += 1
            return None
        return self.inner.get(key)

    def put(self, key: Hashable, item: Rendered) -> None:
        if not _bypass.get():
            self.inner.put(key, item)

    def clear(self) -> None:
        self.inner.clear()

    def __getattr__(self, name: str) -> object:  # hits, misses, ...
        return getattr(self.inner, name)


class FreshEntry:
    """Plain ASGI (no BaseHTTPMiddleware): /bench/fresh/<path> is served as /<path> with the
    render cache bypassed. Other paths pass straight through (one startswith per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(FRESH_PREFIX + "/"):
            inner = path[len(FRESH_PREFIX) :]
            scope = dict(scope, path=inner, raw_path=inner.encode())
            token = _bypass.set(True)
            try:
                await self.app(scope, receive, send)
            finally:
                _bypass.reset(token)
            return
        await self.app(scope, receive, send)


def asgi_get(app: ASGIApp, path: str) -> tuple[int, bytes]:
    """GET `path` through the whole ASGI app, in a thread with its own event loop (uvicorn
    calls the factory from inside its running loop)."""
    result: dict[str, object] = {}

    async def call() -> None:
        body = bytearray()
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))  # type: ignore[arg-type]

        await app(scope, receive, send)  # type: ignore[arg-type]
        result["body"] = bytes(body)

    def run() -> None:
        try:
            asyncio.run(call())
        except BaseException as exc:  # noqa: BLE001 (re-raised in the calling thread)
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["status"], result["body"]  # type: ignore[return-value]


def seeded_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    if not path.exists():
        upgrade(url)
        engine = make_engine(url)
        load_seeds(engine, ROOT / "seeds")
        engine.dispose()
    return url


def create() -> FastAPI:
    db = os.environ.get("PARALLAX_BENCH_DB") or str(Path(tempfile.mkdtemp()) / "bench.db")
    story = os.environ.get("PARALLAX_BENCH_STORY", "trump-putin-call")
    url = seeded_database(Path(db))
    app = create_app(Settings(environment="test", database_url=url))
    app.state.render_cache = BypassableCache(app.state.render_cache)

    @app.get("/bench/constant", include_in_schema=False)
    async def constant() -> Response:
        return Response(b"ok", media_type="text/plain")

    app.add_middleware(FreshEntry)  # before the first request builds the middleware stack

    # Render the real page once, through the whole app (middleware, route, template).
    status, prerendered = asgi_get(app, f"/stories/{story}")
    if status != 200:
        raise RuntimeError(f"GET /stories/{story} answered {status} at startup")
    app.state.render_cache.clear()  # the benchmark decides when the cache is warm

    @app.get("/bench/prerendered", include_in_schema=False)
    async def prerendered_page() -> Response:
        return Response(prerendered, media_type=HTML)

    @app.get("/bench/cache-stats", include_in_schema=False)
    async def cache_stats() -> dict[str, int]:
        cache: BypassableCache = app.state.render_cache
        return {"hits": cache.inner.hits, "misses": cache.inner.misses, "bypassed": cache.bypassed}

    return app
