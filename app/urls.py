"""The one place URL shapes live. Permalinks are promises: change none of these shapes."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def home() -> str:
    return "/"


def story(
    slug: str,
    *,
    left: str | None = None,
    right: str | None = None,
    frame: str | None = None,
    view: str | None = None,
) -> str:
    params = {
        k: v for k, v in (("left", left), ("right", right), ("frame", frame), ("view", view)) if v
    }
    query = f"?{urlencode(params)}" if params else ""
    return f"/stories/{quote(slug)}{query}"


def passage_anchor(public_id: str) -> str:
    return f"p-{public_id}"


def passage_in_story(story_slug: str, public_id: str) -> str:
    return f"/stories/{quote(story_slug)}#{passage_anchor(public_id)}"


def passage(public_id: str) -> str:
    return f"/p/{quote(public_id)}"


def frames() -> str:
    return "/frames"


def frame(slug: str) -> str:
    return f"/frames/{quote(slug)}"


def static(path: str) -> str:
    return f"/static/{path}"


def api_story(slug: str) -> str:
    return f"/api/stories/{quote(slug)}"


def api_passage(public_id: str) -> str:
    return f"/api/passages/{quote(public_id)}"


def absolute(origin: str, path: str) -> str:
    return origin.rstrip("/") + path


def annotation(public_id: str) -> str:
    return f"/a/{quote(public_id)}"


def analyst(name: str) -> str:
    return f"/analysts/{quote(name)}"


def story_annotations(slug: str) -> str:
    return f"/stories/{quote(slug)}/annotations"


def story_agreement(slug: str) -> str:
    return f"/stories/{quote(slug)}/agreement"


def api_annotation(public_id: str) -> str:
    return f"/api/annotations/{quote(public_id)}"


def api_story_annotations(slug: str, page: int | None = None) -> str:
    suffix = f"?page={page}" if page is not None else ""
    return f"/api/stories/{quote(slug)}/annotations{suffix}"
