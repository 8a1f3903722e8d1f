"""The side-by-side story page. The URL is the state: ?left=&right= picks the pair and
?frame= highlights a frame; htmx asks for the `framed` block only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup

from app import urls
from app.deps import is_htmx, page_context
from app.page_cache import STORY_VERSION_SQL
from app.passage_html import frame_chip, profile_bar, render_passages
from app.rawdb import fetch_one
from app.routes.cached import cached_page
from app.services.story_page import load_story_page
from app.services.story_read import PassageRow
from app.templating import render

router = APIRouter()


@router.get("/stories/{story}", response_class=Response, include_in_schema=False)
async def story_page(
    request: Request,
    story: str,
    left: str | None = None,
    right: str | None = None,
    frame: str | None = None,
) -> Response:
    engine = request.app.state.engine
    known = request.scope.get("state", {}).get("px_page")
    if known is not None:  # the page cache in front has just read it
        version = known[0][2]
    else:
        row = fetch_one(engine, STORY_VERSION_SQL, (story,))
        version = row[0] if row else None
    if version is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    if left and left == right:
        raise HTTPException(400, "Pick two different outlets to compare.")
    fragment = is_htmx(request)
    ctx = page_context(request)
    account = ctx["account"]
    # Readers share one cached page; an analyst's page carries their controls and token.
    viewer = (account.id, ctx["csrf_token"]) if account else None

    def render_page() -> tuple[int, str]:
        view = load_story_page(
            engine, story, left=left, right=right, me=account.id if account else None
        )
        if view is None:
            raise HTTPException(404, f"There is no story {story!r}.")
        for asked in (left, right):
            if asked and asked not in {a.outlet_slug for a in view.articles}:
                known = ", ".join(a.outlet_slug for a in view.articles)
                raise HTTPException(
                    404, f"This story has no account from {asked!r}; it has: {known}."
                )
        selected = next((f for f in view.frames if f.slug == frame), None)
        pair = (
            view.left.article.outlet_slug if view.left else None,
            view.right.article.outlet_slug if view.right else None,
        )
        env = request.app.state.templates
        link_pair = pair if (left or right) else (None, None)  # keep a pair the reader chose
        frame_urls = {
            f.slug: urls.story(story, left=link_pair[0], right=link_pair[1], frame=f.slug)
            for f in view.frames
        }
        chips = {f.slug: frame_chip(f, frame_urls[f.slug]) for f in view.frames}
        full_ctx = {
            **ctx,
            "frames": view.frames,
            "frames_by_id": {f.id: f for f in view.frames},
            "next_url": str(request.url.path)
            + (f"?{request.url.query}" if request.url.query else ""),
        }
        work = env.get_template("_passage.html").module.analyst_work

        def analyst_work(p: PassageRow) -> Markup:
            return work(p, full_ctx) if (account or p.tags or p.notes) else Markup("")

        any_work = account is not None or any(
            p.tags or p.notes for col in (view.left, view.right) if col for p in col.passages
        )

        columns_html = {
            col.article.outlet_slug: render_passages(
                col.passages,
                outlet=col.article.outlet_slug,
                frame=selected,
                chips=chips,
                analyst_work=analyst_work if any_work else None,
            )
            for col in (view.left, view.right)
            if col is not None
        }
        html = render(
            env,
            "stories/show.html",
            block="framed" if fragment else None,
            view=view,
            frame=selected,
            asked_frame=frame,
            pair=pair,
            link_pair=link_pair,
            chips=chips,
            frame_urls=frame_urls,
            profile_bar=profile_bar,
            ctx=full_ctx,
            columns_html=columns_html,
            **ctx,
            swap_url=urls.story(story, left=pair[1], right=pair[0], frame=frame),
        )
        return 200, html

    return await cached_page(request, "story", story, version, viewer, render_page)
