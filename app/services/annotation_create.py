"""Creating a note: the hottest write, as one transaction of four plain statements.

Why not the ORM: a note is written by many analysts at once; unit-of-work flushes, an
ORM-enabled UPDATE, statement construction and a read-back after commit cost ~10x the
four statements a note needs (tests/bench/bench_writes.py). The note comes back as the
AnnotationView readers get, built from what the transaction already has.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.models import utcnow
from app.rawdb import db_time, execute
from app.services.accounts import Account
from app.services.anchoring import Quote, make_quote
from app.services.annotation_read import AnnotationView
from app.services.errors import InputError, NotFoundError
from app.services.markdown import MAX_BODY_CHARS

PUBLIC_ID_BYTES = 8

_PASSAGE = (
    "SELECT p.id, p.text, p.removed_at, a.story_id, s.slug, o.slug, o.name, a.headline "
    "FROM passage p JOIN article a ON a.id = p.article_id JOIN outlet o ON o.id = a.outlet_id "
    "JOIN story s ON s.id = a.story_id WHERE p.public_id = ?"
)
_PARENT = "SELECT id, passage_id, parent_id, deleted_at FROM annotation WHERE public_id = ?"
_FRAME = "SELECT id, label, colour FROM frame WHERE slug = ?"
_INSERT = (
    "INSERT INTO annotation (public_id, passage_id, author_id, parent_id, frame_id, body, "
    "quote_exact, quote_prefix, quote_suffix, quote_start, quote_end, version, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id"
)
_INSERT_VERSION = (
    "INSERT INTO annotation_version (annotation_id, version, action, body, frame_id, "
    "editor_id, at) VALUES (?, 1, 'created', ?, ?, ?, ?)"
)
_BUMP_STORY = "UPDATE story SET version = version + 1 WHERE id = ?"


@dataclass(frozen=True, slots=True)
class Draft:
    body: str
    frame: str | None = None  # frame slug
    exact: str | None = None  # the quoted text, for a span annotation
    start: int | None = None
    end: int | None = None


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)[:11].replace("-", "x").replace("_", "y")


def clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InputError("Write something: the note is empty.")
    if len(body) > MAX_BODY_CHARS:
        raise InputError(f"A note may be at most {MAX_BODY_CHARS:,} characters.")
    return body


def create_annotation(
    db: Session | Connection,
    actor: Account,
    *,
    passage: str,
    draft: Draft,
    parent: str | None = None,
) -> AnnotationView:
    """Write a note in the caller's transaction (write_connection or write_session)."""
    conn = db.connection() if isinstance(db, Session) else db
    body = clean_body(draft.body)
    rows = execute(conn, _PASSAGE, (passage,))
    if not rows:
        raise NotFoundError(f"There is no passage {passage!r}.")
    p_id, text, removed_at, story_id, story_slug, outlet_slug, outlet_name, headline = rows[0]
    if removed_at is not None:
        raise InputError("This passage was removed by a correction; annotate its successor.")
    parent_id = parent_public_id = None
    if parent:
        found = execute(conn, _PARENT, (parent,))
        if not found or found[0][1] != p_id:
            raise InputError("The note you reply to is not on this passage.")
        row_id, _passage_id, row_parent, row_deleted = found[0]
        if row_deleted is not None:
            raise InputError("The note you reply to was deleted.")
        parent_id = row_parent or row_id  # threads are one level deep
        parent_public_id = parent
    quote: Quote | None = None
    if draft.exact:
        if parent_id is not None:
            raise InputError("A reply cannot quote the passage; annotate the passage instead.")
        quote = make_quote(text, exact=draft.exact, start=draft.start, end=draft.end)
    frame_id = frame_label = frame_colour = None
    if draft.frame:
        frames = execute(conn, _FRAME, (draft.frame,))
        if not frames:
            raise InputError(f"There is no frame {draft.frame!r} in the codebook.")
        frame_id, frame_label, frame_colour = frames[0]
    now = utcnow()
    stamp = db_time(conn, now)
    public_id = new_public_id()
    new_id = execute(
        conn,
        _INSERT,
        (
            public_id,
            p_id,
            actor.id,
            parent_id,
            frame_id,
            body,
            quote.exact if quote else None,
            quote.prefix if quote else None,
            quote.suffix if quote else None,
            quote.start if quote else None,
            quote.end if quote else None,
            stamp,
            stamp,
        ),
    )[0][0]
    execute(conn, _INSERT_VERSION, (new_id, body, frame_id, actor.id, stamp))
    execute(conn, _BUMP_STORY, (story_id,))
    return AnnotationView(
        new_id,
        public_id,
        p_id,
        passage,
        text,
        actor.id,
        actor.name,
        parent_id,
        body,
        draft.frame if frame_id else None,
        frame_label,
        frame_colour,
        quote,
        1,
        now,
        now,
        None,
        story_slug,
        outlet_slug,
        outlet_name,
        headline,
        parent_public_id=parent_public_id,
    )
