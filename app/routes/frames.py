"""The codebook: every frame with its dimension, and each frame's passages by outlet."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.deps import ConnDep, TemplatesDep, page_context
from app.services.frame_passages import passages_with_frame
from app.services.frames_read import frame_usage, get_frame, list_dimensions, list_frames
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/frames", response_class=HTMLResponse)
def frames_index(request: Request, conn: ConnDep, templates: TemplatesDep) -> HTMLResponse:
    return HTMLResponse(
        render(
            templates,
            "frames/index.html",
            frames=list_frames(conn),
            usage=frame_usage(conn),
            dimensions=list_dimensions(conn),
            **page_context(request),
        )
    )


@router.get("/frames/{frame}", response_class=HTMLResponse)
def frame_page(
    request: Request, frame: str, conn: ConnDep, templates: TemplatesDep
) -> HTMLResponse:
    found = get_frame(conn, frame)
    if found is None:
        raise HTTPException(404, f"There is no frame {frame!r} in the codebook.")
    return HTMLResponse(
        render(
            templates,
            "frames/show.html",
            frame=found,
            groups=passages_with_frame(conn, found.id),
            **page_context(request),
        )
    )
