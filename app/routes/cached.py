"""Render a page through the cache the PageCache middleware reads (app/page_cache.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Request
from fastapi.responses import Response

from app.deps import is_htmx
from app.page_cache import cache_headers, make_etag, page_key
from app.render_cache import RenderCache, Rendered

HTML = "text/html; charset=utf-8"


async def cached_page(
    request: Request,
    kind: str,
    ident: str,
    version: int,
    viewer: Hashable,
    render: Callable[[], tuple[int, str]],
) -> Response:
    """`version` is the data version read from the database for this request; `viewer`
    is None for readers (who share one cached page) and identifies an analyst's page."""
    known = request.scope.get("state", {}).get("px_page")
    looked_up = known is not None and viewer is None  # by the page cache, just now: a miss
    if looked_up:
        key, etag = known
    else:
        key = page_key(
            kind,
            ident,
            version,
            request.url.query,
            is_htmx(request),
            request.headers.get("host", ""),
            viewer,
        )
        etag = make_etag(request.app.state.build_id, key)
    headers = dict((k.decode(), v.decode()) for k, v in cache_headers(etag))
    if not looked_up and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    cache: RenderCache = request.app.state.render_cache
    item = None if looked_up else cache.get(key)
    if item is None:
        # Rendering is CPU work under the GIL: on SQLite it runs right here (a thread hop
        # cost more than the render's loads); elsewhere in a few threads, since more
        # threads than that only add switching (1.8x the CPU with 8 renders in flight).
        if request.app.state.settings.render_threads == 0:
            status, html = render()
        else:
            limiter: CapacityLimiter = request.app.state.render_limiter
            status, html = await anyio.to_thread.run_sync(render, limiter=limiter)
        item = Rendered(html.encode(), etag, status)
        if status == 200:
            cache.put(key, item)
    return Response(item.body, status_code=item.status, media_type=HTML, headers=headers)
