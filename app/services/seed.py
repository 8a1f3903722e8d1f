"""Load seeds/: the frame codebook and the stories, through the same ingest as user imports.

Idempotent: loading the same seeds twice changes nothing (and leaves the stories' data
versions alone, so no cached page is thrown away for nothing). Each story loads in one
transaction: a seed with an error leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db import write_session
from app.models import Article, Dimension, Frame, Outlet, Passage, PassageFrame, Story, TagSource
from app.services.errors import InputError
from app.services.ingest import (
    check_slug,
    get_or_create_outlet,
    get_or_create_story,
    import_article,
)
from app.services.versions import bump_story_version

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class SeedReport:
    dimensions: int = 0
    stories: list[str] = field(default_factory=list)
    articles_changed: int = 0
    tags_changed: int = 0


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None


def _require(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in (None, ""):
        raise InputError(f"{where}: '{key}' is required")
    return entry[key]


def load_seeds(engine: Engine, seeds_dir: Path) -> SeedReport:
    report = SeedReport()
    with write_session(engine) as session:
        report.dimensions = load_codebook(session, seeds_dir / "codebook.toml")
    stories_dir = seeds_dir / "stories"
    for story_dir in sorted(p for p in stories_dir.iterdir() if p.is_dir()):
        with write_session(engine) as session:
            articles, tags = load_story_dir(session, story_dir)
        report.stories.append(story_dir.name)
        report.articles_changed += articles
        report.tags_changed += tags
    return report


def load_codebook(session: Session, path: Path) -> int:
    data = load_toml(path)
    entries = data.get("dimensions") or []
    for position, entry in enumerate(entries):
        where = f"{path} dimension {position + 1}"
        slug = check_slug(_require(entry, "slug", where), "Dimension")
        dim = session.exec(select(Dimension).where(Dimension.slug == slug)).first()
        if dim is None:
            dim = Dimension(slug=slug, label="")
            session.add(dim)
        _assign(
            dim,
            label=_require(entry, "label", where),
            description=entry.get("description", ""),
            position=position,
        )
    session.flush()
    return len(entries)


def _assign(obj: Any, **values: Any) -> bool:
    """Set attributes that differ; say whether anything changed (idempotent seeding)."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def load_story_dir(session: Session, story_dir: Path) -> tuple[int, int]:
    meta = load_toml(story_dir / "story.toml")
    where = f"{story_dir / 'story.toml'}"
    s = meta.get("story") or {}
    slug = _require(s, "slug", f"{where} [story]")
    existing = session.exec(select(Story).where(Story.slug == slug)).first()
    before = (existing.title, existing.summary, existing.event_date) if existing else None
    story = get_or_create_story(
        session,
        slug=slug,
        title=_require(s, "title", f"{where} [story]"),
        summary=str(s.get("summary", "")).strip(),
        event_date=_as_date(s.get("event_date")),
    )
    assert story.id is not None
    changed_meta = before != (story.title, story.summary, story.event_date)
    articles_changed = 0
    for n, entry in enumerate(meta.get("articles") or [], start=1):
        articles_changed += _load_article(session, story, story_dir, entry, f"{where} article {n}")
    frames_changed = _load_frames(session, story, meta.get("frames") or [], where)
    tags_changed = 0
    if (story_dir / "tags.toml").exists():
        tags_changed = load_tags(session, story, story_dir / "tags.toml")
    if (changed_meta or frames_changed) and existing is not None and not articles_changed:
        bump_story_version(session, story.id)
    return articles_changed, tags_changed


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def _load_article(
    session: Session, story: Story, story_dir: Path, entry: dict[str, Any], where: str
) -> int:
    outlet_slug = _require(entry, "outlet", where)
    prior = session.exec(select(Outlet).where(Outlet.slug == outlet_slug)).first()
    prior_values = (prior.name, prior.style_label) if prior else None
    outlet = get_or_create_outlet(
        session,
        slug=outlet_slug,
        name=_require(entry, "outlet_name", where),
        style_label=entry.get("style_label", ""),
    )
    path = story_dir / _require(entry, "file", where)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: {path} not found") from None
    result = import_article(
        session,
        story=story,
        outlet=outlet,
        raw=raw,
        published=_as_date(entry.get("published")),
        source_name=path.name,
    )
    for key, got in (("headline", result.article.headline), ("byline", result.article.byline)):
        if key in entry and entry[key] != got:
            raise InputError(
                f"{where}: the seed says {key} {entry[key]!r} but the text gives {got!r}"
            )
    outlet_changed = prior_values is not None and prior_values != (outlet.name, outlet.style_label)
    return int(not result.unchanged or outlet_changed)


