"""The side-by-side story page. The URL is the state: ?left=&right= picks the pair and
?frame= highlights a frame; htmx asks for the `framed` block only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app import urls
from app.deps import is_htmx, page_context
from app.page_cache import STORY_VERSION_SQL
from app.rawdb import fetch_one
from app.routes.cached import cached_page
from app.services.story_page import load_story_page
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
        chip = env.get_template("_macros.html").module.frame_chip
        chips = {
            f.slug: chip(f, urls.story(story, left=link_pair[0], right=link_pair[1], frame=f.slug))
            for f in view.frames
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
            ctx={
                **ctx,
                "frames": view.frames,
                "frames_by_id": {f.id: f for f in view.frames},
                "next_url": str(request.url.path)
                + (f"?{request.url.query}" if request.url.query else ""),
            },
            **ctx,
            swap_url=urls.story(story, left=pair[1], right=pair[0], frame=frame),
        )
        return 200, html

    return await cached_page(request, "story", story, version, viewer, render_page)
