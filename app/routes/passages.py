"""The passage permalink: the passage in context, with link previews, its frames and its
notes. Old links to passages a re-import removed redirect to their closest survivor or
say what the passage was."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import urls
from app.deps import origin, page_context, work_context
from app.routes.cached import cached_page
from app.services import analyst_tags, annotation_read
from app.services.annotation_create import Draft
from app.services.frames_read import list_frames
from app.services.passage_read import (
    PassageContext,
    get_applied_frames,
    get_neighbours,
    get_passage,
)
from app.services.story_read import PassageRow, attach_notes
from app.templating import render

router = APIRouter(include_in_schema=False)


def _render(
    request: Request, found: PassageContext, *, error: str = "", draft: Draft | None = None
) -> tuple[int, str]:
    site = origin(request)
    ctx = page_context(request)
    account = ctx["account"]
    with request.app.state.engine.connect() as conn:
        before, after = get_neighbours(conn, found)
        applied = get_applied_frames(conn, found.id)
        frames = list_frames(conn, story_id=found.story_id)
        notes = annotation_read.for_passages(conn, [found.id]).get(found.id, [])
        summary = analyst_tags.summaries(conn, [found.id], me=account.id if account else None).get(
            found.id
        )
    row = PassageRow(
        found.id, found.public_id, found.kind, found.position, found.text, found.credit, found.alt
    )
    row.frames = [a.frame for a in applied]
    attach_notes(row, notes)
    full_ctx = work_context(ctx, frames, urls.passage(found.public_id))
    html = render(
        request.app.state.templates,
        "passages/show.html",
        **ctx,
        p=found,
        row=row,
        before=before,
        after=after,
        frames=applied,
        canonical=urls.absolute(site, urls.passage(found.public_id)),
        origin=site,
        pid=found.public_id,
        notes=notes,
        summary=summary,
        ctx=full_ctx,
        open=bool(notes) or bool(error),
        error=error,
        draft=draft,
    )
    return (410 if found.removed_at else 200), html


def render_passage_page(
    request: Request, passage: str, *, status: int, error: str, draft: Draft
) -> Response:
    with request.app.state.engine.connect() as conn:
        found = get_passage(conn, passage)
    if found is None:
        raise HTTPException(404, f"There is no passage {passage!r}.")
    _status, html = _render(request, found, error=error, draft=draft)
    return HTMLResponse(html, status_code=status)


@router.get("/p/{passage}", response_class=Response)
async def passage_page(request: Request, passage: str) -> Response:
    engine = request.app.state.engine
    with engine.connect() as conn:
        found = get_passage(conn, passage)
    if found is None:
        raise HTTPException(404, f"There is no passage {passage!r}. Check the link.")
    if found.removed_at is not None and found.successor_public_id:
        return RedirectResponse(urls.passage(found.successor_public_id), status_code=301)
    ctx = page_context(request)
    viewer = (ctx["account"].id, ctx["csrf_token"]) if ctx["account"] else None
    return await cached_page(
        request,
        "passage",
        passage,
        found.story_version,
        viewer,
        lambda: _render(request, found),
    )
