"""The agreement page and its JSON twin, read the way a person (or a script) reads them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.routes import agreement
from app.services.agreement import FEWER_THAN_TWO
from tests.html import soup, text_of
from tests.services.test_agreement import APART, DISAGREE, DOMINANT, tag_passages

PAGE = "/stories/trump-putin-call/agreement"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # Until app.main registers the router, these tests register it themselves.
    if not any(getattr(r, "path", None) == "/stories/{story}/agreement" for r in app.routes):
        app.include_router(agreement.router)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def cells(page: BeautifulSoup, row_id: str) -> dict[str, str]:
    tr = page.select_one(f"tr#{row_id}")
    assert tr is not None
    return {str(td["class"][0]): text_of(td) for td in tr.select("td")}


def test_page_shows_each_frame_and_the_overall_numbers(client: TestClient, engine: Engine) -> None:
    tag_passages(engine, DISAGREE)
    r = client.get(PAGE)
    assert r.status_code == 200
    page = soup(r.text)
    back = page.select_one(".breadcrumbs a")
    assert back is not None and back["href"] == "/stories/trump-putin-call"
    assert text_of(back) == "The Trump–Putin phone call of 18 March 2025"
    assert len(page.select("tbody tr")) == 10

    few = page.select_one("tr#frame-few-concessions")
    assert few is not None and few.select_one("th svg.swatch") is not None
    assert text_of(few.select_one("th")) == "Few concessions"
    # hand-computed in tests/services/test_agreement.py: alpha 4/7, AC1 0.7
    assert cells(page, "frame-few-concessions") == {
        "units": "4",
        "analysts": "3",
        "tags": "7",
        "observed": "83.3%",
        "alpha": "0.571",
        "ac1": "0.700",
    }
    assert cells(page, "frame-win-for-russia")["alpha"] == "-0.080"
    assert cells(page, "frame-win-for-russia")["ac1"] == "-0.159"
    overall = cells(page, "overall")
    assert (overall["alpha"], overall["ac1"], overall["tags"]) == ("0.208", "0.281", "12")
    # a frame nobody used: no alpha (0/0), and the page says why
    unused = cells(page, "frame-expert-analysis")
    assert unused["alpha"].startswith("Undefined: no analyst applied this frame")
    assert unused["ac1"] == "1.000"
    assert "ann, ben, cat" in text_of(page.select_one(".summary"))
    assert page.select_one("[data-reason]") is None


def test_fewer_than_two_analysts_shows_the_reason_instead_of_a_number(
    client: TestClient, engine: Engine
) -> None:
    tag_passages(engine, APART)
    page = soup(client.get(PAGE).text)
    assert FEWER_THAN_TWO in text_of(page.select_one("[data-reason]"))
    for row_id in ("overall", "frame-few-concessions"):
        row = cells(page, row_id)
        assert row["alpha"] == row["ac1"] == FEWER_THAN_TWO
        assert row["observed"] == "–"
    assert page.select("table data") == []  # not one number anywhere


def test_page_explains_both_coefficients_and_what_an_analyst_tag_is(
    client: TestClient, engine: Engine
) -> None:
    tag_passages(engine, DOMINANT)
    page = soup(client.get(PAGE).text)
    few = cells(page, "frame-few-concessions")
    assert (few["alpha"], few["ac1"], few["observed"]) == ("-0.056", "0.756", "80.0%")
    terms = [text_of(dt) for dt in page.select("dl dt")]
    assert "Krippendorff’s α (nominal)" in terms and "Gwet’s AC1" in terms
    assert "What counts as an analyst tag" in terms
    explained = text_of(page.select_one("dl"))
    assert "one frame dominates" in explained and "editorial tags" in explained


def test_unknown_story_is_404(client: TestClient) -> None:
    r = client.get("/stories/nope/agreement")
    assert r.status_code == 404
    assert "no story 'nope'" in text_of(soup(r.text).main)
    api = client.get("/api/stories/nope/agreement")
    assert api.status_code == 404 and api.json() == {"detail": "There is no story 'nope'."}


def test_json_twin_carries_the_same_numbers(client: TestClient, engine: Engine) -> None:
    tag_passages(engine, DISAGREE)
    body = client.get("/api/stories/trump-putin-call/agreement").json()
    assert (body["story"], body["analysts"], body["units"], body["tags"]) == (
        "trump-putin-call",
        ["ann", "ben", "cat"],
        4,
        12,
    )
    assert body["reason"] is None
    few = next(f for f in body["frames"] if f["frame"] == "few-concessions")
    assert few["alpha"] == pytest.approx(4 / 7) and few["ac1"] == pytest.approx(0.7)
    assert body["overall"]["alpha"] == pytest.approx(5 / 24)
    unused = next(f for f in body["frames"] if f["frame"] == "expert-analysis")
    assert unused["alpha"] is None and unused["alpha_note"]
