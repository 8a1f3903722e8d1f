"""Annotations as W3C Web Annotations (https://www.w3.org/TR/annotation-model/).

Ids are absolute URLs; times carry a timezone; the target is the passage permalink with a
TextQuoteSelector and a TextPositionSelector when a span is quoted; the note is a
TextualBody (Markdown), and a frame is a second TextualBody with purpose "tagging".
A story's notes form an AnnotationCollection served in AnnotationPages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import urls
from app.services.annotation_read import AnnotationView

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
PAGE_SIZE = 100


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def annotation_id(origin: str, public_id: str) -> str:
    return urls.absolute(origin, urls.api_annotation(public_id))


def to_web_annotation(a: AnnotationView, origin: str, *, context: bool = True) -> dict[str, Any]:
    source = urls.absolute(origin, urls.passage(a.passage_public_id))
    target: Any
    if a.parent_public_id:
        target = annotation_id(origin, a.parent_public_id)
    elif a.quote:
        where = a.anchored or (a.quote.start, a.quote.end)
        target = {
            "type": "SpecificResource",
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": a.quote.exact,
                    "prefix": a.quote.prefix,
                    "suffix": a.quote.suffix,
                },
                {"type": "TextPositionSelector", "start": where[0], "end": where[1]},
            ],
        }
    else:
        target = source
    bodies: list[dict[str, Any]] = [
        {
            "type": "TextualBody",
            "value": a.body,
            "format": "text/markdown",
            "language": "en",
            "purpose": "replying" if a.parent_public_id else "commenting",
        }
    ]
    if a.frame_slug:
        # No "id" (the frame's URL) here: a body with an id is an External Web Resource to
        # the W3C model tests, and one with a purpose fails their MUST 3.3.5-bodyEWRNoPurpose.
        bodies.append(
            {"type": "TextualBody", "value": a.frame_label or a.frame_slug, "purpose": "tagging"}
        )
    out: dict[str, Any] = {"@context": CONTEXT} if context else {}
    out.update(
        {
            "id": annotation_id(origin, a.public_id),
            "type": "Annotation",
            "motivation": "replying" if a.parent_public_id else "commenting",
            "created": _time(a.created_at),
            "modified": _time(a.updated_at),
            "creator": {
                "id": urls.absolute(origin, urls.analyst(a.author)),
                "type": "Person",
                "nickname": a.author,
            },
            "body": bodies,
            "target": target,
            "canonical": urls.absolute(origin, urls.annotation(a.public_id)),
        }
    )
    return out


def collection(
    origin: str, story: str, title: str, total: int, first_items: list[AnnotationView]
) -> dict[str, Any]:
    cid = urls.absolute(origin, urls.api_story_annotations(story))
    last = max(0, (total - 1) // PAGE_SIZE)
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": cid,
        "type": "AnnotationCollection",
        "label": f"Notes on {title}",
        "total": total,
    }
    if total:
        out["first"] = page(origin, story, total, 0, first_items, context=False)
        out["last"] = urls.absolute(origin, urls.api_story_annotations(story, last))
    return out


def page(
    origin: str,
    story: str,
    total: int,
    number: int,
    items: list[AnnotationView],
    *,
    context: bool = True,
) -> dict[str, Any]:
    cid = urls.absolute(origin, urls.api_story_annotations(story))
    out: dict[str, Any] = {"@context": CONTEXT} if context else {}
    out.update(
        {
            "id": urls.absolute(origin, urls.api_story_annotations(story, number)),
            "type": "AnnotationPage",
            "partOf": {"id": cid, "type": "AnnotationCollection", "total": total},
            "startIndex": number * PAGE_SIZE,
            "items": [to_web_annotation(a, origin, context=False) for a in items],
        }
    )
    if (number + 1) * PAGE_SIZE < total:
        out["next"] = urls.absolute(origin, urls.api_story_annotations(story, number + 1))
    if number > 0:
        out["prev"] = urls.absolute(origin, urls.api_story_annotations(story, number - 1))
    return out
