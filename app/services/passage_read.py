"""One passage in context, for its permalink: the passages around it, its article, frames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import TagSource
from app.services.frames_read import FrameInfo, frames_query
from app.tables import article_t, frame_t, outlet_t, passage_frame_t, passage_t, story_t


@dataclass(frozen=True, slots=True)
class PassageContext:
    id: int
    public_id: str
    kind: str
    position: int
    text: str
    credit: str | None
    alt: str | None
    removed_at: dt.datetime | None
    successor_public_id: str | None
    article_id: int
    headline: str
    byline: str
    published: dt.date | None
    outlet_slug: str
    outlet_name: str
    story_slug: str
    story_title: str
    story_version: int
    story_id: int


@dataclass(frozen=True, slots=True)
class Neighbour:
    public_id: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class AppliedFrame:
    frame: FrameInfo
    reason: str


def get_passage(conn: Connection, public_id: str) -> PassageContext | None:
    successor = passage_t.alias("successor")
    row = conn.execute(
        select(
            passage_t.c.id,
            passage_t.c.public_id,
            passage_t.c.kind,
            passage_t.c.position,
            passage_t.c.text,
            passage_t.c.credit,
            passage_t.c.alt,
            passage_t.c.removed_at,
            successor.c.public_id,
            article_t.c.id,
            article_t.c.headline,
            article_t.c.byline,
            article_t.c.published,
            outlet_t.c.slug,
            outlet_t.c.name,
            story_t.c.slug,
            story_t.c.title,
            story_t.c.version,
            story_t.c.id,
        )
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
        .join(story_t, story_t.c.id == article_t.c.story_id)
        .outerjoin(successor, successor.c.id == passage_t.c.successor_id)
        .where(passage_t.c.public_id == public_id)
    ).first()
    return PassageContext(*tuple(row)) if row else None


def get_neighbours(
    conn: Connection, p: PassageContext
) -> tuple[Neighbour | None, Neighbour | None]:
    """The live passages just before and after, in the same article."""
    cols = (passage_t.c.public_id, passage_t.c.kind, passage_t.c.text)
    live = (passage_t.c.article_id == p.article_id) & passage_t.c.removed_at.is_(None)
    before = conn.execute(
        select(*cols)
        .where(live, passage_t.c.position < p.position)
        .order_by(passage_t.c.position.desc())
        .limit(1)
    ).first()
    after = conn.execute(
        select(*cols)
        .where(live, passage_t.c.position > p.position)
        .order_by(passage_t.c.position)
        .limit(1)
    ).first()
    return (Neighbour(*before) if before else None, Neighbour(*after) if after else None)


def get_applied_frames(conn: Connection, passage_id: int) -> list[AppliedFrame]:
    rows = conn.execute(
        frames_query()
        .add_columns(passage_frame_t.c.reason)
        .join(passage_frame_t, passage_frame_t.c.frame_id == frame_t.c.id)
        .where(
            passage_frame_t.c.passage_id == passage_id,
            passage_frame_t.c.source == TagSource.editorial,
        )
    ).all()
    return [AppliedFrame(FrameInfo(*row[:-1]), row[-1]) for row in rows]
