"""The side-by-side story page, rendered: the one function the route and the page cache
in front of the app both call, so a reader gets the same bytes whichever renders it."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from markupsafe import Markup

from app import urls
from app.deps import work_context
from app.passage_html import frame_chip, profile_bar, render_passages
from app.services.story_page import load_story_page
from app.services.story_read import PassageRow
from app.templating import render


def render_story_page(
    state: Any,
    *,
    story: str,
    left: str | None,
    right: str | None,
    frame: str | None,
    fragment: bool,
    page_url: str,
    ctx: dict[str, Any],
) -> str:
    """The page (or, for htmx, its `framed` block). HTTPException for a story, outlet or
    pair that does not exist; the caller turns it into the error page."""
    if left and left == right:
        raise HTTPException(400, "Pick two different outlets to compare.")
    account = ctx["account"]
    view = load_story_page(
        state.engine, story, left=left, right=right, me=account.id if account else None
    )
    if view is None:
        raise HTTPException(404, f"There is no story {story!r}.")
    for asked in (left, right):
        if asked and asked not in {a.outlet_slug for a in view.articles}:
            known = ", ".join(a.outlet_slug for a in view.articles)
            raise HTTPException(404, f"This story has no account from {asked!r}; it has: {known}.")
    selected = next((f for f in view.frames if f.slug == frame), None)
    pair = (
        view.left.article.outlet_slug if view.left else None,
        view.right.article.outlet_slug if view.right else None,
    )
    env = state.templates
    link_pair = pair if (left or right) else (None, None)  # keep a pair the reader chose
    frame_urls = {
        f.slug: urls.story(story, left=link_pair[0], right=link_pair[1], frame=f.slug)
        for f in view.frames
    }
    chips = {f.slug: frame_chip(f, frame_urls[f.slug]) for f in view.frames}
    full_ctx = work_context(ctx, view.frames, page_url)
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
    return html
