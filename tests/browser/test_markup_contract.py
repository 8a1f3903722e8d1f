"""The markup every page keeps (shared/product.md): each passage is an element with
id="p-{passage}", class passage, data-passage-id, data-outlet, data-kind and data-frames
(the passage's frame slugs), as the browser sees the rendered DOM."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import STORY, Tab

pytestmark = pytest.mark.browser


def _expected(story_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["id"]: {"outlet": a["outlet"], "kind": p["kind"], "frames": sorted(p["frames"])}
        for a in story_json["articles"]
        for p in a["passages"]
    }


def _first_paragraph(story_json: dict[str, Any]) -> str:
    return next(  # type: ignore[no-any-return]
        p["id"]
        for a in story_json["articles"]
        for p in a["passages"]
        if p["kind"] == "paragraph" and len(p["frames"]) > 1
    )


@pytest.mark.parametrize(
    "path",
    [
        f"/stories/{STORY}",
        f"/stories/{STORY}?frame=few-concessions",
        "/p/{pid}",
        "/frames/few-concessions",
    ],
    ids=["story", "story-frame", "permalink", "frame-page"],
)
def test_passage_markup_contract(tab: Tab, story_json: dict[str, Any], path: str) -> None:
    tab.goto(path.format(pid=_first_paragraph(story_json)))
    found = tab.page.eval_on_selector_all(
        ".passage",
        """els => els.map(el => ({
            id: el.id, cls: [...el.classList], pid: el.dataset.passageId,
            outlet: el.dataset.outlet, kind: el.dataset.kind,
            frames: el.getAttribute('data-frames'),
        }))""",
    )
    assert found, f"no .passage on {path}"
    expected = _expected(story_json)
    problems = []
    for el in found:
        want = expected.get(el["pid"])
        if want is None:
            problems.append(f"unknown data-passage-id {el['pid']!r}")
            continue
        if el["id"] != f"p-{el['pid']}":
            problems.append(f"{el['pid']}: id={el['id']!r}")
        if el["outlet"] != want["outlet"]:
            problems.append(f"{el['pid']}: data-outlet={el['outlet']!r}, not {want['outlet']!r}")
        if el["kind"] != want["kind"]:
            problems.append(f"{el['pid']}: data-kind={el['kind']!r}, not {want['kind']!r}")
        if el["frames"] is None or sorted(el["frames"].split()) != want["frames"]:
            problems.append(f"{el['pid']}: data-frames={el['frames']!r}, not {want['frames']}")
    assert not problems, f"{path}:\n" + "\n".join(problems)
    if path.startswith("/stories/"):
        # the story page shows every passage of both accounts, each once
        ids = [el["pid"] for el in found]
        assert len(ids) == len(set(ids))
        assert set(ids) == set(expected)
    tab.rec.assert_clean()
