"""The story page's passages, chips and framing profiles as HTML, written in Python.

Why not Jinja here: the story page shows every passage of two articles, and Jinja's
per-expression escaping and macro calls made this loop most of the page's render time
(tests/bench). Here each passage costs one escape of its text and a few string joins.
The markup is the public contract of shared/product.md: id="p-{id}", class "passage",
data-passage-id, data-outlet, data-kind, data-frames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

from app import urls
from app.services.frames_read import FrameInfo
from app.services.story_read import Column, PassageRow
from app.templating import swatch


def _text(p: PassageRow) -> str:
    if not p.segments:
        return str(escape(p.text))
    out = []
    for piece, ids in p.segments:
        if ids:
            out.append(
                f'<mark class="quote-mark" data-annotation-ids="{escape(" ".join(ids))}">'
                f"{escape(piece)}</mark>"
            )
        else:
            out.append(str(escape(piece)))
    return "".join(out)


def passage_body(p: PassageRow) -> str:
    """The passage's words: paragraph, caption (with credit and image description)."""
    if p.kind == "caption":
        credit = f" ({escape(p.credit)})" if p.credit else ""
        html = (
            f'<p class="passage-text"><span class="caption-label">Image{credit}:</span> '
            f'<span class="text">{_text(p)}</span></p>'
        )
        if p.alt and p.alt != p.text:
            html += (
                '<details class="alt"><summary>Image description</summary>'
                f"<p>{escape(p.alt)}</p></details>"
            )
        return html
    if p.kind == "headline":
        return f'<h3 class="passage-text">{escape(p.text)}</h3>'
    return f'<p class="passage-text"><span class="text">{_text(p)}</span></p>'


def render_passages(
    passages: list[PassageRow],
    *,
    outlet: str,
    frame: FrameInfo | None,
    chips: Mapping[str, Markup],
    analyst_work: Callable[[PassageRow], Markup] | None,
) -> Markup:
    """The body passages of one column. `analyst_work` renders tags and notes under a
    passage (the Jinja macro), when there is any or an analyst is looking."""
    out = []
    outlet_attr = escape(outlet)
    hl = frame.slug if frame is not None else None
    for p in passages:
        kind = p.kind
        if kind == "headline" or kind == "byline":
            continue
        slugs = [f.slug for f in p.frames]
        classes = f"passage kind-{kind}"
        if hl is not None:
            classes += " is-hl" if hl in slugs else " is-dim"
        pid = escape(p.public_id)
        text = (
            f'<p class="passage-text"><span class="text">{escape(p.text)}</span></p>'
            if kind == "paragraph" and not p.segments
            else passage_body(p)
        )
        out.append(
            f'<article id="{urls.passage_anchor(pid)}" class="{classes}" data-passage-id="{pid}" '
            f'data-outlet="{outlet_attr}" data-kind="{kind}" '
            f'data-frames="{escape(" ".join(slugs))}">{text}'
            f'<footer class="passage-meta">{"".join([chips.get(s, "") for s in slugs])}'
            f'<a class="permalink" href="{escape(urls.passage(p.public_id))}" hx-boost="false" '
            f'title="Permalink to this passage" aria-label="Permalink to this {kind}">¶</a>'
            f"</footer>{analyst_work(p) if analyst_work is not None else ''}</article>\n"
        )
    return Markup("".join(out))


def frame_chip(f: FrameInfo, href: str) -> Markup:
    return Markup(
        f'<a class="chip" href="{escape(href)}" data-frame="{escape(f.slug)}">'
        f"{swatch(f.colour)}{escape(f.label)}</a>"
    )


def profile_bar(column: Column, frame_urls: Mapping[str, str]) -> Markup:
    """An outlet's framing profile: a stacked SVG bar (share of its body passages per
    frame) with a list that says the same in words and links each frame."""
    rects, items = [], []
    for seg in column.profile:
        f = seg.frame
        label = escape(f.label)
        rects.append(
            f'<rect x="{seg.x}" y="0" width="{seg.width}" height="6" fill="{escape(f.colour)}">'
            f"<title>{label}: {seg.count} of {column.body_count} passages ({seg.percent}%)"
            "</title></rect>"
        )
        items.append(
            f'<li><a href="{escape(frame_urls[f.slug])}">{swatch(f.colour)}{label}</a> '
            f'<span class="share">{seg.percent}%</span></li>'
        )
    return Markup(
        '<figure class="profile"><svg class="profile-bar" viewBox="0 0 100 6" '
        'preserveAspectRatio="none" role="img" '
        f'aria-label="Framing profile of {escape(column.article.outlet_name)}">'
        f'{"".join(rects)}</svg><figcaption><ul class="profile-list">{"".join(items)}'
        "</ul></figcaption></figure>"
    )
