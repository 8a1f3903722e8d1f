"""create_app(settings) -> the FastAPI app: static files, routers, error pages, headers."""

from __future__ import annotations

from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import Settings, get_settings
from app.db import make_engine
from app.errors import http_error, server_error, service_error, validation_error
from app.headers import SecurityHeaders
from app.page_cache import PageCache
from app.render_cache import RenderCache
from app.routes import (
    agreement,
    annotation_forms,
    annotation_pages,
    api,
    api_annotations,
    auth,
    docs,
    frames,
    pages,
    passages,
    stories,
)
from app.services.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from app.static_files import mount_static
from app.templating import build_id, make_env


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Parallax",
        summary="How different news outlets framed the same story.",
        version="0.1.0",
        docs_url=None,  # served by routes/docs.py from our own static files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, echo=settings.log_sql)
    app.state.templates = make_env()
    app.state.build_id = build_id()
    app.state.render_cache = RenderCache(settings.render_cache_size)
    app.state.render_limiter = CapacityLimiter(max(1, settings.render_threads))

    mount_static(app)
    for module in (
        pages,
        auth,
        stories,
        annotation_pages,
        passages,
        annotation_forms,
        frames,
        agreement,
        api,
        api_annotations,
        docs,
    ):
        # The routes themselves, not include_router: this FastAPI matches an included router
        # layer by layer on every request, which cost more than a cached page (tests/bench).
        app.router.routes.extend(module.router.routes)
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    for error in (InputError, NotFoundError, PermissionDeniedError, StaleVersionError):
        app.add_exception_handler(error, service_error)
    app.add_exception_handler(Exception, server_error)
    app.add_middleware(PageCache, state=app.state)
    app.add_middleware(SecurityHeaders)
    return app
