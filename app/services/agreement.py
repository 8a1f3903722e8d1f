"""How far analysts agree when they tag the same passages with frames.

Each frame is a yes/no question asked of every passage: did the analyst apply this frame?
Two coefficients answer "is the agreement better than chance?":

- Krippendorff's alpha (nominal), from the maintained `krippendorff` package: the standard
  in content analysis, comparable across studies. Its chance term comes from how often
  each answer is given overall, so when one answer dominates (a frame on nearly every
  passage) a single disagreement can drag it below zero: the "high agreement, low
  reliability" paradox.
- Gwet's AC1: chance agreement is weighted by how hard the passages are to classify, so it
  stays close to the observed agreement when one answer dominates. We compute it ourselves
  (see `gwet_ac1`).

A passage an analyst never tagged is missing data for that analyst, not a "no": only
passages that at least two analysts tagged are compared, and on those an analyst's "no"
for a frame means they tagged the passage but not with that frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
import numpy.typing as npt
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from app.models import TagSource, User
from app.services.frames_read import FrameInfo, list_frames
from app.tables import article_t, passage_frame_t, passage_t

user_t: Table = User.__table__  # type: ignore[attr-defined]

FEWER_THAN_TWO = "Fewer than two analysts tagged the same passages"
NONE_APPLIED = "Undefined: no analyst applied this frame to these passages"
ALL_APPLIED = "Undefined: every analyst applied this frame to every one of these passages"
NO_VARIATION = "Undefined: every analyst gave the same answer on every passage"

# The answer to "did the analyst apply this frame?": the category set is fixed, so a frame
# nobody applied still has two possible answers (q = 2 in AC1).
BINARY = (0.0, 1.0)


@dataclass(frozen=True, slots=True)
class Ac1:
    pa: float  # observed agreement: the share of pairs of analysts who agree
    pe: float  # chance agreement
    value: float | None  # (pa - pe) / (1 - pe); None if pe == 1


@dataclass(frozen=True, slots=True)
class Coefficients:
    units: int  # passages tagged by at least two analysts
    analysts: int  # analysts who tagged at least one of those passages
    tags: int  # analyst tags (of this frame, or of any frame) on those passages
    observed: float | None  # share of pairs of analysts who gave the same answer
    alpha: float | None
    alpha_note: str | None  # why alpha is missing
    ac1: float | None
    ac1_note: str | None  # why AC1 is missing


@dataclass(frozen=True, slots=True)
class FrameAgreement:
    frame: FrameInfo
    result: Coefficients


@dataclass(frozen=True, slots=True)
class AgreementReport:
    story_id: int
    analysts: list[str]  # everyone with an analyst tag on a live passage of the story
    tags: int  # analyst tags on live passages of the story
    units: int  # passages tagged by at least two analysts
    frames: list[FrameAgreement]  # the story's codebook, then other frames analysts used
    overall: Coefficients  # every frame some analyst used on the compared passages
    reason: str | None  # why there are no numbers at all


def gwet_ac1(reliability_data: npt.ArrayLike, categories: Sequence[float]) -> Ac1 | None:
    """Gwet's AC1 for any number of raters, with missing ratings (np.nan).

    Same layout as `krippendorff.alpha`: one row per rater, one column per unit. Follows
    Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., ch. 2, as implemented by
    irrCAC's `gwet` with identity weights. With r_ik the raters who put unit i in category
    k and r_i their sum:

        pa   = mean over units with r_i >= 2 of  sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))
        pi_k = mean over units with r_i >= 1 of  r_ik / r_i
        pe   = sum_k pi_k (1 - pi_k) / (q - 1)
        AC1  = (pa - pe) / (1 - pe)

    Since sum_k pi_k (1 - pi_k) <= 1 - 1/q, pe <= 1/q < 1 whenever q >= 2: AC1 is always
    defined, and it is 1 when every rater agrees on every unit, even on a single category
    (where alpha is 0/0).

    Why not irrCAC itself: it pins scipy==1.12.0 and needs `coverage` at run time, neither
    of which we will ship; the point estimate is a few lines. Returns None when no unit
    has two ratings.
    """
    q = len(categories)
    if q < 2:
        raise ValueError("AC1 needs at least two categories.")
    data = np.asarray(reliability_data, dtype=float)
    counts = np.stack([(data == c).sum(axis=0) for c in categories], axis=1).astype(float)
    r = counts.sum(axis=1)
    counts, r = counts[r >= 1], r[r >= 1]
    pairable = r >= 2
    if not pairable.any():
        return None
    rp, cp = r[pairable], counts[pairable]
    pa = float(np.mean((cp * (cp - 1)).sum(axis=1) / (rp * (rp - 1))))
    pi = (counts / r[:, np.newaxis]).mean(axis=0)
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    value = None if pe >= 1 else (pa - pe) / (1 - pe)
    return Ac1(pa, pe, value)


def nominal_alpha(reliability_data: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha (nominal); None when it is undefined (0/0: one value only)."""
    data = np.asarray(reliability_data, dtype=float)
    if np.unique(data[~np.isnan(data)]).size < 2:
        return None
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(value) else value


