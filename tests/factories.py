"""Test helpers: users, API tokens and logged-in clients, the way a person would get them.

A logged-in client goes through the real login form (GET /login for the form's CSRF token,
POST /login) and then reads the page's CSRF token from <body hx-headers> as htmx does.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import write_session
from app.services.accounts import create_user, get_user, issue_token
from tests.html import soup

PASSWORD = "correct horse battery"
STORY = "trump-putin-call"


def make_user(engine: Engine, name: str, role: str = "analyst", password: str = PASSWORD) -> int:
    """A user in the database; returns their id."""
    with write_session(engine) as session:
        user = create_user(session, name=name, role=role, password=password)
        assert user.id is not None
        return user.id


def make_token(engine: Engine, name: str) -> str:
    """A new API token for an existing user."""
    with write_session(engine) as session:
        return issue_token(session, get_user(session, name))


def form_csrf(html: str) -> str:
    """The hidden csrf_token of the first form on a page that has one."""
    field = soup(html).find("input", attrs={"name": "csrf_token"})
    assert field is not None, "no hidden csrf_token on this page"
    return str(field["value"])


def page_csrf(html: str) -> str:
    """The CSRF token htmx sends: <body hx-headers>, else any form's hidden csrf_token."""
    body = soup(html).find("body")
    if body is not None and body.get("hx-headers"):
        return str(json.loads(str(body["hx-headers"]))["X-CSRF-Token"])
    return form_csrf(html)


def login(client: TestClient, name: str, password: str = PASSWORD, **extra: str) -> Any:
    """POST the login form with the token from GET /login; returns the response."""
    token = form_csrf(client.get("/login").text)
    data = {"username": name, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data, follow_redirects=False)


def logged_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log `client` in as `name`; returns the page CSRF token for later writes."""
    r = login(client, name, password)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return page_csrf(client.get("/login").text)


def new_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """Another browser on the same app (its own cookie jar)."""
    return TestClient(app, raise_server_exceptions=False, **kwargs)


def passages(client: TestClient, kind: str = "paragraph") -> list[dict[str, Any]]:
    """The seed story's passages of one kind, left article first."""
    story = client.get(f"/api/stories/{STORY}").json()
    return [p for a in story["articles"] for p in a["passages"] if p["kind"] == kind]
