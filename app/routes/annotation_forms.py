"""Analysts at work, in HTML: annotate, reply, edit, delete, restore, tag. Every form works
without JavaScript (303 after a write, 422 with the error inline); htmx gets the block
that changed instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import urls
from app.db import write_session
from app.deps import WriterDep, is_htmx, page_context, work_context
from app.routes.auth import safe_next
from app.services import analyst_tags, annotation_create, annotation_read, annotation_write
from app.services.accounts import Account
from app.services.annotation_create import Draft
from app.services.errors import InputError, StaleVersionError
from app.services.frames_read import editorial_frames_of, list_frames
from app.services.passage_read import get_passage
from app.services.story_read import PassageRow
from app.templating import render

router = APIRouter(include_in_schema=False)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip().lstrip("-").isdigit() else None


def _ctx(
    request: Request, conn: Connection, next_url: str, story_id: int | None = None
) -> dict[str, Any]:
    return work_context(page_context(request), list_frames(conn, story_id=story_id), next_url)


def notes_response(
    request: Request,
    passage: str,
    next_url: str,
    *,
    status: int = 200,
    error: str = "",
    draft: Draft | None = None,
) -> Response:
    """The passage's notes block, as htmx swaps it in (open, freshly loaded)."""
    with request.app.state.engine.connect() as conn:
        found = get_passage(conn, passage)
        if found is None:
            raise HTTPException(404, f"There is no passage {passage!r}.")
        notes = annotation_read.for_passages(conn, [found.id]).get(found.id, [])
        ctx = _ctx(request, conn, next_url, found.story_id)
    html = render(
        request.app.state.templates,
        "passages/show.html",
        block="notes",
        pid=passage,
        notes=notes,
        ctx=ctx,
        open=True,
        error=error,
        draft=draft,
    )
    return HTMLResponse(html, status_code=status)


def _after_write(
    request: Request, next_url: str, anchor: str, fragment: Callable[[], Response]
) -> Response:
    if is_htmx(request):
        return fragment()
    return RedirectResponse(f"{safe_next(next_url)}#{anchor}", status_code=303)


def _write(request: Request, action: Callable[[Session], Any]) -> Any:
    with write_session(request.app.state.engine) as session:
        return action(session)


