"""The OpenAPI document's page at /docs: Swagger UI from our own static/ (no CDN), started
by a static script rather than an inline one, so the Content-Security-Policy holds."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.deps import TemplatesDep
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger(templates: TemplatesDep) -> HTMLResponse:
    return HTMLResponse(render(templates, "docs.html"))
