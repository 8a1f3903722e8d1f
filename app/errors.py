"""Errors as real pages: HTML for pages, JSON {"detail": ...} under /api/, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.templating import render

log = logging.getLogger("parallax")

TITLES = {
    400: "Bad request",
    401: "Log in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    410: "Gone",
    412: "Changed meanwhile",
    413: "Too large",
    422: "Check the form",
    429: "Too many requests",
    500: "Something went wrong",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, detail: Any, headers: Any = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    message = detail if isinstance(detail, str) else TITLES.get(status, "Error")
    html = render(
        request.app.state.templates,
        "errors/error.html",
        status=status,
        title=TITLES.get(status, "Error"),
        message=message,
    )
    return HTMLResponse(html, status_code=status, headers=headers)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is no page at this address."
    return error_response(request, exc.status_code, detail, getattr(exc, "headers", None))


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = [
        f"{'.'.join(str(part) for part in err.get('loc', ())[1:]) or 'request'}: {err.get('msg')}"
        for err in exc.errors()
    ]
    if wants_json(request):
        return JSONResponse({"detail": problems}, status_code=422)
    return error_response(request, 400, "; ".join(problems))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "Something went wrong on our side; try again shortly.")


SERVICE_STATUS = {
    "InputError": 422,
    "NotFoundError": 404,
    "PermissionDeniedError": 403,
    "StaleVersionError": 412,
}


async def service_error(request: Request, exc: Exception) -> Response:
    """A service said no: the message is for the person, the status says why."""
    status = SERVICE_STATUS.get(type(exc).__name__, 400)
    return error_response(request, status, str(exc))
