"""A story for analysts' own tools: CSV (one row per passage, then one per annotation, with
its annotator) and JSON-LD (the W3C AnnotationCollection with every annotation inline)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.engine import Connection

from app.services import annotation_read, web_annotation
from app.services.errors import NotFoundError
from app.services.frames_read import editorial_frames_of, list_frames
from app.services.story_read import get_story_row, list_articles, load_passages

CSV_COLUMNS = [
    "record",
    "story",
    "outlet",
    "passage_id",
    "kind",
    "position",
    "passage_text",
    "editorial_frames",
    "annotation_id",
    "annotator",
    "parent_id",
    "annotation_frame",
    "quote_exact",
    "quote_start",
    "quote_end",
    "body",
    "created",
    "updated",
    "deleted",
]


def story_csv(conn: Connection, story: str) -> str:
    row = get_story_row(conn, story)
    if row is None:
        raise NotFoundError(f"There is no story {story!r}.")
    articles = list_articles(conn, [row.id])[row.id]
    passages = load_passages(conn, [a.id for a in articles])
    slugs = {f.id: f.slug for f in list_frames(conn)}
    tags = editorial_frames_of(conn, [p.id for ps in passages.values() for p in ps])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for a in articles:
        for p in passages[a.id]:
            writer.writerow(
                {
                    "record": "passage",
                    "story": story,
                    "outlet": a.outlet_slug,
                    "passage_id": p.public_id,
                    "kind": p.kind,
                    "position": p.position,
                    "passage_text": p.text,
                    "editorial_frames": " ".join(slugs[f] for f in tags.get(p.id, ())),
                }
            )
    items, _total = annotation_read.listing(
        conn, story=story, limit=1_000_000, include_deleted=True, oldest_first=True
    )
    for n in items:
        writer.writerow(
            {
                "record": "annotation",
                "story": story,
                "outlet": n.outlet_slug,
                "passage_id": n.passage_public_id,
                "annotation_id": n.public_id,
                "annotator": n.author,
                "parent_id": n.parent_public_id or "",
                "annotation_frame": n.frame_slug or "",
                "quote_exact": n.quote.exact if n.quote else "",
                "quote_start": n.quote.start if n.quote else "",
                "quote_end": n.quote.end if n.quote else "",
                "body": n.body,
                "created": n.created_at.isoformat(),
                "updated": n.updated_at.isoformat(),
                "deleted": "yes" if n.deleted_at else "",
            }
        )
    return out.getvalue()


def story_jsonld(conn: Connection, story: str, origin: str) -> dict[str, Any]:
    row = get_story_row(conn, story)
    if row is None:
        raise NotFoundError(f"There is no story {story!r}.")
    items, total = annotation_read.listing(conn, story=story, limit=1_000_000, oldest_first=True)
    out = web_annotation.collection(origin, story, row.title, total, [])
    out.pop("first", None)
    out.pop("last", None)
    if items:
        out["first"] = web_annotation.page(origin, story, total, 0, items, context=False)
        out["first"].pop("next", None)
    return out
