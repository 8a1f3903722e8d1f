"""Read-only JSON: stories, passages, frames. Errors are {"detail": ...} with a 4xx."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from app import urls
from app.deps import ConnDep
from app.schemas import (
    AppliedFrameOut,
    ArticleOut,
    ArticleWithPassages,
    FrameOut,
    PassageDetail,
    PassageOut,
    StoryDetail,
    StorySummary,
)
from app.services.frames_read import FrameInfo, editorial_frames_of, list_frames
from app.services.passage_read import get_applied_frames, get_neighbours, get_passage
from app.services.story_read import (
    ArticleRow,
    get_story_row,
    list_articles,
    list_stories,
    load_passages,
)

router = APIRouter(prefix="/api", tags=["read"])


def _article(a: ArticleRow) -> ArticleOut:
    return ArticleOut(
        outlet=a.outlet_slug,
        outlet_name=a.outlet_name,
        style_label=a.style_label,
        headline=a.headline,
        byline=a.byline,
        published=a.published,
    )


def _frame(f: FrameInfo) -> FrameOut:
    return FrameOut(
        slug=f.slug,
        label=f.label,
        description=f.description,
        colour=f.colour,
        dimension=f.dimension_slug,
        dimension_label=f.dimension_label,
        story=f.story_slug,
        url=urls.frame(f.slug),
    )


@router.get("/stories", response_model=list[StorySummary])
def api_stories(conn: ConnDep) -> list[StorySummary]:
    return [
        StorySummary(
            slug=s.slug,
            title=s.title,
            summary=s.summary,
            event_date=s.event_date,
            url=urls.story(s.slug),
            articles=[_article(a) for a in articles],
        )
        for s, articles in list_stories(conn)
    ]


@router.get("/stories/{story}", response_model=StoryDetail)
def api_story(story: str, conn: ConnDep) -> StoryDetail:
    row = get_story_row(conn, story)
    if row is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    articles = list_articles(conn, [row.id])[row.id]
    passages = load_passages(conn, [a.id for a in articles])
    frames = list_frames(conn)
    slugs = {f.id: f.slug for f in frames}
    tags = editorial_frames_of(conn, [p.id for ps in passages.values() for p in ps])
    return StoryDetail(
        slug=row.slug,
        title=row.title,
        summary=row.summary,
        event_date=row.event_date,
        url=urls.story(row.slug),
        articles=[
            ArticleWithPassages(
                **_article(a).model_dump(),
                passages=[
                    PassageOut(
                        id=p.public_id,
                        kind=p.kind,
                        position=p.position,
                        text=p.text,
                        credit=p.credit,
                        alt=p.alt,
                        url=urls.passage(p.public_id),
                        frames=[slugs[fid] for fid in tags.get(p.id, ())],
                    )
                    for p in passages[a.id]
                ],
            )
            for a in articles
        ],
        frames=[_frame(f) for f in frames if f.story_slug in (None, row.slug)],
    )


@router.get("/passages/{passage}", response_model=PassageDetail)
def api_passage(passage: str, conn: ConnDep) -> PassageDetail:
    p = get_passage(conn, passage)
    if p is None:
        raise HTTPException(404, f"There is no passage {passage!r}.")
    before, after = get_neighbours(conn, p)
    return PassageDetail(
        id=p.public_id,
        kind=p.kind,
        position=p.position,
        text=p.text,
        credit=p.credit,
        alt=p.alt,
        removed=p.removed_at is not None,
        successor=p.successor_public_id,
        story=p.story_slug,
        story_title=p.story_title,
        outlet=p.outlet_slug,
        outlet_name=p.outlet_name,
        headline=p.headline,
        frames=[
            AppliedFrameOut(slug=a.frame.slug, label=a.frame.label, reason=a.reason)
            for a in get_applied_frames(conn, p.id)
        ],
        before=before.public_id if before else None,
        after=after.public_id if after else None,
        url=urls.passage(p.public_id),
        story_url=urls.passage_in_story(p.story_slug, p.public_id),
    )


@router.get("/frames", response_model=list[FrameOut])
def api_frames(conn: ConnDep) -> list[FrameOut]:
    return [_frame(f) for f in list_frames(conn)]
