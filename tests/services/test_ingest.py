"""Ingest and seeding against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import write_session
from app.models import Article, Passage, PassageFrame, Story
from app.services.errors import InputError
from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article
from app.services.pubid import passage_public_id
from app.services.seed import load_seeds
from tests.conftest import SEEDS, SOURCE_ARTICLES

NYT = SOURCE_ARTICLES / "nyt-style_few-concessions.txt"


def _ids(engine: Engine) -> list[tuple[str, str, int, str]]:
    with Session(engine) as s:
        rows = s.execute(
            select(Passage.public_id, Passage.kind, Passage.position, Article.headline)
            .join(Article, Article.id == Passage.article_id)
            .order_by(Article.headline, Passage.position)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _import(engine: Engine, raw: bytes, story: str = "s", outlet: str = "o") -> object:
    with write_session(engine) as session:
        st = get_or_create_story(session, slug=story)
        out = get_or_create_outlet(session, slug=outlet)
        return import_article(session, story=st, outlet=out, raw=raw)


def test_seeding_loads_both_articles_with_their_passages(engine: Engine) -> None:
    with Session(engine) as s:
        counts = dict(s.execute(select(Passage.kind, func.count()).group_by(Passage.kind)).all())
        articles = s.execute(select(Article.headline, Article.byline).order_by(Article.id)).all()
    assert counts == {"headline": 2, "byline": 2, "caption": 2, "paragraph": 42}
    assert articles[0] == ("During Call with Trump, Putin Offers Few Concessions on Ukraine", "")
    assert articles[1] == (
        "Trump-Putin Call Viewed as a Win for Russia",
        "Steve Rosenberg, Russia editor",
    )


def test_passage_ids_are_short_url_safe_and_deterministic(
    engine: Engine, empty_engine: Engine
) -> None:
    seeded = _ids(engine)
    assert all(len(pid) <= 12 and pid.isalnum() and pid.islower() for pid, *_ in seeded)
    assert len({pid for pid, *_ in seeded}) == len(seeded)
    # a fresh database gets the same ids, and seeding again changes none
    load_seeds(empty_engine, SEEDS)
    assert _ids(empty_engine) == seeded
    load_seeds(empty_engine, SEEDS)
    assert _ids(empty_engine) == seeded
    # and they are the documented function of article and content, nothing else
    first = next(r for r in seeded if r[1] == "headline" and r[3].startswith("During"))
    assert first[0] == passage_public_id(
        story_slug="trump-putin-call",
        outlet_slug="nyt-style",
        kind="headline",
        text="During Call with Trump, Putin Offers Few Concessions on Ukraine",
    )


def test_seeding_twice_changes_nothing(engine: Engine) -> None:
    with Session(engine) as s:
        before = s.execute(select(Story.slug, Story.version)).all()
        tags = s.execute(select(func.count()).select_from(PassageFrame)).scalar()
    report = load_seeds(engine, SEEDS)
    assert report.articles_changed == 0 and report.tags_changed == 0
    with Session(engine) as s:
        assert s.execute(select(Story.slug, Story.version)).all() == before
        assert s.execute(select(func.count()).select_from(PassageFrame)).scalar() == tags


def test_every_body_passage_has_editorial_frames_with_a_reason(engine: Engine) -> None:
    with Session(engine) as s:
        untagged = s.execute(
            select(Passage.public_id, Passage.text)
            .where(Passage.kind.in_(["paragraph", "caption"]))  # type: ignore[attr-defined]
            .where(~select(PassageFrame.id).where(PassageFrame.passage_id == Passage.id).exists())
        ).all()
        reasons = s.execute(select(PassageFrame.reason)).scalars().all()
    assert untagged == []
    assert reasons and all(len(r) > 20 for r in reasons)


def test_reimport_keeps_ids_of_unchanged_passages_and_points_removed_ones_on(
    empty_engine: Engine,
) -> None:
    raw = NYT.read_bytes()
    _import(empty_engine, raw)
    before = {pid: pos for pid, _k, pos, _h in _ids(empty_engine)}
    text = raw.decode()
    corrected = text.replace(
        "conceding very little to date.", "conceding very little so far."
    ).replace(
        "“There are numerous incentives for the Russians to engage, to comply, and to "
        "maximize every opportunity for their advantage,” Ms. Kendall-Taylor remarked.\n\n",
        "",
    )
    assert corrected != text
    result = _import(empty_engine, corrected.encode())
    assert (result.added, result.removed) == (1, 2)  # type: ignore[attr-defined]
    with Session(empty_engine) as s:
        rows = {p.public_id: p for p in s.exec(select(Passage)).scalars()}  # type: ignore[call-overload]
    live = [p for p in rows.values() if p.removed_at is None]
    assert len(live) == len(before) - 1
    kept = [pid for pid in before if pid in rows and rows[pid].removed_at is None]
    assert len(kept) == len(before) - 2
    edited = next(p for p in rows.values() if p.removed_at and "to date" in p.text)
    successor = next(p for p in rows.values() if p.id == edited.successor_id)
    assert "so far" in successor.text  # the closest survivor
    dropped = next(p for p in rows.values() if p.removed_at and "numerous incentives" in p.text)
    assert dropped.successor_id is None  # nothing close enough survives


def test_a_failed_import_writes_nothing(empty_engine: Engine) -> None:
    with pytest.raises(InputError):
        _import(empty_engine, b"Only a headline\n\nBy Someone")
    with Session(empty_engine) as s:
        assert s.execute(select(func.count()).select_from(Story)).scalar() == 0
        assert s.execute(select(func.count()).select_from(Passage)).scalar() == 0


def test_an_unchanged_reimport_is_a_no_op(empty_engine: Engine) -> None:
    _import(empty_engine, NYT.read_bytes())
    with Session(empty_engine) as s:
        version = s.execute(select(Story.version)).scalar()
    result = _import(empty_engine, NYT.read_bytes())
    assert result.unchanged  # type: ignore[attr-defined]
    with Session(empty_engine) as s:
        assert s.execute(select(Story.version)).scalar() == version


@pytest.mark.parametrize("slug", ["", "Has Spaces", "UPPER", "-lead", "a" * 81, "a--b"])
def test_bad_slugs_are_refused(empty_engine: Engine, slug: str) -> None:
    with pytest.raises(InputError, match="slug"):
        _import(empty_engine, NYT.read_bytes(), story=slug)
