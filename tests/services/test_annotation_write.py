"""Annotation rules against a real database: versions kept, permissions, quotes, threads."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import write_session
from app.models import Annotation, AnnotationVersion, Passage, Story
from app.services import annotation_read
from app.services.accounts import Account, as_account, create_user
from app.services.annotation_create import Draft, create_annotation
from app.services.annotation_write import (
    delete_annotation,
    edit_annotation,
    history,
    restore_annotation,
)
from app.services.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article
from tests.conftest import SOURCE_ARTICLES


@pytest.fixture
def people(engine: Engine) -> dict[str, Account]:
    with write_session(engine) as s:
        return {
            name: as_account(create_user(s, name=name, role=role, password=None))
            for name, role in (("ana", "analyst"), ("ben", "analyst"), ("root", "admin"))
        }


def _passage(engine: Engine, starts: str) -> Passage:
    with Session(engine) as s:
        return s.exec(
            select(Passage).where(
                Passage.text.startswith(starts),  # type: ignore[attr-defined]
                Passage.removed_at.is_(None),  # type: ignore[union-attr]
            )
        ).one()


def _version(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(Story.version)).one()


def test_create_keeps_a_version_and_bumps_the_story(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    before = _version(engine)
    with write_session(engine) as s:
        a = create_annotation(
            s, people["ana"], passage=p.public_id, draft=Draft("First **note**", "few-concessions")
        )
    assert _version(engine) == before + 1
    with engine.connect() as conn:
        view = annotation_read.get(conn, a.public_id)
    assert view is not None and view.author == "ana" and view.frame_slug == "few-concessions"
    assert view.body_html == "<p>First <strong>note</strong></p>\n"
    assert len(a.public_id) <= 12 and a.public_id.isascii()


def test_every_version_is_kept_and_an_admin_restores(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        a = create_annotation(s, people["ana"], passage=p.public_id, draft=Draft("v1"))
    with write_session(engine) as s:
        edit_annotation(s, people["ana"], a.public_id, body="v2", frame=None, expected_version=1)
    with write_session(engine) as s:
        delete_annotation(s, people["ana"], a.public_id)
    with pytest.raises(PermissionDeniedError), write_session(engine) as s:
        restore_annotation(s, people["ana"], a.public_id)
    with write_session(engine) as s:
        restore_annotation(s, people["root"], a.public_id)
    with Session(engine) as s:
        steps = history(s, people["root"], a.public_id)
        row = s.exec(select(Annotation).where(Annotation.public_id == a.public_id)).one()
    assert [(v.version, v.action, v.body) for v in steps] == [
        (1, "created", "v1"),
        (2, "edited", "v2"),
        (3, "deleted", "v2"),
        (4, "restored", "v2"),
    ]
    assert row.deleted_at is None and row.body == "v2" and row.version == 4


def test_only_the_author_or_an_admin_changes_a_note(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        a = create_annotation(s, people["ana"], passage=p.public_id, draft=Draft("mine"))
    for action in (
        lambda s: edit_annotation(
            s, people["ben"], a.public_id, body="theirs", frame=None, expected_version=None
        ),
        lambda s: delete_annotation(s, people["ben"], a.public_id),
        lambda s: history(s, people["ben"], a.public_id),
    ):
        with pytest.raises(PermissionDeniedError), write_session(engine) as s:
            action(s)
    with write_session(engine) as s:
        edit_annotation(
            s, people["root"], a.public_id, body="moderated", frame=None, expected_version=None
        )
    with Session(engine) as s:
        assert (
            s.exec(select(Annotation.body).where(Annotation.public_id == a.public_id)).one()
            == "moderated"
        )


def test_a_stale_edit_is_refused_and_the_newer_text_stays(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        a = create_annotation(s, people["ana"], passage=p.public_id, draft=Draft("v1"))
    with write_session(engine) as s:
        edit_annotation(s, people["ana"], a.public_id, body="newer", frame=None, expected_version=1)
    with pytest.raises(StaleVersionError, match="version 2"), write_session(engine) as s:
        edit_annotation(s, people["ana"], a.public_id, body="older", frame=None, expected_version=1)
    with Session(engine) as s:
        assert (
            s.exec(select(Annotation.body).where(Annotation.public_id == a.public_id)).one()
            == "newer"
        )
        assert (
            len(
                s.exec(
                    select(AnnotationVersion).where(AnnotationVersion.annotation_id == a.id)
                ).all()
            )
            == 2
        )


def test_quotes_are_checked_against_the_passage(engine: Engine, people: dict[str, Account]) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        a = create_annotation(
            s,
            people["ana"],
            passage=p.public_id,
            draft=Draft("q", exact="conceding very little", start=None, end=None),
        )
    assert a.quote is not None
    assert p.text[a.quote.start : a.quote.end] == "conceding very little"
    assert a.quote.prefix and p.text.endswith(a.quote.suffix)
    for bad in (Draft("q", exact="not in the text"), Draft("q", exact="   "), Draft("  ")):
        with pytest.raises(InputError), write_session(engine) as s:
            create_annotation(s, people["ana"], passage=p.public_id, draft=bad)
    with pytest.raises(NotFoundError), write_session(engine) as s:
        create_annotation(s, people["ana"], passage="nope", draft=Draft("x"))
    with pytest.raises(InputError, match="frame"), write_session(engine) as s:
        create_annotation(s, people["ana"], passage=p.public_id, draft=Draft("x", frame="nope"))


def test_replies_thread_one_level_and_cannot_quote(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        root = create_annotation(s, people["ana"], passage=p.public_id, draft=Draft("root"))
        r1 = create_annotation(
            s, people["ben"], passage=p.public_id, draft=Draft("r1"), parent=root.public_id
        )
        r2 = create_annotation(
            s, people["ana"], passage=p.public_id, draft=Draft("r2"), parent=r1.public_id
        )
    assert r1.parent_id == root.id and r2.parent_id == root.id
    with pytest.raises(InputError), write_session(engine) as s:
        create_annotation(
            s,
            people["ben"],
            passage=p.public_id,
            draft=Draft("q", exact="Kremlin"),
            parent=root.public_id,
        )
    with engine.connect() as conn:
        thread = annotation_read.for_passages(conn, [p.id])[p.id]  # type: ignore[list-item]
    assert [t.body for t in thread] == ["root"]
    assert [r.body for r in thread[0].replies] == ["r1", "r2"]


def test_quotes_reanchor_after_a_correction_or_become_orphans(
    engine: Engine, people: dict[str, Account]
) -> None:
    p = _passage(engine, "Following the Kremlin")
    with write_session(engine) as s:
        kept = create_annotation(
            s, people["ana"], passage=p.public_id, draft=Draft("k", exact="aggressive objectives")
        )
        lost = create_annotation(
            s, people["ana"], passage=p.public_id, draft=Draft("l", exact="very little to date")
        )
    raw = (SOURCE_ARTICLES / "nyt-style_few-concessions.txt").read_text()
    fixed = raw.replace("it became evident that", "it became clear that").replace(
        "very little to date", "almost nothing"
    )
    with write_session(engine) as s:
        story = get_or_create_story(s, slug="trump-putin-call")
        outlet = get_or_create_outlet(s, slug="nyt-style")
        import_article(s, story=story, outlet=outlet, raw=fixed.encode())
    # the notes follow the text to its corrected passage
    with engine.connect() as conn:
        k = annotation_read.get(conn, kept.public_id)
        lo = annotation_read.get(conn, lost.public_id)
    assert k is not None and lo is not None
    assert k.passage_public_id != p.public_id and "it became clear that" in k.passage_text
    assert (
        k.anchored is not None
        and k.passage_text[k.anchored[0] : k.anchored[1]] == "aggressive objectives"
    )
    assert (
        kept.quote is not None and k.anchored[0] != kept.quote.start
    )  # found again from its context, not its old offset
    assert lo.passage_public_id == k.passage_public_id and lo.is_orphan
    with engine.connect() as conn:
        page_notes = annotation_read.for_passages(
            conn, [_passage(engine, "Following the Kremlin").id]
        )  # type: ignore[list-item]
    assert {n.public_id for ns in page_notes.values() for n in ns} == {
        kept.public_id,
        lost.public_id,
    }
