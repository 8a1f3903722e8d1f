"""Annotations over JSON: read, write (session + CSRF header, or Bearer token), and the W3C
Web Annotation shapes when asked for them with `Accept: application/ld+json`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app import urls
from app.db import write_connection, write_session
from app.deps import ConnDep, WriterDep, origin
from app.services import annotation_create, annotation_read, annotation_write, web_annotation
from app.services.annotation_create import Draft
from app.services.annotation_read import AnnotationView
from app.services.annotation_write import KEEP
from app.services.story_read import get_story_row

router = APIRouter(prefix="/api", tags=["annotations"])


class QuoteIn(BaseModel):
    exact: str = Field(max_length=2000)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)


class AnnotationIn(BaseModel):
    passage: str = Field(description="The passage's public id, as in /p/{id}")
    body: str = Field(description="Markdown; raw HTML is not rendered")
    frame: str | None = Field(default=None, description="A frame slug from the codebook")
    parent: str | None = Field(default=None, description="Reply to this annotation")
    quote: QuoteIn | None = None


class AnnotationPatch(BaseModel):
    body: str | None = None
    frame: str | None = Field(default=None, description='A frame slug, or "" for none')


def _json(a: AnnotationView) -> dict[str, Any]:
    return {
        "id": a.public_id,
        "url": urls.annotation(a.public_id),
        "passage": a.passage_public_id,
        "story": a.story_slug,
        "outlet": a.outlet_slug,
        "author": a.author,
        "parent": a.parent_public_id,
        "body": a.body,
        "body_html": a.body_html,
        "frame": a.frame_slug,
        "quote": (
            {
                "exact": a.quote.exact,
                "prefix": a.quote.prefix,
                "suffix": a.quote.suffix,
                "start": a.quote.start,
                "end": a.quote.end,
                "orphan": a.is_orphan,
            }
            if a.quote
            else None
        ),
        "version": a.version,
        "created": a.created_at.isoformat(),
        "updated": a.updated_at.isoformat(),
        "deleted": a.deleted_at is not None,
    }


def wants_ld(request: Request) -> bool:
    """Accept lists application/ld+json with a non-zero quality."""
    for item in request.headers.get("accept", "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() == "application/ld+json":
            q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return True
    return False


def etag_for(request: Request, a: AnnotationView) -> str:
    """Each representation has its own strong ETag; both carry the version."""
    return f'"{a.public_id}.{a.version}-ld"' if wants_ld(request) else a.etag


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def _one(request: Request, a: AnnotationView, status: int = 200) -> Response:
    headers = {
        "etag": etag_for(request, a),
        "vary": "Accept",
        "location": urls.api_annotation(a.public_id),
    }
    if wants_ld(request):
        body = web_annotation.to_web_annotation(a, origin(request))
        return JSONResponse(body, status, headers, media_type=web_annotation.MEDIA_TYPE)
    return JSONResponse(_json(a), status, headers)


def _load(request: Request, public_id: str) -> AnnotationView:
    with request.app.state.engine.connect() as conn:
        found = annotation_read.get(conn, public_id)
    if found is None:
        raise HTTPException(404, f"There is no annotation {public_id!r}.")
    return found


def _version_from(if_match: str | None, public_id: str) -> int | None:
    """`If-Match: "ID.VERSION"` (our ETag) -> VERSION; `*` or absent -> no check."""
    if not if_match or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"').removesuffix("-ld")
    pid, _, version = tag.rpartition(".")
    if pid != public_id or not version.isdigit():
        return -1  # an ETag of something else: never the current version
    return int(version)


@router.get("/annotations")
def list_annotations(
    conn: ConnDep,
    passage: str | None = None,
    story: str | None = None,
    author: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    items, total = annotation_read.listing(
        conn, passage=passage, story=story, author=author, limit=limit, offset=offset
    )
    return {"total": total, "limit": limit, "offset": offset, "items": [_json(a) for a in items]}


@router.post("/annotations", status_code=201)
async def create(request: Request, data: AnnotationIn, account: WriterDep) -> Response:
    draft = Draft(
        body=data.body,
        frame=data.frame or None,
        exact=data.quote.exact if data.quote else None,
        start=data.quote.start if data.quote else None,
        end=data.quote.end if data.quote else None,
    )

    def write() -> AnnotationView:
        with write_connection(request.app.state.engine) as conn:
            return annotation_create.create_annotation(
                conn, account, passage=data.passage, draft=draft, parent=data.parent
            )

    return _one(request, await run_in_threadpool(write), status=201)


@router.get("/annotations/{annotation}")
def read(request: Request, annotation: str) -> Response:
    a = _load(request, annotation)
    if a.deleted_at is not None:
        raise HTTPException(410, "This annotation was deleted.")
    etag = etag_for(request, a)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"etag": etag, "vary": "Accept"})
    return _one(request, a)


@router.patch("/annotations/{annotation}")
def patch(
    request: Request,
    annotation: str,
    data: AnnotationPatch,
    account: WriterDep,
    if_match: str | None = Header(default=None),
) -> Response:
    """Fields left out keep their current value, read under the row lock in the same
    transaction as the write (never from an earlier read: that would undo a concurrent
    edit of the other field)."""
    given = data.model_fields_set
    with write_session(request.app.state.engine) as session:
        annotation_write.edit_annotation(
            session,
            account,
            annotation,
            body=data.body if "body" in given and data.body is not None else None,
            frame=(data.frame or None) if "frame" in given else KEEP,
            expected_version=_version_from(if_match, annotation),
        )
    return _one(request, _load(request, annotation))


@router.delete("/annotations/{annotation}", status_code=204)
def delete(
    request: Request,
    annotation: str,
    account: WriterDep,
    if_match: str | None = Header(default=None),
) -> Response:
    _load(request, annotation)
    with write_session(request.app.state.engine) as session:
        annotation_write.delete_annotation(
            session, account, annotation, expected_version=_version_from(if_match, annotation)
        )
    return Response(status_code=204)


@router.get("/stories/{story}/annotations")
def story_collection(
    request: Request, story: str, conn: ConnDep, page: int | None = Query(None, ge=0)
) -> Response:
    row = get_story_row(conn, story)
    if row is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    size = web_annotation.PAGE_SIZE
    items, total = annotation_read.listing(
        conn, story=story, limit=size, offset=(page or 0) * size, oldest_first=True
    )
    if page is None:
        body = web_annotation.collection(origin(request), story, row.title, total, items)
    else:
        if page > 0 and page * size >= total:
            raise HTTPException(404, f"Page {page} is past the last page.")
        body = web_annotation.page(origin(request), story, total, page, items)
    return JSONResponse(body, media_type=web_annotation.MEDIA_TYPE, headers={"vary": "Accept"})
