"""Agreement between analysts on a story's frames: a page, and its JSON twin under /api/."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from app import urls
from app.deps import ConnDep, TemplatesDep, page_context
from app.services.agreement import story_agreement
from app.services.story_read import StoryRow, get_story_row
from app.templating import render

router = APIRouter()


class CoefficientsOut(BaseModel):
    units: int
    analysts: int
    tags: int
    observed: float | None
    alpha: float | None
    alpha_note: str | None
    ac1: float | None
    ac1_note: str | None


class FrameAgreementOut(CoefficientsOut):
    frame: str
    label: str


class AgreementOut(BaseModel):
    story: str
    url: str
    analysts: list[str]
    tags: int
    units: int
    reason: str | None
    overall: CoefficientsOut
    frames: list[FrameAgreementOut]


def _story(conn: Connection, slug: str) -> StoryRow:
    row = get_story_row(conn, slug)
    if row is None:
        raise HTTPException(404, f"There is no story {slug!r}.")
    return row


@router.get("/stories/{story}/agreement", response_class=HTMLResponse, include_in_schema=False)
def agreement_page(
    request: Request, story: str, conn: ConnDep, templates: TemplatesDep
) -> HTMLResponse:
    row = _story(conn, story)
    report = story_agreement(conn, row.id)
    return HTMLResponse(
        render(
            templates, "stories/agreement.html", story=row, report=report, **page_context(request)
        )
    )


@router.get("/api/stories/{story}/agreement", response_model=AgreementOut, tags=["read"])
def api_agreement(story: str, conn: ConnDep) -> AgreementOut:
    """Krippendorff's alpha (nominal) and Gwet's AC1 between analysts, per frame and overall,
    over the passages that at least two analysts tagged. A number is null when it cannot be
    computed, and its `*_note` says why."""
    row = _story(conn, story)
    report = story_agreement(conn, row.id)
    return AgreementOut(
        story=row.slug,
        url=urls.story(row.slug),
        analysts=report.analysts,
        tags=report.tags,
        units=report.units,
        reason=report.reason,
        overall=CoefficientsOut(**asdict(report.overall)),
        frames=[
            FrameAgreementOut(frame=f.frame.slug, label=f.frame.label, **asdict(f.result))
            for f in report.frames
        ],
    )
