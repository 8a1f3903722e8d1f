"""Loading everything the side-by-side page shows: one plain SELECT per table, on one
pooled DB-API connection (app/rawdb.py), the hottest read path of the app.

Notes and analysts' tags are looked up with a cheap existence check first: most stories
most of the time have none, and their full loaders (Core, threaded, anchored) then cost
nothing.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from app.rawdb import Reader, as_date, placeholders
from app.services import analyst_tags, annotation_read
from app.services.frames_read import FrameInfo
from app.services.story_read import (
    ArticleRow,
    Column,
    PassageRow,
    StoryRow,
    StoryView,
    attach_notes,
    make_column,
    pick_pair,
)

_STORY = "SELECT id, slug, title, summary, event_date, version FROM story WHERE slug = ?"
_ARTICLES = (
    "SELECT a.id, o.slug, o.name, o.style_label, a.headline, a.byline, a.published "
    "FROM article a JOIN outlet o ON o.id = a.outlet_id WHERE a.story_id = ? "
    "ORDER BY a.published IS NULL, a.published, a.id"
)
_FRAMES = (
    "SELECT f.id, f.slug, f.label, f.description, f.colour, d.slug, d.label, s.slug "
    "FROM frame f JOIN dimension d ON d.id = f.dimension_id "
    "LEFT JOIN story s ON s.id = f.story_id WHERE {} ORDER BY f.position, f.slug"
)
_PASSAGES = (
    "SELECT article_id, id, public_id, kind, position, text, credit, alt FROM passage "
    "WHERE article_id IN ({}) AND removed_at IS NULL ORDER BY article_id, position"
)
_TAGS = (
    "SELECT passage_id, frame_id FROM passage_frame "
    "WHERE source = 'editorial' AND passage_id IN ({})"
)
_HAS_ANALYST_WORK = (
    "SELECT EXISTS (SELECT 1 FROM annotation n JOIN passage p ON p.id = n.passage_id "
    "WHERE p.article_id IN ({0})), EXISTS (SELECT 1 FROM passage_frame t "
    "JOIN passage p ON p.id = t.passage_id WHERE p.article_id IN ({0}) "
    "AND t.source = 'analyst')"
)


def load_story_page(
    engine: Engine,
    slug: str,
    *,
    left: str | None = None,
    right: str | None = None,
    me: int | None = None,
) -> StoryView | None:
    with Reader(engine) as q:
        return _load(engine, q, slug, left, right, me)


def _load(
    engine: Engine, q: Reader, slug: str, left: str | None, right: str | None, me: int | None
) -> StoryView | None:
    rows = q(_STORY, (slug,))
    if not rows:
        return None
    sid, s_slug, title, summary, event_date, version = rows[0]
    story = StoryRow(sid, s_slug, title, summary, as_date(event_date), version)
    articles = [
        ArticleRow(aid, o_slug, o_name, style, headline, byline, as_date(published))
        for aid, o_slug, o_name, style, headline, byline, published in q(_ARTICLES, (sid,))
    ]
    frames = [FrameInfo(*r) for r in q(_FRAMES.format("f.story_id = ?"), (sid,))]
    by_id = {f.id: f for f in frames}
    pair = pick_pair(articles, left, right)
    chosen = [a.id for a in pair if a is not None]
    marks = placeholders(len(chosen))
    passages: dict[int, list[PassageRow]] = {aid: [] for aid in chosen}
    index: dict[int, PassageRow] = {}
    if chosen:
        for article_id, *rest in q(_PASSAGES.format(marks), chosen):
            p = PassageRow(*rest)
            passages[article_id].append(p)
            index[p.id] = p
        # codebook order within each passage: frames are few, passages many
        tags = q(_TAGS.format(placeholders(len(index))), list(index))
        foreign = {frame_id for _p, frame_id in tags} - by_id.keys()
        if foreign:  # another story's frames applied here: rare, but shown all the same
            extra = [
                FrameInfo(*r)
                for r in q(
                    _FRAMES.format(f"f.id IN ({placeholders(len(foreign))})"), sorted(foreign)
                )
            ]
            frames += extra
            by_id.update((f.id, f) for f in extra)
        order = {f.id: n for n, f in enumerate(frames)}
        for passage_id, frame_id in sorted(tags, key=lambda r: order.get(r[1], 0)):
            if frame_id in by_id:
                index[passage_id].frames.append(by_id[frame_id])
        _attach_analyst_work(engine, q, chosen, marks, index, me)
    columns: list[Column | None] = [
        make_column(a, passages[a.id], frames) if a is not None else None for a in pair
    ]
    return StoryView(story, articles, columns[0], columns[1], frames)


def _attach_analyst_work(
    engine: Engine,
    q: Reader,
    chosen: list[int],
    marks: str,
    index: dict[int, PassageRow],
    me: int | None,
) -> None:
    ids = list(index)
    has_notes, has_tags = q(_HAS_ANALYST_WORK.format(marks), chosen + chosen)[0]
    if has_notes:
        with engine.connect() as conn:
            for passage_id, notes in annotation_read.for_passages(conn, ids).items():
                attach_notes(index[passage_id], notes)
    if has_tags:
        with engine.connect() as conn:
            for passage_id, summary in analyst_tags.summaries(conn, ids, me=me).items():
                index[passage_id].tags = summary
