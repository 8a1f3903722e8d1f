"""Users, API tokens and logins. Readers are anonymous; analysts and admins log in.

Why throttling lives in the database: with several servers behind one PostgreSQL, a limit
kept in one process's memory would let an attacker spread guesses over the servers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import ApiToken, LoginAttempt, Role, User, utcnow
from app.rawdb import fetch_one
from app.services.errors import InputError, NotFoundError
from app.services.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_CLIENT = 20
TOKEN_PREFIX = "px_"


class ThrottledError(Exception):
    """Too many failed logins recently; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins. Try again in {retry_after // 60 + 1} minutes.")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Account:
    """What a request needs to know about who is acting."""

    id: int
    name: str
    role: str
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


def as_account(user: User) -> Account:
    assert user.id is not None
    return Account(user.id, user.name, user.role, user.session_epoch)


def create_user(session: Session, *, name: str, role: str, password: str | None) -> User:
    if not NAME.match(name or ""):
        raise InputError(
            "A user name is 2 to 40 lower-case letters, digits, dots, hyphens or underscores."
        )
    if role not in {r.value for r in Role}:
        raise InputError(f"Role must be one of: {', '.join(r.value for r in Role)}.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if session.exec(select(User.id).where(User.name == name)).first():
        raise InputError(f"There is already a user {name!r}.")
    user = User(name=name, role=role, password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(f"There is no user {name!r}.")
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.session_epoch += 1  # every existing session ends


def end_sessions(session: Session, user_id: int) -> None:
    """Every signed session cookie of the user stops working (logout, lock-out)."""
    session.execute(
        update(User).where(col(User.id) == user_id).values(session_epoch=User.session_epoch + 1)
    )


def _recent_failures(session: Session, *, by_client: bool, value: str, now: dt.datetime) -> int:
    column = col(LoginAttempt.client) if by_client else col(LoginAttempt.username)
    return session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            column == value,
            col(LoginAttempt.succeeded).is_(False),
            col(LoginAttempt.at) > now - THROTTLE_WINDOW,
        )
    ).one()


def check_throttle(session: Session, *, username: str, client: str, now: dt.datetime) -> None:
    by_name = _recent_failures(session, by_client=False, value=username, now=now)
    by_client = _recent_failures(session, by_client=True, value=client, now=now)
    if by_name >= MAX_FAILURES_PER_NAME or by_client >= MAX_FAILURES_PER_CLIENT:
        oldest = session.exec(
            select(func.min(LoginAttempt.at)).where(
                (col(LoginAttempt.username) == username) | (col(LoginAttempt.client) == client),
                col(LoginAttempt.succeeded).is_(False),
                col(LoginAttempt.at) > now - THROTTLE_WINDOW,
            )
        ).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        wait = (oldest + THROTTLE_WINDOW - now) if oldest else THROTTLE_WINDOW
        raise ThrottledError(max(1, int(wait.total_seconds())))


def authenticate(
    session: Session, *, username: str, password: str, client: str, now: dt.datetime | None = None
) -> Account | None:
    """The account for these credentials, or None. Every attempt is recorded; a name or
    client with too many recent failures is refused before the password is checked."""
    now = now or utcnow()
    username = username.strip().lower()[:80]
    check_throttle(session, username=username, client=client, now=now)
    user = session.exec(select(User).where(User.name == username)).first()
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.disabled_at is None
    session.add(LoginAttempt(username=username, client=client[:64], succeeded=ok, at=now))
    if not ok or user is None:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return as_account(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    """A new API token for `user`. The plain token is returned once and never stored."""
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), prefix=token[:10]))
    session.flush()
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id)))
    )


def revoke_token(session: Session, user: User, prefix: str) -> int:
    """Revoke the user's live tokens that start with `prefix`; returns how many."""
    result = session.execute(
        update(ApiToken)
        .where(
            col(ApiToken.user_id) == user.id,
            col(ApiToken.prefix).startswith(prefix[:10]),
            col(ApiToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_TOKEN_ACCOUNT = (
    "SELECT u.id, u.name, u.role, u.session_epoch FROM api_token t "
    "JOIN user_account u ON u.id = t.user_id "
    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL"
)
_SESSION_ACCOUNT = (
    "SELECT id, name, role, session_epoch FROM user_account "
    "WHERE id = ? AND session_epoch = ? AND disabled_at IS NULL"
)


def account_for_token(engine: Engine, token: str) -> Account | None:
    """Every API write asks this: one indexed SELECT on a pooled DB-API connection."""
    row = fetch_one(engine, _TOKEN_ACCOUNT, (_token_hash(token),))
    return Account(*row) if row else None


def account_for_session(engine: Engine, user_id: int, epoch: int) -> Account | None:
    row = fetch_one(engine, _SESSION_ACCOUNT, (user_id, epoch))
    return Account(*row) if row else None
