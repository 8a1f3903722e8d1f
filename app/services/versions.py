"""A story's data version: the key every cache of its pages is checked against.

It lives in the database, so several servers agree the moment a change is committed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from app.models import Story


def bump_story_version(session: Session, story_id: int) -> None:
    session.execute(
        update(Story).where(Story.id == story_id).values(version=Story.version + 1)  # type: ignore[arg-type]
    )
