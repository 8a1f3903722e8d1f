"""Import an article as received into a story: the one path for seeds and user imports.

Why one path: seeds and imports must give the same passages and ids for the same text.
Re-importing an outlet's article with corrections keeps the ids of unchanged passages,
adds new ones, and keeps removed ones (marked removed, pointing at their closest
survivor), so every permalink ever shared still resolves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import Annotation, Article, Outlet, Passage, Story, utcnow
from app.services.errors import InputError
from app.services.parse_article import ParsedArticle, decode_article, parse_article
from app.services.pubid import passage_public_id
from app.services.versions import bump_story_version

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SUCCESSOR_MIN_SIMILARITY = 75.0


@dataclass(frozen=True)
class ImportResult:
    story: Story
    outlet: Outlet
    article: Article
    parsed: ParsedArticle
    added: int
    kept: int
    removed: int
    unchanged: bool


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug or "") or len(slug) > 80:
        raise InputError(
            f"{what} {slug!r} is not a valid slug: use lower-case letters, digits and single "
            "hyphens, at most 80 characters (for example 'trump-putin-call')."
        )
    return slug


def get_or_create_story(
    session: Session,
    *,
    slug: str,
    title: str | None = None,
    summary: str | None = None,
    event_date: dt.date | None = None,
) -> Story:
    story = session.exec(select(Story).where(Story.slug == check_slug(slug, "Story"))).first()
    if story is None:
        story = Story(slug=slug, title=title or slug.replace("-", " ").capitalize())
        session.add(story)
    if title is not None:
        story.title = title
    if summary is not None:
        story.summary = summary
    if event_date is not None:
        story.event_date = event_date
    session.flush()
    return story


def get_or_create_outlet(
    session: Session, *, slug: str, name: str | None = None, style_label: str | None = None
) -> Outlet:
    outlet = session.exec(select(Outlet).where(Outlet.slug == check_slug(slug, "Outlet"))).first()
    if outlet is None:
        outlet = Outlet(slug=slug, name=name or slug.replace("-", " ").title())
        session.add(outlet)
    if name is not None:
        outlet.name = name
    if style_label is not None:
        outlet.style_label = style_label
    session.flush()
    return outlet


def import_article(
    session: Session,
    *,
    story: Story,
    outlet: Outlet,
    raw: bytes,
    published: dt.date | None = None,
    source_name: str = "",
) -> ImportResult:
    """Parse and store one article. The caller owns the transaction (one per import)."""
    parsed = parse_article(decode_article(raw))
    content_hash = hashlib.sha256(raw).hexdigest()
    assert story.id is not None and outlet.id is not None
    article = session.exec(
        select(Article).where(Article.story_id == story.id, Article.outlet_id == outlet.id)
    ).first()
    if article is not None and article.content_hash == content_hash:
        if published is not None and article.published != published:
            article.published = published
            bump_story_version(session, story.id)
        return ImportResult(story, outlet, article, parsed, 0, 0, 0, unchanged=True)
    if article is None:
        article = Article(story_id=story.id, outlet_id=outlet.id, headline="", content_hash="")
        session.add(article)
    article.headline = parsed.headline
    article.byline = ", ".join(parsed.bylines)
    article.published = published or article.published
    article.source_name = source_name
    article.content_hash = content_hash
    article.imported_at = utcnow()
    session.flush()
    added, kept, removed = _store_passages(session, story, outlet, article, parsed)
    bump_story_version(session, story.id)
    return ImportResult(story, outlet, article, parsed, added, kept, removed, unchanged=False)


def _store_passages(
    session: Session, story: Story, outlet: Outlet, article: Article, parsed: ParsedArticle
) -> tuple[int, int, int]:
    assert article.id is not None
    existing = {
        p.public_id: p
        for p in session.exec(select(Passage).where(Passage.article_id == article.id))
    }
    seen: dict[tuple[str, str], int] = {}
    current: list[Passage] = []
    added = kept = 0
    for position, item in enumerate(parsed.passages):
        occurrence = seen.get((item.kind, item.text), 0)
        seen[(item.kind, item.text)] = occurrence + 1
        public_id = passage_public_id(
            story_slug=story.slug,
            outlet_slug=outlet.slug,
            kind=item.kind,
            text=item.text,
            occurrence=occurrence,
        )
        found = existing.pop(public_id) if public_id in existing else None
        if found is None:
            _refuse_id_clash(session, public_id)
            passage = Passage(
                public_id=public_id,
                article_id=article.id,
                kind=item.kind,
                position=position,
                text=item.text,
            )
            session.add(passage)
            added += 1
        else:
            passage = found
            kept += 1
        passage.position = position
        passage.credit, passage.alt = item.credit, item.alt
        passage.removed_at, passage.successor_id = None, None
        current.append(passage)
    session.flush()
    now = utcnow()
    for gone in existing.values():
        if gone.removed_at is None:
            gone.removed_at = now
        gone.successor_id = _closest(gone, current)
        if gone.successor_id is not None:
            # Analysts' notes follow the text to its corrected passage; their quotes are
            # found again there from exact/prefix/suffix, or shown as orphans.
            session.execute(
                update(Annotation)
                .where(col(Annotation.passage_id) == gone.id)
                .values(passage_id=gone.successor_id)
            )
    session.flush()
    return added, kept, len(existing)


def _refuse_id_clash(session: Session, public_id: str) -> None:
    if session.exec(select(col(Passage.id)).where(Passage.public_id == public_id)).first():
        # Two different passages hashed to one id (about 1 in 2**50): refuse, never merge.
        raise InputError(
            f"Passage id {public_id} is already taken by another article's passage; "
            "edit this passage's text slightly and import again."
        )


def _closest(gone: Passage, candidates: list[Passage]) -> int | None:
    best, best_score = None, SUCCESSOR_MIN_SIMILARITY
    for candidate in candidates:
        if candidate.kind != gone.kind:
            continue
        score = fuzz.ratio(gone.text, candidate.text)
        if score >= best_score:
            best, best_score = candidate.id, score
    return best
