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
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Role(StrEnum):
    analyst = "analyst"
    admin = "admin"


class User(SQLModel, table=True):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    role: str = Field(max_length=20)
    password_hash: str | None = Field(default=None, max_length=200)
    # Bumped to end every session of the user at once (password change, lock-out).
    session_epoch: int = Field(default=0)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    disabled_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiToken(SQLModel, table=True):
    """A token for scripts. Only its SHA-256 is stored; the prefix lets people tell tokens
    apart when they list or revoke them."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LoginAttempt(SQLModel, table=True):
    """Failed and successful logins, kept in the database so throttling holds across
    several servers."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    client: str = Field(default="", max_length=64)
    succeeded: bool = False
    at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Annotation(SQLModel, table=True):
    """An analyst's note on a passage, or on a quoted span of it (W3C TextQuoteSelector and
    TextPositionSelector). Never deleted from the table: deleting sets `deleted_at`, and every
    version lives on in annotation_version."""

    __table_args__ = (Index("ix_annotation_passage_created", "passage_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=12, unique=True)
    passage_id: int = Field(foreign_key="passage.id")
    author_id: int = Field(foreign_key="user_account.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="annotation.id", index=True)
    frame_id: int | None = Field(default=None, foreign_key="frame.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    quote_exact: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    quote_prefix: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    quote_suffix: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    quote_start: int | None = None
    quote_end: int | None = None
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    deleted_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AnnotationVersion(SQLModel, table=True):
    __tablename__ = "annotation_version"
    __table_args__ = (UniqueConstraint("annotation_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(foreign_key="annotation.id")
    version: int
    action: str = Field(max_length=20)  # created, edited, deleted, restored
    body: str = Field(sa_column=Column(Text, nullable=False))
    frame_id: int | None = Field(default=None, foreign_key="frame.id")
    editor_id: int = Field(foreign_key="user_account.id")
    at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
