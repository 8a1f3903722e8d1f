"""The front page and liveness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import text

from app.deps import ConnDep, TemplatesDep
from app.services.story_read import list_stories
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(conn: ConnDep, templates: TemplatesDep) -> HTMLResponse:
    return HTMLResponse(render(templates, "stories/index.html", stories=list_stories(conn)))


@router.get("/healthz", response_class=PlainTextResponse)
def healthz(conn: ConnDep) -> PlainTextResponse:
    conn.execute(text("SELECT 1"))
    return PlainTextResponse("ok")
