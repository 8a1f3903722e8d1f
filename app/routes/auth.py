"""Log in and out. Login always starts a fresh signed session (a new nonce), so a
session planted before login is worth nothing afterwards."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from app.db import write_session
from app.deps import get_account, page_context
from app.services.accounts import ThrottledError, authenticate, end_sessions
from app.sessions import (
    clear_session,
    csrf_ok,
    csrf_token,
    new_session,
    read_session,
)
from app.sessions import (
    write_session as write_cookie,
)
from app.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target  # browsers read "/\\host" as "//host"
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return "/"
    return target


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _login_page(
    request: Request, *, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    data = read_session(request) or new_session()
    html = render(
        request.app.state.templates,
        "auth/login.html",
        **page_context(request),
        login_csrf=csrf_token(request, data),
        next_url=next_url,
        error=error,
        username=username,
    )
    response = HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
    if read_session(request) is None:
        write_cookie(request, response, data)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token_: str = Form("", alias="csrf_token"),
    next: str = Form("/"),  # noqa: A002
) -> Response:
    next_url = safe_next(next)
    if not csrf_ok(request, read_session(request), csrf_token_):
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            status=403,
            error="The login form expired (or cookies are off). Try again.",
        )
    if not username.strip() or not password:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            status=422,
            error="Enter your user name and password.",
        )
    engine: Engine = request.app.state.engine
    try:
        with write_session(engine) as session:
            account = authenticate(
                session, username=username, password=password, client=client_address(request)
            )
    except ThrottledError as exc:
        response = _login_page(
            request, next_url=next_url, username=username, status=429, error=str(exc)
        )
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    if account is None:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            status=401,
            error="That user name and password do not match.",
        )
    response = RedirectResponse(next_url, status_code=303)
    write_cookie(request, response, new_session(account.id, account.session_epoch))
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_form(request: Request) -> Response:
    if get_account(request) is None:
        return RedirectResponse("/", status_code=303)
    return HTMLResponse(
        render(request.app.state.templates, "auth/logout.html", **page_context(request)),
        headers={"cache-control": "no-store"},
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    offered = request.headers.get("x-csrf-token") or str(form.get("csrf_token") or "")
    if not csrf_ok(request, read_session(request), offered):
        return RedirectResponse("/logout", status_code=303)
    account = get_account(request)
    if account is not None:
        # End the session on the server too: a copy of the cookie taken before logout must
        # not stay logged in. Sessions are signed cookies, so the user's epoch is what
        # ends them (on every device: safe rather than surprising).
        with write_session(request.app.state.engine) as session:
            end_sessions(session, account.id)
    response = RedirectResponse("/", status_code=303)
    clear_session(request, response)
    return response
