"""Annotations: write rules. Every write is one transaction (the caller's), keeps every
version, checks who may do it, and bumps the story's data version so cached pages change.

Why nothing is ever deleted: an analyst's words are their work; a delete hides the
annotation and records a version, and an admin can read the history and restore it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Annotation, AnnotationVersion, Article, Frame, Passage, utcnow
from app.services.accounts import Account
from app.services.anchoring import Quote, make_quote
from app.services.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from app.services.markdown import MAX_BODY_CHARS
from app.services.versions import bump_story_version

PUBLIC_ID_BYTES = 8


@dataclass(frozen=True, slots=True)
class Draft:
    body: str
    frame: str | None = None  # frame slug
    exact: str | None = None  # the quoted text, for a span annotation
    start: int | None = None
    end: int | None = None


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)[:11].replace("-", "x").replace("_", "y")


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InputError("Write something: the note is empty.")
    if len(body) > MAX_BODY_CHARS:
        raise InputError(f"A note may be at most {MAX_BODY_CHARS:,} characters.")
    return body


def _frame_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    frame_id = session.exec(select(Frame.id).where(Frame.slug == slug)).first()
    if frame_id is None:
        raise InputError(f"There is no frame {slug!r} in the codebook.")
    return frame_id


def _live_passage(session: Session, public_id: str) -> Passage:
    passage = session.exec(select(Passage).where(Passage.public_id == public_id)).first()
    if passage is None:
        raise NotFoundError(f"There is no passage {public_id!r}.")
    if passage.removed_at is not None:
        raise InputError("This passage was removed by a correction; annotate its successor.")
    return passage


def _story_id(session: Session, article_id: int) -> int:
    story_id = session.exec(select(Article.story_id).where(Article.id == article_id)).one()
    return story_id


def get_for_update(session: Session, public_id: str) -> Annotation:
    annotation = session.exec(
        select(Annotation).where(Annotation.public_id == public_id).with_for_update()
    ).first()
    if annotation is None:
        raise NotFoundError(f"There is no annotation {public_id!r}.")
    return annotation


def _record(session: Session, a: Annotation, action: str, editor: Account) -> None:
    assert a.id is not None
    session.add(
        AnnotationVersion(
            annotation_id=a.id,
            version=a.version,
            action=action,
            body=a.body,
            frame_id=a.frame_id,
            editor_id=editor.id,
            at=a.updated_at,
        )
    )


def _may_change(actor: Account, a: Annotation) -> None:
    if actor.id != a.author_id and not actor.is_admin:
        raise PermissionDeniedError("You can only change your own annotations.")


def create_annotation(
    session: Session, actor: Account, *, passage: str, draft: Draft, parent: str | None = None
) -> Annotation:
    p = _live_passage(session, passage)
    assert p.id is not None
    parent_id = None
    if parent:
        parent_row = session.exec(select(Annotation).where(Annotation.public_id == parent)).first()
        if parent_row is None or parent_row.passage_id != p.id:
            raise InputError("The note you reply to is not on this passage.")
        if parent_row.deleted_at is not None:
            raise InputError("The note you reply to was deleted.")
        parent_id = parent_row.parent_id or parent_row.id  # threads are one level deep
    quote: Quote | None = None
    if draft.exact:
        if parent_id is not None:
            raise InputError("A reply cannot quote the passage; annotate the passage instead.")
        quote = make_quote(p.text, exact=draft.exact, start=draft.start, end=draft.end)
    now = utcnow()
    a = Annotation(
        public_id=new_public_id(),
        passage_id=p.id,
        author_id=actor.id,
        parent_id=parent_id,
        frame_id=_frame_id(session, draft.frame),
        body=_clean_body(draft.body),
        quote_exact=quote.exact if quote else None,
        quote_prefix=quote.prefix if quote else None,
        quote_suffix=quote.suffix if quote else None,
        quote_start=quote.start if quote else None,
        quote_end=quote.end if quote else None,
        created_at=now,
        updated_at=now,
    )
    session.add(a)
    session.flush()
    _record(session, a, "created", actor)
    bump_story_version(session, _story_id(session, p.article_id))
    return a


def edit_annotation(
    session: Session,
    actor: Account,
    public_id: str,
    *,
    body: str,
    frame: str | None,
    expected_version: int | None,
) -> Annotation:
    a = get_for_update(session, public_id)
    _may_change(actor, a)
    if a.deleted_at is not None:
        raise InputError("This annotation was deleted; an admin can restore it.")
    if expected_version is not None and expected_version != a.version:
        raise StaleVersionError(a.version)
    a.body = _clean_body(body)
    a.frame_id = _frame_id(session, frame)
    a.version += 1
    a.updated_at = utcnow()
    _record(session, a, "edited", actor)
    _bump_for(session, a)
    return a


def delete_annotation(
    session: Session, actor: Account, public_id: str, *, expected_version: int | None = None
) -> Annotation:
    a = get_for_update(session, public_id)
    _may_change(actor, a)
    if expected_version is not None and expected_version != a.version:
        raise StaleVersionError(a.version)
    if a.deleted_at is None:
        a.deleted_at = utcnow()
        a.version += 1
        a.updated_at = a.deleted_at
        _record(session, a, "deleted", actor)
        _bump_for(session, a)
    return a


def restore_annotation(session: Session, actor: Account, public_id: str) -> Annotation:
    if not actor.is_admin:
        raise PermissionDeniedError("Only an admin can restore a deleted annotation.")
    a = get_for_update(session, public_id)
    if a.deleted_at is not None:
        a.deleted_at = None
        a.version += 1
        a.updated_at = utcnow()
        _record(session, a, "restored", actor)
        _bump_for(session, a)
    return a


def _bump_for(session: Session, a: Annotation) -> None:
    article_id = session.exec(select(Passage.article_id).where(Passage.id == a.passage_id)).one()
    bump_story_version(session, _story_id(session, article_id))


def history(session: Session, actor: Account, public_id: str) -> list[AnnotationVersion]:
    a = session.exec(select(Annotation).where(Annotation.public_id == public_id)).first()
    if a is None:
        raise NotFoundError(f"There is no annotation {public_id!r}.")
    if actor.id != a.author_id and not actor.is_admin:
        raise PermissionDeniedError("Only the author and admins can read an annotation's history.")
    return list(
        session.exec(
            select(AnnotationVersion)
            .where(AnnotationVersion.annotation_id == a.id)
            .order_by(col(AnnotationVersion.version))
        )
    )
