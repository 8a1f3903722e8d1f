"""Dependencies declared once: the database connection, templates, who is acting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from jinja2 import Environment
from sqlalchemy.engine import Connection

from app.services.accounts import Account, account_for_session, account_for_token
from app.services.frames_read import FrameInfo
from app.sessions import csrf_ok, csrf_token, read_session


def get_conn(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.connect() as conn:
        yield conn


def get_templates(request: Request) -> Environment:
    env: Environment = request.app.state.templates
    return env


ConnDep = Annotated[Connection, Depends(get_conn)]
TemplatesDep = Annotated[Environment, Depends(get_templates)]


def is_htmx(request: Request) -> bool:
    """A request htmx makes for a fragment (a history restore wants the whole page)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


def origin(request: Request) -> str:
    configured: str = request.app.state.settings.public_origin
    return configured or f"{request.url.scheme}://{request.url.netloc}"


def get_account(request: Request) -> Account | None:
    """Who is acting: a Bearer API token, or the signed session cookie; None for readers."""
    state = request.scope.setdefault("state", {})
    if "px_account" in state:
        return state["px_account"]  # type: ignore[no-any-return]
    account = None
    auth = request.headers.get("authorization", "")
    engine = request.app.state.engine
    if auth.lower().startswith("bearer "):
        account = account_for_token(engine, auth[7:].strip())
        state["px_via_token"] = account is not None
    else:
        data = read_session(request)
        if data is not None and data.user_id is not None:
            account = account_for_session(engine, data.user_id, data.epoch)
    state["px_account"] = account
    return account


async def require_writer(request: Request) -> Account:
    """An analyst or admin, and for cookie sessions a valid CSRF token (header or form)."""
    # One indexed SELECT on a pooled DB-API connection (~30 µs on SQLite): cheaper on the
    # event loop than a hop to the thread pool; the pool is sized so checkout never waits.
    account = get_account(request)
    if account is None:
        if request.headers.get("authorization"):
            raise HTTPException(401, "That API token is not valid (revoked or mistyped).")
        raise HTTPException(401, "Log in as an analyst to do this.")
    if not request.scope["state"].get("px_via_token"):
        offered = request.headers.get("x-csrf-token")
        if offered is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            offered = str((await request.form()).get("csrf_token") or "") or None
        if not csrf_ok(request, read_session(request), offered):
            raise HTTPException(
                403,
                "This form has expired or did not come from Parallax (CSRF check failed). "
                "Reload the page and try again.",
            )
    return account


AccountDep = Annotated[Account | None, Depends(get_account)]
WriterDep = Annotated[Account, Depends(require_writer)]


def work_context(
    page: dict[str, Any], frames: Sequence[FrameInfo], next_url: str
) -> dict[str, Any]:
    """What the analyst-work macros (tags, notes) need beside the page context: the frames
    an analyst may apply, and where a form without JavaScript returns to."""
    return {
        **page,
        "frames": frames,
        "frames_by_id": {f.id: f for f in frames},
        "next_url": next_url,
    }


def page_context(request: Request) -> dict[str, Any]:
    """What base.html needs to show who is logged in, and the CSRF token for their forms."""
    account = get_account(request)
    data = read_session(request)
    return {
        "account": account,
        "csrf_token": csrf_token(request, data) if (account and data) else "",
    }
