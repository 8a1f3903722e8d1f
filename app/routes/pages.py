"""The front page and liveness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import text

from app.deps import ConnDep, TemplatesDep, page_context
from app.services.story_read import list_stories
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, conn: ConnDep, templates: TemplatesDep) -> HTMLResponse:
    return HTMLResponse(
        render(templates, "stories/index.html", stories=list_stories(conn), **page_context(request))
    )


@router.get("/healthz", response_class=PlainTextResponse)
def healthz(conn: ConnDep) -> PlainTextResponse:
    conn.execute(text("SELECT 1"))
    return PlainTextResponse("ok")
