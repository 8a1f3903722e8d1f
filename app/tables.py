"""Core Table objects of the models, for lean reads on hot paths (no ORM identity map)."""

from __future__ import annotations

from sqlalchemy import Table

from app.models import (
    Annotation,
    AnnotationVersion,
    Article,
    Dimension,
    Frame,
    Outlet,
    Passage,
    PassageFrame,
    Story,
    User,
)

story_t: Table = Story.__table__  # type: ignore[attr-defined]
outlet_t: Table = Outlet.__table__  # type: ignore[attr-defined]
article_t: Table = Article.__table__  # type: ignore[attr-defined]
passage_t: Table = Passage.__table__  # type: ignore[attr-defined]
dimension_t: Table = Dimension.__table__  # type: ignore[attr-defined]
frame_t: Table = Frame.__table__  # type: ignore[attr-defined]
passage_frame_t: Table = PassageFrame.__table__  # type: ignore[attr-defined]

annotation_t: Table = Annotation.__table__  # type: ignore[attr-defined]
annotation_version_t: Table = AnnotationVersion.__table__  # type: ignore[attr-defined]
user_t: Table = User.__table__  # type: ignore[attr-defined]
