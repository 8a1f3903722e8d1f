"""Dependencies declared once: the database connection, the template environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment
from sqlalchemy.engine import Connection


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
