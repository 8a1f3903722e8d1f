"""Shapes of the read-only JSON API (they document themselves at /docs)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class FrameOut(BaseModel):
    slug: str
    label: str
    description: str
    colour: str
    dimension: str
    dimension_label: str
    story: str | None
    url: str


class AppliedFrameOut(BaseModel):
    slug: str
    label: str
    reason: str = ""


class PassageOut(BaseModel):
    id: str
    kind: str
    position: int
    text: str
    credit: str | None = None
    alt: str | None = None
    frames: list[str]
    url: str


class ArticleOut(BaseModel):
    outlet: str
    outlet_name: str
    style_label: str
    headline: str
    byline: str
    published: dt.date | None


class ArticleWithPassages(ArticleOut):
    passages: list[PassageOut]


class StorySummary(BaseModel):
    slug: str
    title: str
    summary: str
    event_date: dt.date | None
    url: str
    articles: list[ArticleOut]


class StoryDetail(StorySummary):
    articles: list[ArticleWithPassages]  # type: ignore[assignment]
    frames: list[FrameOut]


class PassageDetail(BaseModel):
    id: str
    kind: str
    position: int
    text: str
    credit: str | None
    alt: str | None
    removed: bool
    successor: str | None
    story: str
    story_title: str
    outlet: str
    outlet_name: str
    headline: str
    frames: list[AppliedFrameOut]
    before: str | None
    after: str | None
    url: str
    story_url: str
