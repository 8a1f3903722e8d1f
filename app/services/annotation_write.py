"""Annotations: write rules. Every write is one transaction (the caller's), keeps every
version, checks who may do it, and bumps the story's data version so cached pages change.

Why nothing is ever deleted: an analyst's words are their work; a delete hides the
annotation and records a version, and an admin can read the history and restore it.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Annotation, AnnotationVersion, Frame, Passage, utcnow
from app.services.accounts import Account
from app.services.annotation_create import clean_body
from app.services.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from app.services.passage_lookup import story_id_of_article
from app.services.versions import bump_story_version


def _frame_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    frame_id = session.exec(select(Frame.id).where(Frame.slug == slug)).first()
    if frame_id is None:
        raise InputError(f"There is no frame {slug!r} in the codebook.")
    return frame_id


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


KEEP = "\x00keep"  # edit_annotation(frame=KEEP): leave the frame as it is


def edit_annotation(
    session: Session,
    actor: Account,
    public_id: str,
    *,
    body: str | None,
    frame: str | None,
    expected_version: int | None,
) -> Annotation:
    """body=None keeps the body, frame=KEEP keeps the frame (None removes it): what is
    kept is read here, under the row lock, so a concurrent edit of it is never undone."""
    a = get_for_update(session, public_id)
    _may_change(actor, a)
    if a.deleted_at is not None:
        raise InputError("This annotation was deleted; an admin can restore it.")
    if expected_version is not None and expected_version != a.version:
        raise StaleVersionError(a.version)
    if body is not None:
        a.body = clean_body(body)
    if frame != KEEP:
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
    bump_story_version(session, story_id_of_article(session, article_id))


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
