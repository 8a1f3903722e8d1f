"""Quotes in passages: the W3C TextQuoteSelector (exact, prefix, suffix) and
TextPositionSelector (start, end), and finding them again, as Hypothesis does.

Positions are tried first (cheap, exact); if the passage text moved, the exact quote is
searched for, and among several matches the one whose surroundings best fit the stored
prefix and suffix wins. A quote that cannot be found any more is an orphan: the annotation
is still shown, on the whole passage, and says its quote is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.errors import InputError

CONTEXT_CHARS = 32
MAX_QUOTE_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class Quote:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def make_quote(text: str, *, exact: str, start: int | None, end: int | None) -> Quote:
    """Validate a selection made in the browser against the passage's text."""
    if not exact.strip():
        raise InputError("The quote is empty: select some text in the passage.")
    if len(exact) > MAX_QUOTE_CHARS:
        raise InputError(f"A quote may be at most {MAX_QUOTE_CHARS} characters.")
    if start is None or end is None or text[start:end] != exact:
        found = text.find(exact)
        if found < 0:
            raise InputError("The quoted text is not in this passage: select it again.")
        start, end = found, found + len(exact)
    return Quote(
        exact=exact,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        start=start,
        end=end,
    )


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def anchor(text: str, quote: Quote) -> tuple[int, int] | None:
    """Where the quote is in `text` now, or None (an orphan)."""
    if 0 <= quote.start <= quote.end <= len(text) and text[quote.start : quote.end] == quote.exact:
        return quote.start, quote.end
    best: tuple[int, int] | None = None
    best_score = -1
    at = text.find(quote.exact)
    while at >= 0:
        end = at + len(quote.exact)
        score = _common_suffix(text[:at], quote.prefix) + _common_prefix(text[end:], quote.suffix)
        if score > best_score:
            best, best_score = (at, end), score
        at = text.find(quote.exact, at + 1)
    return best


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, list[str]]]:
    """Cut `text` at every span boundary: [(piece, [ids of the spans covering it])].
    Overlapping quotes share the pieces they both cover."""
    cuts = sorted({0, len(text), *(s for s, _e, _i in spans), *(e for _s, e, _i in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        ids = [i for s, e, i in spans if s <= a and b <= e]
        out.append((text[a:b], ids))
    return out
