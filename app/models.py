"""Tables. The schema changes only through Alembic (migrations/); a test proves they agree."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Named constraints, so migrations can refer to them on every database (h's convention).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PassageKind(StrEnum):
    headline = "headline"
    byline = "byline"
    caption = "caption"
    paragraph = "paragraph"


class TagSource(StrEnum):
    editorial = "editorial"  # the codebook's own tagging, loaded from seeds/
    analyst = "analyst"  # an analyst's tag, kept apart from the editorial one
    suggestion = "suggestion"  # proposed by a rule or model, not yet confirmed


class Story(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    event_date: dt.date | None = None
    # Bumped by every change to the story's articles, passages or tags; rendered pages are
    # cached against it, so every server sees a change the moment it is committed.
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Outlet(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    style_label: str = Field(default="", max_length=200)


class Article(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("story_id", "outlet_id"),)

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    headline: str = Field(max_length=500)
    byline: str = Field(default="", max_length=500)
    published: dt.date | None = None
    source_name: str = Field(default="", max_length=300)
    content_hash: str = Field(max_length=64)
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Passage(SQLModel, table=True):
    __table_args__ = (Index("ix_passage_article_position", "article_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=12, unique=True)
    article_id: int = Field(foreign_key="article.id")
    kind: str = Field(max_length=20)
    # Position in the article; a passage that a re-import removed keeps its last position
    # and text and gets `removed_at`, so old links can say what it was.
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    credit: str | None = Field(default=None, max_length=200)
    alt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    removed_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # For a removed passage: the surviving passage closest to its last text, if any is close
    # enough; its old permalink redirects there.
    successor_id: int | None = Field(default=None, foreign_key="passage.id")


class Dimension(SQLModel, table=True):
    """One of the 15 generic framing dimensions of the Media Frames Corpus codebook."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    label: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    position: int = 0


class Frame(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    label: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    colour: str = Field(max_length=7)  # "#rrggbb"
    dimension_id: int = Field(foreign_key="dimension.id", index=True)
    story_id: int | None = Field(default=None, foreign_key="story.id", index=True)
    position: int = 0


class PassageFrame(SQLModel, table=True):
    """A frame applied to a passage, and who or what applied it."""

    __tablename__ = "passage_frame"
    __table_args__ = (UniqueConstraint("passage_id", "frame_id", "source", "tagger"),)

    id: int | None = Field(default=None, primary_key=True)
    passage_id: int = Field(foreign_key="passage.id", index=True)
    frame_id: int = Field(foreign_key="frame.id", index=True)
    source: str = Field(max_length=20)
    # Who within the source: "" for the editorial seed, the analyst's name for analysts.
    tagger: str = Field(default="", max_length=80)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
