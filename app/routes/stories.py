"""The side-by-side story page. The URL is the state: ?left=&right= picks the pair and
?frame= highlights a frame; htmx asks for the `framed` block only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.deps import is_htmx, page_context
from app.page_cache import STORY_VERSION_SQL
from app.rawdb import fetch_one
from app.routes.cached import cached_page
from app.story_render import render_story_page

router = APIRouter()


@router.get("/stories/{story}", response_class=Response, include_in_schema=False)
async def story_page(
    request: Request,
    story: str,
    left: str | None = None,
    right: str | None = None,
    frame: str | None = None,
) -> Response:
    engine = request.app.state.engine
    known = request.scope.get("state", {}).get("px_page")
    if known is not None:  # the page cache in front has just read it
        version = known[0][2]
    else:
        row = fetch_one(engine, STORY_VERSION_SQL, (story,))
        version = row[0] if row else None
    if version is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    fragment = is_htmx(request)
    ctx = page_context(request)
    account = ctx["account"]
    # Readers share one cached page; an analyst's page carries their controls and token.
    viewer = (account.id, ctx["csrf_token"]) if account else None

    def render_page() -> tuple[int, str]:
        return 200, render_story_page(
            request.app.state,
            story=story,
            left=left,
            right=right,
            frame=frame,
            fragment=fragment,
            page_url=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            ctx=ctx,
        )

    return await cached_page(request, "story", story, version, viewer, render_page)
