"""The passages that carry a frame, grouped by story and outlet, for /frames/{frame}."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import TagSource
from app.services.frames_read import editorial_frames_of, list_frames
from app.tables import article_t, outlet_t, passage_frame_t, passage_t, story_t


@dataclass(slots=True)
class FramedPassage:
    id: int
    public_id: str
    kind: str
    text: str
    reason: str
    frame_slugs: str = ""  # every editorial frame of the passage, space-separated


@dataclass(slots=True)
class OutletGroup:
    story_slug: str
    story_title: str
    outlet_slug: str
    outlet_name: str
    headline: str
    passages: list[FramedPassage] = field(default_factory=list)


def passages_with_frame(conn: Connection, frame_id: int) -> list[OutletGroup]:
    rows = conn.execute(
        select(
            story_t.c.slug,
            story_t.c.title,
            outlet_t.c.slug,
            outlet_t.c.name,
            article_t.c.headline,
            passage_t.c.id,
            passage_t.c.public_id,
            passage_t.c.kind,
            passage_t.c.text,
            passage_frame_t.c.reason,
        )
        .join(passage_t, passage_t.c.id == passage_frame_t.c.passage_id)
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
        .join(story_t, story_t.c.id == article_t.c.story_id)
        .where(
            passage_frame_t.c.frame_id == frame_id,
            passage_frame_t.c.source == TagSource.editorial,
            passage_t.c.removed_at.is_(None),
        )
        .order_by(
            story_t.c.event_date.desc(),
            story_t.c.slug,
            article_t.c.published.is_(None),
            article_t.c.published,
            article_t.c.id,
            passage_t.c.position,
        )
    )
    groups: dict[tuple[str, str], OutletGroup] = {}
    for s_slug, s_title, o_slug, o_name, headline, id_, pid, kind, text, reason in rows:
        group = groups.get((s_slug, o_slug))
        if group is None:
            group = groups[(s_slug, o_slug)] = OutletGroup(
                s_slug, s_title, o_slug, o_name, headline
            )
        group.passages.append(FramedPassage(id_, pid, kind, text, reason))
    passages = [p for g in groups.values() for p in g.passages]
    slugs = {f.id: f.slug for f in list_frames(conn)}
    tags = editorial_frames_of(conn, [p.id for p in passages])
    for p in passages:
        p.frame_slugs = " ".join(slugs[fid] for fid in tags.get(p.id, ()))
    return list(groups.values())
