"""The passage permalink: the passage in context, with link previews. Old links to passages
a re-import removed redirect to their closest survivor or say what the passage was."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app import urls
from app.deps import origin
from app.routes.cached import cached_page
from app.services.passage_read import get_applied_frames, get_neighbours, get_passage
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/p/{passage}", response_class=Response)
async def passage_page(request: Request, passage: str) -> Response:
    engine = request.app.state.engine
    with engine.connect() as conn:
        found = get_passage(conn, passage)
    if found is None:
        raise HTTPException(404, f"There is no passage {passage!r}. Check the link.")
    if found.removed_at is not None and found.successor_public_id:
        return RedirectResponse(urls.passage(found.successor_public_id), status_code=301)
    site = origin(request)
    key = ("passage", passage, found.story_version, site)

    def render_page() -> tuple[int, str]:
        with engine.connect() as conn:
            before, after = get_neighbours(conn, found)
            frames = get_applied_frames(conn, found.id)
        html = render(
            request.app.state.templates,
            "passages/show.html",
            p=found,
            before=before,
            after=after,
            frames=frames,
            canonical=urls.absolute(site, urls.passage(found.public_id)),
            origin=site,
        )
        return (410 if found.removed_at else 200), html

    return await cached_page(request, key, render_page)
