"""Parse pages the way a person reads them: by what is shown, not by status codes."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_of(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def meta(page: BeautifulSoup, key: str) -> str | None:
    tag = page.find("meta", attrs={"property": key}) or page.find("meta", attrs={"name": key})
    return tag.get("content") if tag else None  # type: ignore[return-value]
