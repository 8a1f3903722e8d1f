"""static/ served by us (never a CDN), cacheable: asset URLs carry a content hash."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from app.templating import STATIC_DIR


class CachedStaticFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = b"v=" in scope.get("query_string", b"")
        cache = b"public, max-age=31536000, immutable" if versioned else b"public, max-age=300"

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"cache-control", cache)]
            await send(message)

        await super().__call__(scope, receive, send_cached)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
