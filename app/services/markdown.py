"""Annotation bodies: Markdown rendered safely.

markdown-it-py (CommonMark, maintained) with raw HTML switched off turns the body into
HTML; nh3 (the Ammonia sanitiser) then keeps only harmless tags and http(s)/mailto links,
so neither `<script>` nor `javascript:` links survive, whatever markdown-it lets through.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("strikethrough")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
MAX_BODY_CHARS = 10_000


@lru_cache(maxsize=4096)
def render_markdown(body: str) -> str:
    html = _md.render(body)
    # Headings are kept small inside an annotation: h1/h2 become h3.
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