@router.post("/p/{passage}/annotations")
def annotate(
    request: Request,
    passage: str,
    account: WriterDep,
    body: str = Form(""),
    frame: str = Form(""),
    exact: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    next_url = safe_next(next or urls.passage(passage))
    draft = Draft(
        body=body,
        frame=frame or None,
        exact=exact or None,
        start=_int_or_none(start),
        end=_int_or_none(end),
    )
    try:
        created = _write(
            request,
            lambda s: annotation_create.create_annotation(s, account, passage=passage, draft=draft),
        )
    except InputError as exc:
        return _form_error(request, passage, next_url, str(exc), draft)
    return _after_write(
        request,
        next_url,
        f"a-{created.public_id}",
        lambda: notes_response(request, passage, next_url),
    )


def _form_error(
    request: Request, passage: str, next_url: str, error: str, draft: Draft
) -> Response:
    if is_htmx(request):
        return notes_response(request, passage, next_url, status=422, error=error, draft=draft)
    return passage_page_with_error(request, passage, error, draft)


def passage_page_with_error(request: Request, passage: str, error: str, draft: Draft) -> Response:
    from app.routes.passages import render_passage_page  # passages imports this module

    return render_passage_page(request, passage, status=422, error=error, draft=draft)


@router.post("/a/{annotation}/replies")
def reply(
    request: Request,
    annotation: str,
    account: WriterDep,
    body: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    with request.app.state.engine.connect() as conn:
        parent = annotation_read.get(conn, annotation)
    if parent is None:
        raise HTTPException(404, f"There is no annotation {annotation!r}.")
    next_url = safe_next(next or urls.annotation(annotation))
    try:
        _write(
            request,
            lambda s: annotation_create.create_annotation(
                s,
                account,
                passage=parent.passage_public_id,
                draft=Draft(body=body),
                parent=annotation,
            ),
        )
    except InputError as exc:
        if is_htmx(request):
            return notes_response(
                request,
                parent.passage_public_id,
                next_url,
                status=422,
                error=f"Reply not saved: {exc}",
            )
        raise HTTPException(422, str(exc)) from None
    return _after_write(
        request,
        next_url,
        f"a-{annotation}",
        lambda: notes_response(request, parent.passage_public_id, next_url),
    )


def _load(request: Request, annotation: str) -> annotation_read.AnnotationView:
    with request.app.state.engine.connect() as conn:
        found = annotation_read.get(conn, annotation)
    if found is None:
        raise HTTPException(404, f"There is no annotation {annotation!r}.")
    return found


def _edit_page(
    request: Request,
    a: annotation_read.AnnotationView,
    *,
    next_url: str,
    error: str = "",
    body: str | None = None,
    frame: str | None = None,
    status: int = 200,
) -> Response:
    with request.app.state.engine.connect() as conn:
        frames = list_frames(conn)
    html = render(
        request.app.state.templates,
        "annotations/edit.html",
        block="edit_form" if is_htmx(request) else None,
        **page_context(request),
        a=a,
        frames=frames,
        next_url=next_url,
        error=error,
        body=a.body if body is None else body,
        frame=a.frame_slug if frame is None else frame,
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


@router.get("/a/{annotation}/edit", response_class=HTMLResponse)
def edit_form(request: Request, annotation: str, next: str | None = None) -> Response:  # noqa: A002
    a = _load(request, annotation)
    account = page_context(request)["account"]
    if account is None:
        return RedirectResponse(f"/login?next={urls.annotation(annotation)}/edit", status_code=303)
    if account.id != a.author_id and not account.is_admin:
        raise HTTPException(403, "You can only edit your own annotations.")
    return _edit_page(request, a, next_url=safe_next(next or urls.annotation(annotation)))


@router.post("/a/{annotation}/edit")
def edit(
    request: Request,
    annotation: str,
    account: WriterDep,
    body: str = Form(""),
    frame: str = Form(""),
    version: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    next_url = safe_next(next or urls.annotation(annotation))
    a = _load(request, annotation)
    try:
        _write(
            request,
            lambda s: annotation_write.edit_annotation(
                s,
                account,
                annotation,
                body=body,
                frame=frame or None,
                expected_version=_int_or_none(version),
            ),
        )
    except StaleVersionError as exc:
        return _edit_page(
            request,
            _load(request, annotation),
            next_url=next_url,
            error=str(exc),
            body=body,
            frame=frame,
            status=412,
        )
    except InputError as exc:
        return _edit_page(
            request, a, next_url=next_url, error=str(exc), body=body, frame=frame, status=422
        )
    return _after_write(
        request,
        next_url,
        f"a-{annotation}",
        lambda: annotation_fragment(request, annotation, next_url),
    )


def annotation_fragment(request: Request, annotation: str, next_url: str) -> Response:
    a = _load(request, annotation)
    with request.app.state.engine.connect() as conn:
        ctx = _ctx(request, conn, next_url)
    html = render(
        request.app.state.templates,
        "annotations/show.html",
        block="annotation",
        a=a,
        ctx=ctx,
        **page_context(request),
    )
    return HTMLResponse(html)


@router.post("/a/{annotation}/delete")
def delete(
    request: Request,
    annotation: str,
    account: WriterDep,
    version: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    a = _load(request, annotation)
    next_url = safe_next(next or urls.passage(a.passage_public_id))
    try:
        _write(
            request,
            lambda s: annotation_write.delete_annotation(
                s, account, annotation, expected_version=_int_or_none(version)
            ),
        )
    except StaleVersionError as exc:
        raise HTTPException(412, str(exc)) from None
    return _after_write(
        request,
        next_url,
        urls.passage_anchor(a.passage_public_id),
        lambda: notes_response(request, a.passage_public_id, next_url),
    )


@router.post("/a/{annotation}/restore")
def restore(request: Request, annotation: str, account: WriterDep) -> Response:
    _write(request, lambda s: annotation_write.restore_annotation(s, account, annotation))
    return RedirectResponse(urls.annotation(annotation), status_code=303)


@router.post("/p/{passage}/frames")
async def tag(request: Request, passage: str, account: WriterDep) -> Response:
    form = await request.form()
    add, remove = str(form.get("add") or ""), str(form.get("remove") or "")
    if not (add or remove):
        raise HTTPException(422, "Say which frame to add or remove.")
    next_url = safe_next(str(form.get("next") or "") or urls.passage(passage))

    def change(session: Session) -> bool:
        return analyst_tags.set_tag(
            session, account, passage=passage, frame=add or remove, on=bool(add)
        )

    await run_in_threadpool(_write, request, change)
    if is_htmx(request):
        return await run_in_threadpool(tags_fragment, request, passage, account, next_url)
    return RedirectResponse(f"{next_url}#{urls.passage_anchor(passage)}", status_code=303)


def tags_fragment(request: Request, passage: str, account: Account, next_url: str) -> Response:
    with request.app.state.engine.connect() as conn:
        found = get_passage(conn, passage)
        assert found is not None
        summary = analyst_tags.summaries(conn, [found.id], me=account.id).get(found.id)
        ctx = _ctx(request, conn, next_url, found.story_id)
        editorial_ids = editorial_frames_of(conn, [found.id]).get(found.id, [])
    row = PassageRow(
        found.id, found.public_id, found.kind, found.position, found.text, found.credit, found.alt
    )
    row.frames = [ctx["frames_by_id"][i] for i in editorial_ids if i in ctx["frames_by_id"]]
    html = render(
        request.app.state.templates,
        "passages/show.html",
        block="tags",
        p=row,
        summary=summary,
        ctx=ctx,
    )
    return HTMLResponse(html)
