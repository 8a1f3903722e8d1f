"""Agreement between analysts: the coefficients against published and hand-computed values,
and the report against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import write_session
from app.models import PassageFrame, Story, TagSource, User
from app.services.agreement import (
    ALL_APPLIED,
    BINARY,
    FEWER_THAN_TWO,
    NONE_APPLIED,
    AgreementReport,
    Coefficients,
    gwet_ac1,
    nominal_alpha,
    story_agreement,
)
from app.tables import article_t, frame_t, passage_t, story_t

STORY = "trump-putin-call"
F, G, H = "few-concessions", "win-for-russia", "expert-analysis"
nan = math.nan

# Plans: analyst -> passage index (into the story's live passages) -> frames they applied.
#
# Three analysts, four passages, two frames; cat never tagged passages 2 and 3 (missing,
# not "no"). Worked by hand (Krippendorff 2011, "Computing Krippendorff's alpha-reliability";
# Gwet 2014, ch. 2), with r_ik = analysts answering k on passage i:
#
#   few-concessions   ann 1 1 0 1 | ben 1 0 0 1 | cat 1 1 . .
#     AC1: per-passage agreement 1, (2*1)/(3*2) = 1/3, 1, 1      -> pa = (10/3)/4 = 5/6
#          pi_yes = mean(3/3, 2/3, 0/2, 2/2) = 2/3               -> pe = 2 * 2/3 * 1/3 = 4/9
#          AC1 = (5/6 - 4/9) / (1 - 4/9) = (7/18) / (10/18) = 0.7
#     alpha: coincidences (pairs weighted 1/(m_u - 1)): o_yy = 3 + 1 + 0 + 2 = 6, o_nn = 2,
#          o_yn = o_ny = 1; n_y = 7, n_n = 3, n = 10
#          alpha = 1 - (n - 1) * (o_yn + o_ny) / (2 n_y n_n) = 1 - 9*2/42 = 4/7 = 0.571429
#   win-for-russia    ann 0 0 1 0 | ben 0 1 1 1 | cat 1 0 . .
#     AC1: pa = (1/3 + 1/3 + 1 + 0)/4 = 5/12; pi_yes = mean(1/3, 1/3, 1, 1/2) = 13/24
#          pe = 2 * 13/24 * 11/24 = 143/288; AC1 = (120 - 143)/(288 - 143) = -23/145
#     alpha: o_yy = 2, o_nn = 2, o_yn = o_ny = 3; n_y = n_n = 5
#          alpha = 1 - 9*6/50 = -0.08
#   overall (both frames, 8 yes/no questions)
#     AC1: pa = (10/3 + 5/3)/8 = 5/8; pi_yes = (8/3 + 13/6)/8 = 29/48
#          pe = 2 * 29/48 * 19/48 = 551/1152; AC1 = (720 - 551)/(1152 - 551) = 169/601
#     alpha: o_yy = 8, o_nn = 4, off-diagonal 8; n_y = 12, n_n = 8, n = 20
#          alpha = 1 - 19*8/192 = 5/24
DISAGREE: dict[str, dict[int, set[str]]] = {
    "ann": {0: {F}, 1: {F}, 2: {G}, 3: {F}},
    "ben": {0: {F}, 1: {G}, 2: {G}, 3: {F, G}},
    "cat": {0: {F, G}, 1: {F}},
}
AGREE: dict[str, dict[int, set[str]]] = {
    "ann": {0: {F}, 1: {G}, 2: {F, G}},
    "ben": {0: {F}, 1: {G}, 2: {F, G}},
}
# ann tagged passages 0 and 1, ben passage 2: nobody shares a passage.
APART: dict[str, dict[int, set[str]]] = {"ann": {0: {F}, 1: {G}}, "ben": {2: {F}}}
# One frame dominates: both analysts see it on 9 passages of 10 and agree on 8 of them.
DOMINANT: dict[str, dict[int, set[str]]] = {
    "ann": {**{i: {F} for i in range(9)}, 9: {G}},
    "ben": {**{i: {F} for i in range(8)}, 8: {G}, 9: {F}},
}


def live_passages(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(passage_t.c.id)
                .join(article_t, article_t.c.id == passage_t.c.article_id)
                .join(story_t, story_t.c.id == article_t.c.story_id)
                .where(story_t.c.slug == STORY, passage_t.c.removed_at.is_(None))
                .order_by(article_t.c.id, passage_t.c.position)
            ).scalars()
        )


def story_id(engine: Engine, slug: str = STORY) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(story_t.c.id).where(story_t.c.slug == slug)).scalar_one())


def frame_ids(session: Session) -> dict[str, int]:
    return {slug: fid for slug, fid in session.execute(select(frame_t.c.slug, frame_t.c.id))}


def tag_passages(engine: Engine, plan: dict[str, dict[int, set[str]]]) -> list[int]:
    """Write the plan as analyst tags (one account per analyst); returns the passage ids."""
    passages = live_passages(engine)
    with write_session(engine) as session:
        frames = frame_ids(session)
        for name, tags in plan.items():
            user = User(name=name, role="analyst")
            session.add(user)
            session.flush()
            for index, slugs in tags.items():
                for slug in slugs:
                    session.add(
                        PassageFrame(
                            passage_id=passages[index],
                            frame_id=frames[slug],
                            source=TagSource.analyst,
                            tagger=name,
                            user_id=user.id,
                        )
                    )
    return passages


def report_of(engine: Engine) -> AgreementReport:
    with engine.connect() as conn:
        return story_agreement(conn, story_id(engine))


def row(report: AgreementReport, slug: str) -> Coefficients:
    return next(r.result for r in report.frames if r.frame.slug == slug)


# --- the coefficients ----------------------------------------------------------------------

# Krippendorff's own example (Krippendorff 2011, p. 8): 4 raters, 12 units, values 1-5 with
# missing data; Gwet (2014, p. 120) reuses it, and irrCAC ships it as `raw_4raters`.
RAW_4RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, nan],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]


def test_ac1_reproduces_the_published_example() -> None:
    # irrCAC's documented result for raw_4raters: pa 0.81818, pe 0.19032, AC1 0.77544.
    result = gwet_ac1(RAW_4RATERS, [1, 2, 3, 4, 5])
    assert result is not None and result.value is not None
    assert round(result.pa, 5) == 0.81818
    assert round(result.pe, 5) == 0.19032
    assert round(result.value, 5) == 0.77544


def test_alpha_reproduces_the_published_example() -> None:
    # Krippendorff (2011) reports nominal alpha = 0.743 for the same data.
    value = nominal_alpha(RAW_4RATERS)
    assert value is not None and round(value, 3) == 0.743


def _ac1_brute_force(data: list[list[float]], categories: list[float]) -> float:
    """AC1 from its definition, by enumerating pairs of raters: written independently of
    gwet_ac1 (no count matrix, no numpy)."""
    q = len(categories)
    units = [[row[j] for row in data if not math.isnan(row[j])] for j in range(len(data[0]))]
    units = [u for u in units if u]
    agree = []
    for ratings in units:
        if len(ratings) < 2:
            continue
        pairs = list(itertools.permutations(range(len(ratings)), 2))
        agree.append(sum(ratings[a] == ratings[b] for a, b in pairs) / len(pairs))
    pa = sum(agree) / len(agree)
    pi = {k: sum(u.count(k) / len(u) for u in units) / len(units) for k in categories}
    pe = sum(p * (1 - p) for p in pi.values()) / (q - 1)
    return (pa - pe) / (1 - pe)


def test_ac1_agrees_with_a_brute_force_implementation() -> None:
    rng = random.Random(20250318)
    for _ in range(200):
        raters, units, q = rng.randint(2, 5), rng.randint(2, 12), rng.randint(2, 4)
        data = [
            [nan if rng.random() < 0.3 else float(rng.randrange(q)) for _ in range(units)]
            for _ in range(raters)
        ]
        categories = [float(k) for k in range(q)]
        result = gwet_ac1(data, categories)
        if result is None:  # no unit with two ratings: nothing to compare
            assert all(sum(not math.isnan(r[j]) for r in data) < 2 for j in range(units))
            continue
        assert result.value == pytest.approx(_ac1_brute_force(data, categories), abs=1e-12)


def test_ac1_for_two_raters_is_gwets_two_category_formula() -> None:
    # Gwet (2008): with two raters and two categories, pe = 2 pi (1 - pi), pi the mean of
    # the two raters' "yes" shares.
    a = [1, 1, 1, 0, 1, 0, 1, 1]
    b = [1, 0, 1, 0, 1, 1, 1, 1]
    pa = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    pi = (sum(a) + sum(b)) / (2 * len(a))
    pe = 2 * pi * (1 - pi)
    result = gwet_ac1([a, b], BINARY)
    assert result is not None
    assert result.value == pytest.approx((pa - pe) / (1 - pe))


def test_unanimous_answers_leave_alpha_undefined_and_ac1_at_one() -> None:
    data = [[1, 1, 1], [1, 1, 1]]
    assert nominal_alpha(data) is None
    result = gwet_ac1(data, BINARY)
    assert result is not None and (result.pa, result.pe, result.value) == (1.0, 0.0, 1.0)


def test_ac1_needs_a_unit_with_two_ratings() -> None:
    assert gwet_ac1([[1, nan], [nan, 0]], BINARY) is None


# --- the report, from the database ---------------------------------------------------------


def test_perfect_agreement(engine: Engine) -> None:
    tag_passages(engine, AGREE)
    report = report_of(engine)
    assert report.reason is None
    assert (report.analysts, report.units, report.tags) == (["ann", "ben"], 3, 8)
    few = row(report, F)
    assert (few.units, few.analysts, few.tags) == (3, 2, 4)
    assert (few.alpha, few.ac1, few.observed) == (1.0, 1.0, 1.0)
    assert (report.overall.alpha, report.overall.ac1) == (1.0, 1.0)
    unused = row(report, H)
    assert unused.alpha is None and unused.alpha_note == NONE_APPLIED
    assert unused.ac1 == 1.0 and unused.tags == 0
    # the story's whole codebook is listed, in codebook order
    assert [r.frame.slug for r in report.frames][:2] == [F, G] and len(report.frames) == 10


def test_known_disagreement_matches_the_hand_computed_values(engine: Engine) -> None:
    tag_passages(engine, DISAGREE)
    report = report_of(engine)
    assert (report.units, report.tags) == (4, 12)
    few, win = row(report, F), row(report, G)
    assert few.alpha == pytest.approx(4 / 7)
    assert few.ac1 == pytest.approx(0.7)
    assert few.observed == pytest.approx(5 / 6)
    assert (few.units, few.analysts, few.tags) == (4, 3, 7)
    assert win.alpha == pytest.approx(-0.08)
    assert win.ac1 == pytest.approx(-23 / 145)
    assert report.overall.alpha == pytest.approx(5 / 24)
    assert report.overall.ac1 == pytest.approx(169 / 601)
    assert report.overall.observed == pytest.approx(5 / 8)
    # the eight frames nobody used are listed but stay out of the overall numbers
    assert report.overall.tags == 12


def test_fewer_than_two_analysts_on_a_passage_gives_a_reason_not_a_number(
    engine: Engine,
) -> None:
    tag_passages(engine, APART)
    report = report_of(engine)
    assert report.reason == FEWER_THAN_TWO
    assert (report.analysts, report.units, report.tags) == (["ann", "ben"], 0, 3)
    for result in [report.overall, *(r.result for r in report.frames)]:
        assert result.alpha is None and result.ac1 is None and result.observed is None
        assert result.alpha_note == result.ac1_note == FEWER_THAN_TWO


def test_when_one_frame_dominates_alpha_collapses_and_ac1_does_not(engine: Engine) -> None:
    tag_passages(engine, DOMINANT)
    few = row(report_of(engine), F)
    # 8 of 10 passages agreed: pa = 0.8, pi_yes = 0.9, pe = 2*0.9*0.1 = 0.18,
    # AC1 = 0.62/0.82 = 31/41; alpha = 1 - 19*4/(2*18*2) = -1/18.
    assert few.observed == pytest.approx(0.8)
    assert few.ac1 == pytest.approx(31 / 41)
    assert few.alpha == pytest.approx(-1 / 18)


def test_a_frame_on_every_compared_passage_leaves_alpha_undefined(engine: Engine) -> None:
    tag_passages(engine, {"ann": {0: {F}, 1: {F}}, "ben": {0: {F}, 1: {F, G}}})
    few = row(report_of(engine), F)
    assert few.alpha is None and few.alpha_note == ALL_APPLIED
    assert few.ac1 == 1.0


def test_editorial_and_suggested_tags_are_ignored(engine: Engine) -> None:
    # the seeds come with editorial tags only: nothing to compare
    seeded = report_of(engine)
    assert (seeded.analysts, seeded.tags, seeded.reason) == ([], 0, FEWER_THAN_TWO)

    passages = tag_passages(engine, AGREE)
    with write_session(engine) as session:
        frames = frame_ids(session)
        # tags under an analyst's name that are not analyst tags would break the agreement
        session.add(
            PassageFrame(
                passage_id=passages[0], frame_id=frames[H], source=TagSource.editorial, tagger="ann"
            )
        )
        session.add(
            PassageFrame(
                passage_id=passages[1],
                frame_id=frames[H],
                source=TagSource.suggestion,
                tagger="ben",
            )
        )
        # an editorial tag on a passage no analyst tagged does not make it a compared one
        session.add(
            PassageFrame(passage_id=passages[5], frame_id=frames[G], source=TagSource.editorial)
        )
    report = report_of(engine)
    assert (report.units, report.tags) == (3, 8)
    assert (report.overall.alpha, report.overall.ac1) == (1.0, 1.0)
    assert row(report, H).tags == 0


def test_removed_passages_are_ignored(engine: Engine) -> None:
    plan = {k: {**v} for k, v in AGREE.items()}
    plan["ann"][3], plan["ben"][3] = {F}, {G}  # a disagreement, on a passage about to go
    passages = tag_passages(engine, plan)
    assert report_of(engine).overall.alpha != 1.0
    with write_session(engine) as session:
        session.execute(
            update(passage_t)
            .where(passage_t.c.id == passages[3])
            .values(removed_at=dt.datetime.now(dt.UTC))
        )
    report = report_of(engine)
    assert (report.units, report.overall.alpha, report.overall.ac1) == (3, 1.0, 1.0)


def test_other_stories_tags_are_not_counted(engine: Engine) -> None:
    tag_passages(engine, AGREE)
    with write_session(engine) as session:
        other = Story(slug="other", title="Another story")
        session.add(other)
    with engine.connect() as conn:
        report = story_agreement(conn, story_id(engine, "other"))
    assert (report.tags, report.frames, report.reason) == (0, [], FEWER_THAN_TWO)
