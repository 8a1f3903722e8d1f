"""Annotation permalinks and lists: per story and per analyst. Readers see everything
that is not deleted; the author and admins also see an annotation's history."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import Session

from app import urls
from app.deps import ConnDep, TemplatesDep, origin, page_context, work_context
from app.routes.annotation_forms import annotation_fragment
from app.services import annotation_read, annotation_write
from app.services.frames_read import editorial_frames_of, list_frames
from app.services.passage_read import get_neighbours, get_passage
from app.services.story_read import PassageRow, attach_notes, get_story_row
from app.tables import user_t
from app.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/a/{annotation}", response_class=HTMLResponse)
def annotation_page(request: Request, annotation: str, conn: ConnDep) -> Response:
    a = annotation_read.get(conn, annotation)
    if a is None:
        raise HTTPException(404, f"There is no annotation {annotation!r}.")
    ctx = page_context(request)
    account = ctx["account"]
    may_see_history = account is not None and (account.is_admin or account.id == a.author_id)
    history: list[dict[str, Any]] = []
    if may_see_history:
        with Session(request.app.state.engine) as session:
            versions = annotation_write.history(session, account, annotation)
        editors = dict(conn.execute(select(user_t.c.id, user_t.c.name)).all())
        history = [
            {
                "version": v.version,
                "action": v.action,
                "body": v.body,
                "editor": editors.get(v.editor_id, "?"),
                "at": annotation_read.as_utc(v.at),
            }
            for v in versions
        ]
    elif a.deleted_at is not None:
        raise HTTPException(410, "This note was deleted by its author.")
    passage = get_passage(conn, a.passage_public_id)
    assert passage is not None
    before, after = get_neighbours(conn, passage)
    row = PassageRow(
        passage.id,
        passage.public_id,
        passage.kind,
        passage.position,
        passage.text,
        passage.credit,
        passage.alt,
    )
    slugs = {f.id: f for f in list_frames(conn)}
    row.frames = [slugs[i] for i in editorial_frames_of(conn, [passage.id]).get(passage.id, [])]
    attach_notes(row, [a])
    site = origin(request)
    html = render(
        request.app.state.templates,
        "annotations/show.html",
        **ctx,
        a=a,
        row=row,
        before=before,
        after=after,
        history=history,
        origin=site,
        canonical=urls.absolute(site, urls.annotation(a.public_id)),
        ctx=work_context(ctx, list(slugs.values()), urls.annotation(a.public_id)),
    )
    return HTMLResponse(html, headers={"cache-control": "no-cache"})


@router.get("/a/{annotation}/fragment", response_class=HTMLResponse)
def annotation_block(request: Request, annotation: str) -> Response:
    return annotation_fragment(request, annotation, urls.annotation(annotation))


def _listing(
    request: Request, templates: Any, *, heading: str, intro: str, page: int, **filters: Any
) -> HTMLResponse:
    with request.app.state.engine.connect() as conn:
        items, total = annotation_read.listing(
            conn, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters
        )
    html = render(
        templates,
        "annotations/list.html",
        **page_context(request),
        heading=heading,
        intro=intro,
        items=items,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
    )
    return HTMLResponse(html)


@router.get("/stories/{story}/annotations", response_class=HTMLResponse)
def story_annotations(
    request: Request,
    story: str,
    conn: ConnDep,
    templates: TemplatesDep,
    page: int = Query(1, ge=1, le=100_000),
) -> HTMLResponse:
    row = get_story_row(conn, story)
    if row is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    return _listing(
        request,
        templates,
        heading=f"Notes on {row.title}",
        intro="Every analyst's notes on this story, newest first.",
        page=page,
        story=story,
    )


@router.get("/analysts/{name}", response_class=HTMLResponse)
def analyst_annotations(
    request: Request,
    name: str,
    conn: ConnDep,
    templates: TemplatesDep,
    page: int = Query(1, ge=1, le=100_000),
) -> HTMLResponse:
    exists = conn.execute(select(user_t.c.id).where(user_t.c.name == name)).first()
    if exists is None:
        raise HTTPException(404, f"There is no analyst {name!r}.")
    return _listing(
        request, templates, heading=f"Notes by {name}", intro="", page=page, author=name
    )
