"""The frame codebook as readers see it: frames with their dimension, and who uses them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from app.models import TagSource
from app.tables import (
    article_t,
    dimension_t,
    frame_t,
    outlet_t,
    passage_frame_t,
    passage_t,
    story_t,
)


@dataclass(frozen=True, slots=True)
class FrameInfo:
    id: int
    slug: str
    label: str
    description: str
    colour: str
    dimension_slug: str
    dimension_label: str
    story_slug: str | None


_FRAME_COLUMNS = (
    frame_t.c.id,
    frame_t.c.slug,
    frame_t.c.label,
    frame_t.c.description,
    frame_t.c.colour,
    dimension_t.c.slug,
    dimension_t.c.label,
    story_t.c.slug,
)


def frames_query() -> Any:
    return (
        select(*_FRAME_COLUMNS)
        .join(dimension_t, dimension_t.c.id == frame_t.c.dimension_id)
        .outerjoin(story_t, story_t.c.id == frame_t.c.story_id)
        .order_by(story_t.c.slug, frame_t.c.position, frame_t.c.slug)
    )


def list_frames(conn: Connection, *, story_id: int | None = None) -> list[FrameInfo]:
    query = frames_query()
    if story_id is not None:
        query = query.where(frame_t.c.story_id == story_id)
    return [FrameInfo(*row) for row in conn.execute(query)]


def get_frame(conn: Connection, slug: str) -> FrameInfo | None:
    row = conn.execute(frames_query().where(frame_t.c.slug == slug)).first()
    return FrameInfo(*row) if row else None


def list_dimensions(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(dimension_t.c.slug, dimension_t.c.label, dimension_t.c.description).order_by(
            dimension_t.c.position
        )
    )
    return [dict(r._mapping) for r in rows]


def frame_usage(conn: Connection) -> dict[int, dict[str, int]]:
    """frame id -> outlet slug -> number of live passages with that editorial frame."""
    rows = conn.execute(
        select(passage_frame_t.c.frame_id, outlet_t.c.slug, func.count())
        .join(passage_t, passage_t.c.id == passage_frame_t.c.passage_id)
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
        .where(passage_frame_t.c.source == TagSource.editorial, passage_t.c.removed_at.is_(None))
        .group_by(passage_frame_t.c.frame_id, outlet_t.c.slug)
    )
    usage: dict[int, dict[str, int]] = {}
    for frame_id, outlet, n in rows:
        usage.setdefault(frame_id, {})[outlet] = n
    return usage


def editorial_frames_of(conn: Connection, passage_ids: Iterable[int]) -> dict[int, list[int]]:
    """passage id -> frame ids applied by the editorial codebook, in codebook order."""
    ids = list(passage_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(passage_frame_t.c.passage_id, passage_frame_t.c.frame_id)
        .join(frame_t, frame_t.c.id == passage_frame_t.c.frame_id)
        .where(
            and_(
                passage_frame_t.c.passage_id.in_(ids),
                passage_frame_t.c.source == TagSource.editorial,
            )
        )
        .order_by(passage_frame_t.c.passage_id, frame_t.c.position)
    )
    out: dict[int, list[int]] = {}
    for passage_id, frame_id in rows:
        out.setdefault(passage_id, []).append(frame_id)
    return out
