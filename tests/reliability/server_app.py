"""The app the reliability tests run under a real uvicorn process:

    python -m uvicorn --factory tests.reliability.server_app:create

The real `app.main.create_app()`, configured from the environment (PARALLAX_DATABASE_URL,
PARALLAX_ENVIRONMENT=test) exactly as a deployment would be; nothing is added or replaced.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app


def create() -> FastAPI:
    return create_app()
