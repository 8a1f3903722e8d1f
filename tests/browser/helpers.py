"""Small measuring helpers shared by the browser tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

STORY = "trump-putin-call"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Recorder:
    """What a page did that the tests check afterwards."""

    base_url: str
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    ignored: list[Callable[[str, str], bool]] = field(default_factory=list)

    def attach(self, page: object) -> None:
        def on_console(msg: object) -> None:
            if msg.type in ("error", "warning"):  # type: ignore[attr-defined]
                where = (msg.location or {}).get("url", "")  # type: ignore[attr-defined]
                text = f"[{msg.type}] {msg.text} @ {where}"  # type: ignore[attr-defined]
                if not any(rule(text, where) for rule in self.ignored):
                    self.console.append(text)

        page.on("console", on_console)  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))  # type: ignore[attr-defined]
        page.on("request", lambda req: self.requests.append(req.url))  # type: ignore[attr-defined]

    def ignore_status(self, url_suffix: str, status: int) -> None:
        """Expect the document at `url_suffix` to answer `status` (Chromium logs that)."""

        def rule(text: str, where: str) -> bool:
            return where.endswith(url_suffix) and f"status of {status}" in text

        self.ignored.append(rule)

    def foreign_requests(self) -> list[str]:
        """Requests that left the live server (data:, blob: and about: stay in the page)."""
        ours = urlsplit(self.base_url).netloc
        out = []
        for u in self.requests:
            parts = urlsplit(u)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.netloc != ours:
                out.append(u)
        return out

    def assert_clean(self) -> None:
        """No console errors or warnings, no uncaught exceptions, nothing fetched elsewhere."""
        problems = []
        if self.console:
            problems.append("console: " + "\n  ".join(self.console))
        if self.page_errors:
            problems.append("page errors: " + "\n  ".join(self.page_errors))
        foreign = self.foreign_requests()
        if foreign:
            problems.append("requests to other hosts: " + "\n  ".join(foreign))
        assert not problems, "\n".join(problems)


@dataclass
class Tab:
    page: object
    rec: Recorder
    base_url: str

    def goto(self, path: str, **kwargs: object) -> object:
        return self.page.goto(self.base_url + path, **kwargs)  # type: ignore[attr-defined]


def box(locator: Any) -> dict[str, float]:
    """The element's bounding box in CSS pixels, relative to the viewport; fails if hidden."""
    b = locator.bounding_box()
    assert b is not None, f"{locator} has no layout box (not displayed)"
    return b  # type: ignore[no-any-return]


def no_sideways_scroll(page: Any) -> tuple[int, int]:
    """(scrollWidth, window width) of the document."""
    return page.evaluate(  # type: ignore[no-any-return]
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )


def css(locator: Any, prop: str) -> str:
    return locator.evaluate(  # type: ignore[no-any-return]
        "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop
    )


def articles(story_json: dict[str, Any]) -> list[dict[str, Any]]:
    return story_json["articles"]  # type: ignore[no-any-return]


def bbc(story_json: dict[str, Any]) -> dict[str, Any]:
    """The BBC-style account (the longer, second one in the seeds)."""
    found = [a for a in articles(story_json) if "bbc" in a["outlet"]]
    assert found, "the seeds have no BBC-style account"
    return found[0]


def far_down_passage(story_json: dict[str, Any]) -> dict[str, Any]:
    """A body paragraph about four fifths of the way down the BBC-style article."""
    paragraphs = [p for p in bbc(story_json)["passages"] if p["kind"] == "paragraph"]
    assert len(paragraphs) >= 10, "the BBC-style account is too short for a scroll test"
    return paragraphs[int(len(paragraphs) * 0.8)]  # type: ignore[no-any-return]
