"""Serve a page from the render cache, or 304, when the data has not changed since."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.render_cache import RenderCache, Rendered

HTML = "text/html; charset=utf-8"


def make_etag(build_id: str, key: Hashable) -> str:
    digest = hashlib.blake2b(repr((build_id, key)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _headers(etag: str) -> dict[str, str]:
    # no-cache: browsers and proxies keep the page but ask again each time (a cheap 304).
    return {"etag": etag, "cache-control": "no-cache", "vary": "HX-Request"}


async def cached_page(
    request: Request, key: Hashable, render: Callable[[], tuple[int, str]]
) -> Response:
    """`key` must include the data version read from the database for this request."""
    etag = make_etag(request.app.state.build_id, key)
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=_headers(etag))
    cache: RenderCache = request.app.state.render_cache
    item = cache.get(key)
    if item is None:
        status, html = await run_in_threadpool(render)
        item = Rendered(html.encode(), etag, status)
        if status == 200:
            cache.put(key, item)
    return Response(item.body, status_code=item.status, media_type=HTML, headers=_headers(etag))
