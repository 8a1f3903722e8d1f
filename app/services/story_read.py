"""Reading stories: lean Core queries, one per table, and the shapes the story page uses.

Why not the ORM here: this is the hottest path, and an ORM load of 2 x 40 passages costs
about ten times a Core select of the columns the page needs (shared/performance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import PassageKind
from app.services.analyst_tags import TagSummary
from app.services.anchoring import segments
from app.services.annotation_read import AnnotationView
from app.services.frames_read import FrameInfo
from app.tables import article_t, outlet_t, passage_t, story_t

BODY_KINDS = (PassageKind.paragraph, PassageKind.caption)


@dataclass(frozen=True, slots=True)
class StoryRow:
    id: int
    slug: str
    title: str
    summary: str
    event_date: dt.date | None
    version: int


@dataclass(slots=True)
class ArticleRow:
    id: int
    outlet_slug: str
    outlet_name: str
    style_label: str
    headline: str
    byline: str
    published: dt.date | None


@dataclass(slots=True)
class PassageRow:
    id: int
    public_id: str
    kind: str
    position: int
    text: str
    credit: str | None
    alt: str | None
    frames: list[FrameInfo] = field(default_factory=list)
    notes: list[AnnotationView] = field(default_factory=list)
    tags: TagSummary | None = None
    segments: list[tuple[str, list[str]]] | None = None  # the text cut at quoted spans

    @property
    def frame_slugs(self) -> str:
        return " ".join(f.slug for f in self.frames)

    def has_frame(self, slug: str) -> bool:
        return any(f.slug == slug for f in self.frames)


@dataclass(slots=True)
class ProfileSegment:
    frame: FrameInfo
    count: int
    share: float  # of the outlet's body passages that carry the frame
    x: float  # left edge in the stacked bar, 0..100
    width: float

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(slots=True)
class Column:
    article: ArticleRow
    passages: list[PassageRow]
    profile: list[ProfileSegment]
    body_count: int

    def count_with(self, slug: str) -> int:
        return sum(1 for p in self.passages if p.has_frame(slug))


@dataclass(slots=True)
class StoryView:
    story: StoryRow
    articles: list[ArticleRow]  # every outlet's article, in the order published
    left: Column | None
    right: Column | None
    frames: list[FrameInfo]  # the legend: the story's frames in codebook order


def get_story_row(conn: Connection, slug: str) -> StoryRow | None:
    row = conn.execute(
        select(
            story_t.c.id,
            story_t.c.slug,
            story_t.c.title,
            story_t.c.summary,
            story_t.c.event_date,
            story_t.c.version,
        ).where(story_t.c.slug == slug)
    ).first()
    return StoryRow(*row) if row else None


def list_articles(conn: Connection, story_ids: list[int]) -> dict[int, list[ArticleRow]]:
    rows = conn.execute(
        select(
            article_t.c.story_id,
            article_t.c.id,
            outlet_t.c.slug,
            outlet_t.c.name,
            outlet_t.c.style_label,
            article_t.c.headline,
            article_t.c.byline,
            article_t.c.published,
        )
        .join(outlet_t, outlet_t.c.id == article_t.c.outlet_id)
        .where(article_t.c.story_id.in_(story_ids))
        .order_by(
            article_t.c.story_id,
            article_t.c.published.is_(None),
            article_t.c.published,
            article_t.c.id,
        )
    )
    out: dict[int, list[ArticleRow]] = {sid: [] for sid in story_ids}
    for story_id, *rest in rows:
        out[story_id].append(ArticleRow(*rest))
    return out


def list_stories(conn: Connection) -> list[tuple[StoryRow, list[ArticleRow]]]:
    stories = [
        StoryRow(*r)
        for r in conn.execute(
            select(
                story_t.c.id,
                story_t.c.slug,
                story_t.c.title,
                story_t.c.summary,
                story_t.c.event_date,
                story_t.c.version,
            ).order_by(story_t.c.event_date.is_(None), story_t.c.event_date.desc(), story_t.c.slug)
        )
    ]
    articles = list_articles(conn, [s.id for s in stories])
    return [(s, articles[s.id]) for s in stories]


def load_passages(conn: Connection, article_ids: list[int]) -> dict[int, list[PassageRow]]:
    rows = conn.execute(
        select(
            passage_t.c.article_id,
            passage_t.c.id,
            passage_t.c.public_id,
            passage_t.c.kind,
            passage_t.c.position,
            passage_t.c.text,
            passage_t.c.credit,
            passage_t.c.alt,
        )
        .where(passage_t.c.article_id.in_(article_ids), passage_t.c.removed_at.is_(None))
        .order_by(passage_t.c.article_id, passage_t.c.position)
    )
    out: dict[int, list[PassageRow]] = {aid: [] for aid in article_ids}
    for article_id, *rest in rows:
        out[article_id].append(PassageRow(*rest))
    return out


def pick_pair(
    articles: list[ArticleRow], left: str | None, right: str | None
) -> tuple[ArticleRow | None, ArticleRow | None]:
    """The outlet pair to show: as asked, else the first two published (unknown -> None)."""
    by_slug = {a.outlet_slug: a for a in articles}
    default = [a.outlet_slug for a in articles]
    left = left or next((s for s in default if s != right), None)
    right = right or next((s for s in default if s != left), None)
    return by_slug.get(left or ""), by_slug.get(right or "")


def make_column(article: ArticleRow, passages: list[PassageRow], frames: list[FrameInfo]) -> Column:
    body = [p for p in passages if p.kind in BODY_KINDS]
    counts: dict[int, int] = {}
    for p in body:
        for f in p.frames:
            counts[f.id] = counts.get(f.id, 0) + 1
    total = sum(counts.values())
    profile: list[ProfileSegment] = []
    x = 0.0
    for f in frames:
        n = counts.get(f.id, 0)
        if not n:
            continue
        width = 100.0 * n / total
        profile.append(ProfileSegment(f, n, n / len(body), round(x, 3), round(width, 3)))
        x += width
    return Column(article, passages, profile, len(body))


def attach_notes(p: PassageRow, notes: list[AnnotationView]) -> None:
    """Give the passage its notes, and cut its text where they quote it."""
    p.notes = notes
    spans = [
        (*where, a.public_id)
        for a in notes
        if a.quote and a.deleted_at is None and (where := a.anchored) is not None
    ]
    p.segments = segments(p.text, spans) if spans else None
