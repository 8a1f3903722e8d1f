"""The ingest parser on the two raw articles as received, and on bad input."""

from __future__ import annotations

import pytest

from app.models import PassageKind
from app.services.errors import InputError
from app.services.parse_article import MAX_ARTICLE_BYTES, decode_article, parse_article
from tests.conftest import SOURCE_ARTICLES

NYT = SOURCE_ARTICLES / "nyt-style_few-concessions.txt"
BBC = SOURCE_ARTICLES / "bbc-style_win-for-russia.txt"


def _parse(path):  # type: ignore[no-untyped-def]
    return parse_article(decode_article(path.read_bytes()))


def test_seed_copies_are_the_articles_as_received() -> None:
    shared = SOURCE_ARTICLES.parents[3] / "shared" / "source-articles"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    for path in (NYT, BBC):
        assert path.read_bytes() == (shared / path.name).read_bytes()


def test_nyt_style_article_counts() -> None:
    article = _parse(NYT)
    assert article.headline == "During Call with Trump, Putin Offers Few Concessions on Ukraine"
    assert article.bylines == ()
    assert article.count(PassageKind.headline) == 1
    assert article.count(PassageKind.byline) == 0
    assert article.count(PassageKind.caption) == 0
    assert article.count(PassageKind.paragraph) == 17
    assert article.passages[1].text.startswith("Following the Kremlin’s release")
    assert article.passages[-1].text.endswith("ahead in this situation.”")


def test_bbc_style_article_counts_bylines_and_captions() -> None:
    article = _parse(BBC)
    assert article.headline == "Trump-Putin Call Viewed as a Win for Russia"
    assert article.bylines == ("Steve Rosenberg", "Russia editor")
    assert article.count(PassageKind.byline) == 2
    assert article.count(PassageKind.caption) == 2
    assert article.count(PassageKind.paragraph) == 25
    kinds = [p.kind for p in article.passages[:5]]
    assert kinds == ["headline", "byline", "byline", "caption", "paragraph"]


def test_image_runs_become_captions_with_credit_and_no_placeholder_text() -> None:
    captions = [p for p in _parse(BBC).passages if p.kind == PassageKind.caption]
    first, second = captions
    assert first.credit == "Reuters"
    assert first.text == "Russian media expressed optimism following Putin’s discussion with Trump"
    assert first.alt is not None and first.alt.startswith("Giant painting showing composite face")
    assert first.alt.endswith("walking to the left of the picture.")
    assert second.credit == "EPA"
    assert second.text.startswith("Putin declined the unconditional ceasefire")
    for caption in captions:
        for field in (caption.text, caption.alt or ""):
            assert "placeholder" not in field
            assert not field.endswith(("Reuters", "EPA"))
    # the caption lines are not also kept as paragraphs
    paragraphs = [p.text for p in _parse(BBC).passages if p.kind == PassageKind.paragraph]
    assert first.text not in paragraphs


def test_rules_hold_for_another_outlet_layout() -> None:
    """No outlet-specific paths: a third layout (one paragraph per line, a multi-word
    credit, an image with no caption line) parses by the same rules."""
    text = (
        "Ceasefire Talks Stall Again\n"
        "By Jane Doe\n"
        "Diplomatic correspondent\n"
        "The talks ended without a deal on Tuesday.\n"
        "image placeholderGetty Images Delegates leave the hall in Riyadh.Getty Images\n"
        "Both sides said they would meet again.\n"
    )
    article = parse_article(text)
    assert article.bylines == ("By Jane Doe", "Diplomatic correspondent")
    caption = next(p for p in article.passages if p.kind == PassageKind.caption)
    assert caption.credit == "Getty Images"
    assert caption.text == "Delegates leave the hall in Riyadh."
    assert article.count(PassageKind.paragraph) == 2


def test_whitespace_and_line_endings_are_normalised() -> None:
    text = "Headline\r\n\r\nFirst   paragraph\r\nwrapped here.\r\n\r\n\r\nSecond.\r\n"
    article = parse_article(text)
    assert [p.text for p in article.passages] == [
        "Headline",
        "First paragraph wrapped here.",
        "Second.",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("Headline\n\nCaf\u00e9".encode("latin-1"), "UTF-8"),
        (b"x" * (MAX_ARTICLE_BYTES + 1), "at most"),
    ],
)
def test_bad_files_get_a_message_a_person_can_act_on(raw: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_article(decode_article(raw))


def test_an_article_with_no_paragraphs_is_refused() -> None:
    with pytest.raises(InputError, match="no paragraphs"):
        parse_article("Just a headline\n\nA Byline")


def test_utf8_bom_is_accepted() -> None:
    article = parse_article(decode_article("\ufeffHeadline\n\nBody text.".encode()))
    assert article.headline == "Headline"
