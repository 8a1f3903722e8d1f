"""Analysts' own frame tags, kept apart from the editorial ones (source = analyst, one row
per analyst, passage and frame), and how they compare with the editorial tagging."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from app.models import Frame, PassageFrame, TagSource
from app.services.accounts import Account
from app.services.errors import InputError
from app.services.passage_lookup import live_passage, story_id_of_article
from app.services.versions import bump_story_version
from app.tables import passage_frame_t


@dataclass(slots=True)
class TagSummary:
    """For one passage: how many analysts tagged it, how many applied each frame, and the
    frames the current analyst applied."""

    analysts: set[str] = field(default_factory=set)
    per_frame: dict[int, int] = field(default_factory=dict)
    mine: set[int] = field(default_factory=set)

    def agree(self, editorial: list[int]) -> int:
        """Analysts whose tags include every editorial frame of the passage."""
        return len(self.analysts) and min((self.per_frame.get(f, 0) for f in editorial), default=0)

    def others(self, editorial: list[int]) -> dict[int, int]:
        return {f: n for f, n in self.per_frame.items() if f not in editorial}


def set_tag(session: Session, actor: Account, *, passage: str, frame: str, on: bool) -> bool:
    """Add (on) or remove the actor's tag; returns whether anything changed."""
    p = live_passage(session, passage)
    assert p.id is not None
    frame_id = session.exec(sm_select(Frame.id).where(Frame.slug == frame)).first()
    if frame_id is None:
        raise InputError(f"There is no frame {frame!r} in the codebook.")
    existing = session.exec(
        sm_select(PassageFrame).where(
            PassageFrame.passage_id == p.id,
            PassageFrame.frame_id == frame_id,
            PassageFrame.source == TagSource.analyst,
            col(PassageFrame.user_id) == actor.id,
        )
    ).first()
    if on and existing is None:
        session.add(
            PassageFrame(
                passage_id=p.id,
                frame_id=frame_id,
                source=TagSource.analyst,
                tagger=actor.name,
                user_id=actor.id,
            )
        )
    elif not on and existing is not None:
        session.delete(existing)
    else:
        return False
    session.flush()
    bump_story_version(session, story_id_of_article(session, p.article_id))
    return True


def summaries(
    conn: Connection, passage_ids: list[int], *, me: int | None = None
) -> dict[int, TagSummary]:
    if not passage_ids:
        return {}
    rows = conn.execute(
        select(
            passage_frame_t.c.passage_id,
            passage_frame_t.c.frame_id,
            passage_frame_t.c.tagger,
            passage_frame_t.c.user_id,
        ).where(
            passage_frame_t.c.passage_id.in_(passage_ids),
            passage_frame_t.c.source == TagSource.analyst,
        )
    )
    out: dict[int, TagSummary] = {}
    for passage_id, frame_id, tagger, user_id in rows:
        s = out.setdefault(passage_id, TagSummary())
        s.analysts.add(tagger)
        s.per_frame[frame_id] = s.per_frame.get(frame_id, 0) + 1
        if me is not None and user_id == me:
            s.mine.add(frame_id)
    return out
