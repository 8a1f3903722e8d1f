"""Turn an article as received (plain text, with extraction noise) into passages.

The rules work for any outlet: the first block is the headline; short unpunctuated lines
right after it are bylines; an image-placeholder run ("grey placeholderReuters <alt
text>Reuters") becomes one caption passage with its credit, taking the short caption line
that follows it as its text; every other block is a paragraph. No outlet-specific paths.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.models import PassageKind
from app.services.errors import InputError

MAX_ARTICLE_BYTES = 2_000_000
MAX_BYLINE_WORDS = 8
MAX_CAPTION_WORDS = 40

_SENTENCE_END = (".", "!", "?", ":", ";", "\u201d", '"', "\u2019", "'", "\u2026")
_QUOTES = ("\u201c", '"', "\u2018", "'")
_PLACEHOLDER = re.compile(r"^(?:[A-Za-z]+ )?placeholder\s*", re.IGNORECASE)
# "<credit> <alt text><credit>": the credit is glued after the placeholder and again at the end.
_CREDITED = re.compile(r"^(?P<credit>\S(?:.{0,60}?\S)?)\s+(?P<alt>.+?)(?P=credit)$", re.DOTALL)


@dataclass(frozen=True)
class ParsedPassage:
    kind: PassageKind
    text: str
    credit: str | None = None
    alt: str | None = None


@dataclass(frozen=True)
class ParsedArticle:
    headline: str
    bylines: tuple[str, ...]
    passages: tuple[ParsedPassage, ...]  # headline and bylines included, in reading order

    def count(self, kind: PassageKind) -> int:
        return sum(1 for p in self.passages if p.kind == kind)


def decode_article(raw: bytes) -> str:
    """Bytes as uploaded -> text, or an InputError a person can act on."""
    if not raw or not raw.strip():
        raise InputError("The file is empty: upload the article's text.")
    if len(raw) > MAX_ARTICLE_BYTES:
        raise InputError(
            f"The file is {len(raw):,} bytes; an article may be at most {MAX_ARTICLE_BYTES:,}."
        )
    if b"\x00" in raw:
        raise InputError("The file looks binary (it contains NUL bytes): upload plain text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The file is not valid UTF-8 (byte {exc.start}): save it as UTF-8 and try again."
        ) from None


def normalize_text(text: str) -> str:
    """One canonical form of a block: NFC, single spaces, no stray whitespace."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def split_blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"\n[ \t]*\n", text):
        raw_blocks = re.split(r"\n[ \t]*\n", text)
    else:  # one paragraph per line, no blank lines between
        raw_blocks = text.split("\n")
    blocks = [normalize_text(b) for b in raw_blocks]
    return [b for b in blocks if b]


def _is_short_label(block: str, max_words: int) -> bool:
    return (
        len(block.split()) <= max_words
        and not block.endswith(_SENTENCE_END)
        and not block.startswith(_QUOTES)
    )


def _parse_image(block: str) -> ParsedPassage | None:
    match = _PLACEHOLDER.match(block)
    if not match:
        return None
    rest = block[match.end() :].strip()
    credited = _CREDITED.match(rest)
    if credited:
        credit, alt = credited["credit"].strip(), credited["alt"].strip()
    else:
        credit, alt = None, rest
    return ParsedPassage(PassageKind.caption, text=alt, credit=credit, alt=alt)


def parse_article(text: str) -> ParsedArticle:
    blocks = split_blocks(text)
    if not blocks:
        raise InputError("The article has no text.")
    headline, rest = blocks[0], blocks[1:]
    if _parse_image(headline):
        raise InputError("The first line must be the headline, not an image.")
    passages: list[ParsedPassage] = [ParsedPassage(PassageKind.headline, headline)]
    bylines: list[str] = []
    i = 0
    while (
        i < len(rest) and _is_short_label(rest[i], MAX_BYLINE_WORDS) and not _parse_image(rest[i])
    ):
        bylines.append(rest[i])
        passages.append(ParsedPassage(PassageKind.byline, rest[i]))
        i += 1
    while i < len(rest):
        block = rest[i]
        image = _parse_image(block)
        if image is None:
            passages.append(ParsedPassage(PassageKind.paragraph, block))
        else:
            following = rest[i + 1] if i + 1 < len(rest) else None
            if (
                following
                and not _parse_image(following)
                and _is_short_label(following, MAX_CAPTION_WORDS)
            ):
                image = ParsedPassage(
                    PassageKind.caption, text=following, credit=image.credit, alt=image.alt
                )
                i += 1
            passages.append(image)
        i += 1
    if not any(p.kind == PassageKind.paragraph for p in passages):
        raise InputError(
            "The article has no paragraphs: after the headline and byline there must be "
            "body text, with a blank line between paragraphs."
        )
    return ParsedArticle(headline, tuple(bylines), tuple(passages))
