"""Passage lookups every write needs: the live passage by its public id, and its story."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Article, Passage
from app.services.errors import InputError, NotFoundError


def live_passage(session: Session, public_id: str) -> Passage:
    passage = session.exec(select(Passage).where(Passage.public_id == public_id)).first()
    if passage is None:
        raise NotFoundError(f"There is no passage {public_id!r}.")
    if passage.removed_at is not None:
        raise InputError("This passage was removed by a correction; annotate its successor.")
    return passage


def story_id_of_article(session: Session, article_id: int) -> int:
    return session.exec(select(Article.story_id).where(Article.id == article_id)).one()