def _load_frames(session: Session, story: Story, entries: list[dict[str, Any]], where: str) -> int:
    dims = {d.slug: d.id for d in session.exec(select(Dimension))}
    changed = 0
    for position, entry in enumerate(entries):
        w = f"{where} frame {position + 1}"
        slug = check_slug(_require(entry, "slug", w), "Frame")
        colour = _require(entry, "colour", w)
        if not COLOUR.match(colour):
            raise InputError(f"{w}: colour {colour!r} must look like #1f77b4")
        dimension = _require(entry, "dimension", w)
        if dimension not in dims:
            raise InputError(f"{w}: unknown dimension {dimension!r}; see seeds/codebook.toml")
        frame = session.exec(select(Frame).where(Frame.slug == slug)).first()
        if frame is not None and frame.story_id not in (None, story.id):
            raise InputError(
                f"{w}: frame slug {slug!r} already belongs to another story's codebook; "
                "frame slugs are unique across stories (their URL is /frames/{slug})"
            )
        if frame is None:
            frame = Frame(slug=slug, label="", colour=colour, dimension_id=0)
            session.add(frame)
            changed += 1
        changed += _assign(
            frame,
            label=_require(entry, "label", w),
            description=entry.get("description", ""),
            colour=colour.lower(),
            dimension_id=dims[dimension],
            story_id=story.id,
            position=position,
        )
    session.flush()
    return changed


def load_tags(session: Session, story: Story, path: Path) -> int:
    """Make the story's editorial tags exactly what tags.toml says; return rows changed."""
    data = load_toml(path)
    frames = {f.slug: f.id for f in session.exec(select(Frame))}
    rows = session.exec(
        select(Passage, Outlet.slug)
        .join(Article, col(Article.id) == Passage.article_id)
        .join(Outlet, col(Outlet.id) == Article.outlet_id)
        .where(Article.story_id == story.id, col(Passage.removed_at).is_(None))
    ).all()
    wanted: dict[tuple[int, int], str] = {}
    for n, entry in enumerate(data.get("tags") or [], start=1):
        w = f"{path} tag {n}"
        outlet, quote = _require(entry, "outlet", w), _require(entry, "passage", w)
        matches = [p for p, o in rows if o == outlet and quote in p.text]
        if len(matches) != 1:
            raise InputError(
                f"{w}: {len(matches)} passages of {outlet!r} contain {quote!r}; it must name one"
            )
        for slug in _require(entry, "frames", w):
            if slug not in frames:
                raise InputError(f"{w}: unknown frame {slug!r}")
            wanted[(matches[0].id, frames[slug])] = str(entry.get("reason", "")).strip()  # type: ignore[index]
    passage_ids = [p.id for p, _ in rows]
    current = {
        (t.passage_id, t.frame_id): t
        for t in session.exec(
            select(PassageFrame).where(
                PassageFrame.source == TagSource.editorial,
                col(PassageFrame.passage_id).in_(passage_ids),
            )
        )
    }
    changed = 0
    for key, tag in current.items():
        if key not in wanted:
            session.delete(tag)
            changed += 1
        elif tag.reason != wanted[key]:
            tag.reason = wanted[key]
            changed += 1
    for (passage_id, frame_id), reason in wanted.items():
        if (passage_id, frame_id) not in current:
            session.add(
                PassageFrame(
                    passage_id=passage_id,
                    frame_id=frame_id,
                    source=TagSource.editorial,
                    reason=reason,
                )
            )
            changed += 1
    session.flush()
    if changed:
        assert story.id is not None
        bump_story_version(session, story.id)
    return changed
