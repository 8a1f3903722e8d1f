"""The page cache in front of the app: anonymous GETs of story pages and passage permalinks
are answered from rendered bytes (or 304) after one indexed SELECT of the data version.

Why in front of FastAPI, as plain ASGI: when nothing changed, the work left is the version
read; routing, parameter parsing and dependency injection would cost more than the rest
together (tests/bench). Why it is right with several servers: the version lives in the
database and is read on every request, so no server serves a page older than the data.
A reader's story page that is not cached yet is rendered here, on SQLite, through the
route's own render function; other misses, logged-in analysts and every other path go
through to the app, whose routes render and fill the same cache under the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from app.rawdb import fetch_one
from app.render_cache import Rendered
from app.story_render import render_story_page

STORY_VERSION_SQL = "SELECT version FROM story WHERE slug = ?"
PASSAGE_VERSION_SQL = (
    "SELECT s.version FROM passage p JOIN article a ON a.id = p.article_id "
    "JOIN story s ON s.id = a.story_id WHERE p.public_id = ? AND p.removed_at IS NULL"
)


# page_key's layout: (kind, ident, version, query, fragment, host, viewer)
def page_key(
    kind: str,
    ident: str,
    version: int,
    query: str,
    fragment: bool,
    host: str,
    viewer: Hashable = None,
) -> tuple[Hashable, ...]:
    """Host is part of it: permalinks carry absolute URLs for link previews."""
    return (kind, ident, version, query, fragment, host, viewer)


def make_etag(build_id: str, key: Hashable) -> str:
    digest = hashlib.blake2b(repr((build_id, key)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def cache_headers(etag: str) -> list[tuple[bytes, bytes]]:
    # no-cache: browsers and proxies keep the page but ask again each time (a cheap 304).
    return [
        (b"etag", etag.encode()),
        (b"cache-control", b"no-cache"),
        (b"vary", b"HX-Request"),
    ]


def _match(path: str) -> tuple[str, str, str] | None:
    """(kind, identifier, version SQL) for a cacheable path, else None."""
    if path.startswith("/stories/"):
        slug = path[9:]
        if slug and "/" not in slug:
            return "story", slug, STORY_VERSION_SQL
    elif path.startswith("/p/"):
        pid = path[3:]
        if pid and "/" not in pid:
            return "passage", pid, PASSAGE_VERSION_SQL
    return None


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope["headers"])


class PageCache:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state  # the FastAPI app's state: engine, render_cache, build_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        target = _match(scope["path"])
        headers = _headers(scope) if target else {}
        if target is None or b"px_session=" in headers.get(b"cookie", b""):
            await self.app(scope, receive, send)
            return
        kind, ident, sql = target
        row = fetch_one(self.state.engine, sql, (ident,))
        if row is None:  # unknown, or removed: the route says so (404, 301, 410)
            await self.app(scope, receive, send)
            return
        fragment = (
            headers.get(b"hx-request") == b"true"
            and headers.get(b"hx-history-restore-request") != b"true"
        )
        key = page_key(
            kind,
            ident,
            row[0],
            scope["query_string"].decode("latin-1"),
            fragment,
            headers.get(b"host", b"").decode("latin-1"),
        )
        etag = make_etag(self.state.build_id, key)
        if etag.encode() in headers.get(b"if-none-match", b""):
            await _send(send, 304, cache_headers(etag), b"")
            return
        item = self.state.render_cache.get(key)
        if item is None and kind == "story" and self.state.settings.render_threads == 0:
            item = self._render_story(scope, ident, fragment, etag)
            if item is not None:
                self.state.render_cache.put(key, item)
        if item is None:
            scope.setdefault("state", {})["px_page"] = (key, etag)
            await self.app(scope, receive, send)
            return
        await _send(
            send,
            item.status,
            [(b"content-type", b"text/html; charset=utf-8"), *cache_headers(etag)],
            item.body,
        )

    def _render_story(self, scope: Scope, slug: str, fragment: bool, etag: str) -> Rendered | None:
        """A reader's story page rendered right here, through the same function as the
        route (app/story_render.py): routing and parameter parsing would cost a tenth of
        the render. Anything but a page (an unknown outlet, a bad pair) goes to the app,
        which answers with its error page."""
        query = scope["query_string"].decode("latin-1")
        params = parse_qs(query)
        try:
            html = render_story_page(
                self.state,
                story=slug,
                left=_first(params, "left"),
                right=_first(params, "right"),
                frame=_first(params, "frame"),
                fragment=fragment,
                page_url=scope["path"] + (f"?{query}" if query else ""),
                ctx={"account": None, "csrf_token": ""},
            )
        except HTTPException:
            return None
        return Rendered(html.encode(), etag)


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