def _coefficients(
    data: npt.NDArray[np.float64], *, units: int, analysts: int, tags: int
) -> Coefficients:
    """Both coefficients for binary data (rows: analysts, columns: units x frames)."""
    if data.shape[1] == 0:
        return Coefficients(0, 0, tags, None, None, FEWER_THAN_TWO, None, FEWER_THAN_TWO)
    ac1 = gwet_ac1(data, BINARY)
    assert ac1 is not None  # every column has at least two answers
    alpha = nominal_alpha(data)
    note = None
    if alpha is None:
        seen = set(np.unique(data[~np.isnan(data)]).tolist())
        note = NONE_APPLIED if seen == {0.0} else ALL_APPLIED if seen == {1.0} else NO_VARIATION
    return Coefficients(
        units=units,
        analysts=analysts,
        tags=tags,
        observed=ac1.pa,
        alpha=alpha,
        alpha_note=note,
        ac1=ac1.value,
        ac1_note=None if ac1.value is not None else "Undefined: chance agreement is 1",
    )


def _analyst_tags(conn: Connection, story_id: int) -> list[tuple[int, int, str]]:
    """(passage id, frame id, analyst) for the analyst tags on live passages of the story."""
    rows = conn.execute(
        select(
            passage_frame_t.c.passage_id,
            passage_frame_t.c.frame_id,
            passage_frame_t.c.user_id,
            passage_frame_t.c.tagger,
            user_t.c.name,
        )
        .join(passage_t, passage_t.c.id == passage_frame_t.c.passage_id)
        .join(article_t, article_t.c.id == passage_t.c.article_id)
        .outerjoin(user_t, user_t.c.id == passage_frame_t.c.user_id)
        .where(
            article_t.c.story_id == story_id,
            passage_t.c.removed_at.is_(None),
            passage_frame_t.c.source == TagSource.analyst,
        )
        .order_by(passage_frame_t.c.passage_id, passage_frame_t.c.frame_id)
    )
    # The account's current name, so a renamed analyst stays one analyst; `tagger` names
    # the analyst of a row written without an account.
    return [(pid, fid, name or tagger) for pid, fid, _uid, tagger, name in rows]


def story_agreement(conn: Connection, story_id: int) -> AgreementReport:
    tags = _analyst_tags(conn, story_id)
    applied: dict[tuple[str, int], set[int]] = {}  # (analyst, passage) -> frame ids
    for pid, fid, analyst in tags:
        applied.setdefault((analyst, pid), set()).add(fid)

    by_passage: dict[int, list[str]] = {}
    for key, pid in applied:
        by_passage.setdefault(pid, []).append(key)
    units = sorted(pid for pid, keys in by_passage.items() if len(keys) >= 2)
    raters = sorted({key for pid in units for key in by_passage[pid]})
    unit_set = set(units)

    frames = list_frames(conn, story_id=story_id)
    used = {fid for _, fid, _ in tags}
    known = {f.id for f in frames}
    if used - known:  # frames of another story's codebook applied here
        frames += [f for f in list_frames(conn) if f.id in used - known]

    def matrix(frame_ids: list[int]) -> npt.NDArray[np.float64]:
        data = np.full((len(raters), len(units) * len(frame_ids)), np.nan)
        for row, key in enumerate(raters):
            for col, pid in enumerate(units):
                mine = applied.get((key, pid))
                if mine is None:
                    continue
                for j, fid in enumerate(frame_ids):
                    data[row, j * len(units) + col] = 1.0 if fid in mine else 0.0
        return data

    compared = [(fid, pid) for pid, fid, _ in tags if pid in unit_set]
    rows = [
        FrameAgreement(
            f,
            _coefficients(
                matrix([f.id]),
                units=len(units),
                analysts=len(raters),
                tags=sum(1 for fid, _ in compared if fid == f.id),
            ),
        )
        for f in frames
    ]
    # Overall: only frames some analyst used on the compared passages. A frame nobody used
    # adds nothing but agreed "no"s, so counting the whole codebook would let its size,
    # not the analysts, set the score.
    in_play = [f.id for f in frames if any(fid == f.id for fid, _ in compared)]
    overall = _coefficients(
        matrix(in_play), units=len(units), analysts=len(raters), tags=len(compared)
    )
    return AgreementReport(
        story_id=story_id,
        analysts=sorted({analyst for _, _, analyst in tags}),
        tags=len(tags),
        units=len(units),
        frames=rows,
        overall=overall,
        reason=None if units else FEWER_THAN_TWO,
    )
