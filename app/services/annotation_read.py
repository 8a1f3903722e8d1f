"""Reading annotations for pages and the API: lean Core selects, threaded, anchored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from app.services.anchoring import Quote, anchor
from app.services.markdown import render_markdown
from app.tables import (
    annotation_t,
    article_t,
    frame_t,
    outlet_t,
    passage_t,
    story_t,
    user_t,
)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(slots=True)
class AnnotationView:
    id: int
    public_id: str
    passage_id: int
    passage_public_id: str
    passage_text: str
    author_id: int
    author: str
    parent_id: int | None
    body: str
    frame_slug: str | None
    frame_label: str | None
    frame_colour: str | None
    quote: Quote | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    story_slug: str
    outlet_slug: str
    outlet_name: str
    headline: str
    replies: list[AnnotationView] = field(default_factory=list)
    parent_public_id: str | None = None

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def anchored(self) -> tuple[int, int] | None:
        return anchor(self.passage_text, self.quote) if self.quote else None

    @property
    def is_orphan(self) -> bool:
        return self.quote is not None and self.anchored is None

    @property
    def etag(self) -> str:
        return f'"{self.public_id}.{self.version}"'

    @property
    def edited(self) -> bool:
        return self.version > 1 and self.updated_at != self.created_at


_COLUMNS = (
    annotation_t.c.id,
    annotation_t.c.public_id,
    annotation_t.c.passage_id,
    passage_t.c.public_id,
    passage_t.c.text,
    annotation_t.c.author_id,
    user_t.c.name,
    annotation_t.c.parent_id,
    annotation_t.c.body,
    frame_t.c.slug,
    frame_t.c.label,
    frame_t.c.colour,
    annotation_t.c.quote_exact,
    annotation_t.c.quote_prefix,
    annotation_t.c.quote_suffix,
    annotation_t.c.quote_start,
    annotation_t.c.quote_end,
    annotation_t.c.version,
    annotation_t.c.created_at,
    annotation_t.c.updated_at,
    annotation_t.c.deleted_at,
    story_t.c.slug,
    outlet_t.c.slug,
    outlet_t.c.name,
    article_t.c.headline,
)


def _base() -> Any:
    return (
        select(*_COLUMNS)
        .join(passage_t, passage_t.c.id == annotation_t.c.passage_id)
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
        .join(story_t, story_t.c.id == article_t.c.story_id)
        .join(user_t, user_t.c.id == annotation_t.c.author_id)
        .outerjoin(frame_t, frame_t.c.id == annotation_t.c.frame_id)
    )


def _view(row: Any) -> AnnotationView:
    """A row of _COLUMNS: 12 plain fields, the 5 quote columns, then the rest."""
    exact, prefix, suffix, start, end = row[12:17]
    quote = Quote(exact, prefix or "", suffix or "", start or 0, end or 0) if exact else None
    version, created, updated, deleted = row[17:21]
    fields: tuple[Any, ...] = (
        *row[:12],
        quote,
        version,
        as_utc(created),
        as_utc(updated),
        as_utc(deleted) if deleted else None,
        *row[21:],
    )
    return AnnotationView(*fields)


def _thread(views: list[AnnotationView]) -> list[AnnotationView]:
    """Top-level annotations, each with its replies, oldest first. A deleted annotation
    with live replies stays as a placeholder so the thread still reads."""
    by_id = {v.id: v for v in views}
    roots: list[AnnotationView] = []
    for v in views:
        parent = by_id.get(v.parent_id) if v.parent_id else None
        if parent is not None:
            v.parent_public_id = parent.public_id
            if v.deleted_at is None:
                parent.replies.append(v)
        elif v.parent_id is None:
            roots.append(v)
    return [r for r in roots if r.deleted_at is None or r.replies]


def for_passages(conn: Connection, passage_ids: list[int]) -> dict[int, list[AnnotationView]]:
    if not passage_ids:
        return {}
    rows = conn.execute(
        _base()
        .where(annotation_t.c.passage_id.in_(passage_ids))
        .order_by(annotation_t.c.created_at, annotation_t.c.id)
    )
    grouped: dict[int, list[AnnotationView]] = {}
    for row in rows:
        v = _view(row)
        grouped.setdefault(v.passage_id, []).append(v)
    return {pid: _thread(vs) for pid, vs in grouped.items()}


def get(conn: Connection, public_id: str) -> AnnotationView | None:
    row = conn.execute(_base().where(annotation_t.c.public_id == public_id)).first()
    if row is None:
        return None
    view = _view(row)
    replies = conn.execute(
        _base()
        .where(annotation_t.c.parent_id == view.id, annotation_t.c.deleted_at.is_(None))
        .order_by(annotation_t.c.created_at, annotation_t.c.id)
    )
    view.replies = [_view(r) for r in replies]
    if view.parent_id:
        view.parent_public_id = conn.execute(
            select(annotation_t.c.public_id).where(annotation_t.c.id == view.parent_id)
        ).scalar()
    return view


def listing(
    conn: Connection,
    *,
    story: str | None = None,
    passage: str | None = None,
    author: str | None = None,
    limit: int = 100,
    offset: int = 0,
    include_deleted: bool = False,
    oldest_first: bool = False,
) -> tuple[list[AnnotationView], int]:
    """A flat, filtered page of annotations (newest first) and the total that match."""
    query = _base()
    count = (
        select(func.count())
        .select_from(annotation_t)
        .join(passage_t, passage_t.c.id == annotation_t.c.passage_id)
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .join(story_t, story_t.c.id == article_t.c.story_id)
        .join(user_t, user_t.c.id == annotation_t.c.author_id)
    )
    conditions = []
    if story:
        conditions.append(story_t.c.slug == story)
    if passage:
        conditions.append(passage_t.c.public_id == passage)
    if author:
        conditions.append(user_t.c.name == author)
    if not include_deleted:
        conditions.append(annotation_t.c.deleted_at.is_(None))
    for c in conditions:
        query, count = query.where(c), count.where(c)
    rows = conn.execute(
        query.order_by(annotation_t.c.created_at.desc(), annotation_t.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    views = [_view(r) for r in rows]
    parents = {v.parent_id for v in views if v.parent_id}
    if parents:
        ids = dict(
            conn.execute(
                select(annotation_t.c.id, annotation_t.c.public_id).where(
                    annotation_t.c.id.in_(parents)
                )
            ).all()
        )
        for v in views:
            v.parent_public_id = ids.get(v.parent_id) if v.parent_id else None
    return views, int(conn.execute(count).scalar_one())
