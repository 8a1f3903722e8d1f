"""Creating a note: the hottest write, as one Core transaction of four statements.

Why not the ORM: a note is written by many analysts at once; unit-of-work flushes, an
ORM-enabled UPDATE and a read-back after commit cost ~10x the four statements a note
needs (tests/bench/bench_writes.py). The note comes back as the AnnotationView readers
get, built from what the transaction already has.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.models import utcnow
from app.services.accounts import Account
from app.services.anchoring import Quote, make_quote
from app.services.annotation_read import AnnotationView
from app.services.errors import InputError, NotFoundError
from app.services.markdown import MAX_BODY_CHARS
from app.tables import (
    annotation_t,
    annotation_version_t,
    article_t,
    frame_t,
    outlet_t,
    passage_t,
    story_t,
)

PUBLIC_ID_BYTES = 8

_PASSAGE = (
    select(
        passage_t.c.id,
        passage_t.c.text,
        passage_t.c.removed_at,
        article_t.c.story_id,
        story_t.c.slug,
        outlet_t.c.slug,
        outlet_t.c.name,
        article_t.c.headline,
    )
    .join(article_t, article_t.c.id == passage_t.c.article_id)
    .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
    .join(story_t, story_t.c.id == article_t.c.story_id)
)
_PARENT = select(
    annotation_t.c.id,
    annotation_t.c.passage_id,
    annotation_t.c.parent_id,
    annotation_t.c.deleted_at,
)
_FRAME = select(frame_t.c.id, frame_t.c.label, frame_t.c.colour)


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
    found = conn.execute(_PASSAGE.where(passage_t.c.public_id == passage)).first()
    if found is None:
        raise NotFoundError(f"There is no passage {passage!r}.")
    p_id, text, removed_at, story_id, story_slug, outlet_slug, outlet_name, headline = found
    if removed_at is not None:
        raise InputError("This passage was removed by a correction; annotate its successor.")
    parent_id = parent_public_id = None
    if parent:
        row = conn.execute(_PARENT.where(annotation_t.c.public_id == parent)).first()
        if row is None or row.passage_id != p_id:
            raise InputError("The note you reply to is not on this passage.")
        if row.deleted_at is not None:
            raise InputError("The note you reply to was deleted.")
        parent_id = row.parent_id or row.id  # threads are one level deep
        parent_public_id = parent
    quote: Quote | None = None
    if draft.exact:
        if parent_id is not None:
            raise InputError("A reply cannot quote the passage; annotate the passage instead.")
        quote = make_quote(text, exact=draft.exact, start=draft.start, end=draft.end)
    frame = None
    if draft.frame:
        frame = conn.execute(_FRAME.where(frame_t.c.slug == draft.frame)).first()
        if frame is None:
            raise InputError(f"There is no frame {draft.frame!r} in the codebook.")
    now = utcnow()
    public_id = new_public_id()
    new_id = conn.execute(
        insert(annotation_t)
        .values(
            public_id=public_id,
            passage_id=p_id,
            author_id=actor.id,
            parent_id=parent_id,
            frame_id=frame.id if frame else None,
            body=body,
            quote_exact=quote.exact if quote else None,
            quote_prefix=quote.prefix if quote else None,
            quote_suffix=quote.suffix if quote else None,
            quote_start=quote.start if quote else None,
            quote_end=quote.end if quote else None,
            version=1,
            created_at=now,
            updated_at=now,
        )
        .returning(annotation_t.c.id)
    ).scalar_one()
    conn.execute(
        insert(annotation_version_t).values(
            annotation_id=new_id,
            version=1,
            action="created",
            body=body,
            frame_id=frame.id if frame else None,
            editor_id=actor.id,
            at=now,
        )
    )
    conn.execute(
        update(story_t).where(story_t.c.id == story_id).values(version=story_t.c.version + 1)
    )
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
        draft.frame if frame else None,
        frame.label if frame else None,
        frame.colour if frame else None,
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
