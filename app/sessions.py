"""Signed session cookies and CSRF tokens.

The session lives in a signed cookie (no server-side store, so any server can read it):
a random nonce, and once logged in the user id and their session epoch. Logging in
always starts a fresh session (a new nonce), so a session fixed before login is useless;
bumping the user's epoch ends all their sessions. The CSRF token is an HMAC of the nonce:
a forged form from another site cannot know it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "px_session"
MAX_AGE = 14 * 24 * 3600


@dataclass(frozen=True, slots=True)
class SessionData:
    nonce: str
    user_id: int | None = None
    epoch: int = 0


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="parallax.session")


def read_session(request: Request) -> SessionData | None:
    if "px_session" in request.scope.setdefault("state", {}):
        return request.scope["state"]["px_session"]  # type: ignore[no-any-return]
    raw = request.cookies.get(COOKIE)
    data = None
    if raw:
        try:
            payload = _serializer(request.app.state.settings.secret_key).loads(raw, max_age=MAX_AGE)
            data = SessionData(str(payload["n"]), payload.get("u"), int(payload.get("e", 0)))
        except (BadSignature, KeyError, TypeError, ValueError):
            data = None
    request.scope["state"]["px_session"] = data
    return data


def new_session(user_id: int | None = None, epoch: int = 0) -> SessionData:
    return SessionData(secrets.token_urlsafe(18), user_id, epoch)


def write_session(request: Request, response: Response, data: SessionData) -> None:
    payload: dict[str, object] = {"n": data.nonce}
    if data.user_id is not None:
        payload.update(u=data.user_id, e=data.epoch)
    value = _serializer(request.app.state.settings.secret_key).dumps(payload)
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
    )
    request.scope.setdefault("state", {})["px_session"] = data


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def csrf_token(request: Request, data: SessionData) -> str:
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, b"csrf:" + data.nonce.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(request: Request, data: SessionData | None, offered: str | None) -> bool:
    if data is None or not offered:
        return False
    return hmac.compare_digest(csrf_token(request, data), offered)
