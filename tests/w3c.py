"""A headless runner of the W3C Web Annotation Data Model tests' MUST assertions.

The suite (../shared/w3c-annotation-model/, or PARALLAX_W3C_SUITE) holds JSON manifests
(`*.test`) that list assertion files, each a draft-04 JSON Schema that `$ref`s shared
definitions (`definitions/*.json`) by relative id. The original harness (`JSONtest.js`)
compiles each assertion with Ajv 4 (`allErrors`, `validateSchema: false`) and runs them in
order over one JSON input. This module does the same with `jsonschema`, faithfully:

- every schema is registered under one base URI, so `"annotations.json#/definitions/x"`
  resolves as it does for Ajv, and every `$ref` is checked to resolve when loading;
- Ajv 4 applies the keywords beside a `$ref` (draft-04 says ignore them, and `jsonschema`
  does): `{"$ref": X, ...rest}` is rewritten to `{"allOf": [{"$ref": X}, {...rest}]}`;
- formats `uri` and `date-time` are checked, by Ajv 4's own ("fast") patterns and also by
  RFC 3986 / RFC 3339 (jsonschema's `format-nongpl` checkers), so nothing Ajv would reject
  passes here (a little stricter: Ajv's `uri` lets a relative "/p/1" through, RFC 3986
  does not, and our ids must be absolute anyway);
- one validator class reads every schema as draft-04 (`$schema` keys are dropped, or
  jsonschema would switch to its stock class at each subschema that names its dialect);
- the manifest semantics are the harness's: `expectedResult` ("valid" by default, or
  "invalid"), `onUnexpectedResult` (fail/pass + AndContinue / AndSkip / AndAbort: skip the
  rest of this level, or of the whole run), `message` for the failure text, nested lists
  of assertions, `{"assertionFile": ..., overrides}` entries and inline assertions;
- an input that is not JSON fails ("Parse of JSON failed"), as in the harness, and a
  number like 2.0 is an integer, as in JavaScript.

`check(instance)` runs every manifest that applies to the shape (Annotation, Annotation
Collection, Annotation Page) and again over every Page and Annotation embedded in it (with
the `@context` they inherit), and returns the failures; `assert_musts(instance)` raises an
AssertionError that names each failed assertion, its error message and why. Without the
suite beside this checkout the W3C checks skip, and fail when CI=true.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SUITE_DIR = Path(
    os.environ.get(
        "PARALLAX_W3C_SUITE",
        Path(__file__).resolve().parents[2] / "shared" / "w3c-annotation-model",
    )
)
BASE = "https://w3c.test/web-annotation-tests/"  # any absolute base: ids are relative
MANIFESTS = {
    "annotation": "annotations/annotationMusts.test",
    "collection": "collections/collectionMusts.test",
    "page": "collections/pages/pageMusts.test",
}

# Ajv 4's default ("fast") format patterns, as in its lib/compile/formats.js.
AJV4_FAST = {
    "uri": re.compile(r"^(?:[a-z][a-z0-9+-.]*)?(?:\:|\/)\/?[^\s]*$", re.IGNORECASE),
    "date-time": re.compile(
        r"^\d\d\d\d-[0-1]\d-[0-3]\d[t\s][0-2]\d:[0-5]\d:[0-5]\d(?:\.\d+)?(?:z|[+-]\d\d:\d\d)$",
        re.IGNORECASE,
    ),
}
_ACTIONS = {
    "failAndContinue": "continue",
    "failAndSkip": "skip",
    "failAndAbort": "abort",
    "passAndContinue": "continue",
    "passAndSkip": "skip",
    "passAndAbort": "abort",
}


def _is_integer(_checker: object, value: object) -> bool:
    # JavaScript has one number type: to Ajv, 2.0 is an integer (draft-04 in jsonschema: not)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


AjvDraft4Validator = validators.extend(
    Draft4Validator, type_checker=Draft4Validator.TYPE_CHECKER.redefine("integer", _is_integer)
)


def _format_checker() -> FormatChecker:
    rfc = FormatChecker()
    missing = {"uri", "date-time"} - set(rfc.checkers)
    if missing:  # jsonschema silently skips formats it cannot check: refuse instead
        raise RuntimeError(f"jsonschema cannot check {missing}: install jsonschema[format-nongpl]")
    checker = FormatChecker(formats=())
    for name, pattern in AJV4_FAST.items():

        def check(value: object, name: str = name, pattern: re.Pattern[str] = pattern) -> bool:
            if not isinstance(value, str):
                return True  # formats only constrain strings
            return bool(pattern.match(value)) and rfc.conforms(value, name)

        checker.checks(name)(check)
    return checker


def extend_refs(node: Any) -> Any:
    """Rewrite every `{"$ref": X, ...siblings}` so the siblings apply too, as in Ajv 4."""
    if isinstance(node, list):
        return [extend_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: value if key == "enum" else extend_refs(value) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and len(out) > 1:
        del out["$ref"]
        outer = {key: out.pop(key) for key in ("id", "$schema") if key in out}
        out = {**outer, "allOf": [{"$ref": ref}, out]}
    return out


def without_dialect(node: Any) -> Any:
    """Drop `$schema` (all draft-04 here): jsonschema would switch to its stock Draft4Validator
    at every subschema that names its dialect, losing the Ajv reading of numbers above."""
    if isinstance(node, list):
        return [without_dialect(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {k: v if k == "enum" else without_dialect(v) for k, v in node.items() if k != "$schema"}


def _extend_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    if "$ref" in schema and "id" in schema:
        return {"id": schema.pop("id"), "allOf": [{"$ref": schema.pop("$ref")}, schema]}
    return schema


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key != "enum":
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@dataclass(frozen=True)
class Assertion:
    file: str  # path in the suite, or "inline N"
    title: str
    assertion_type: str
    expected: str  # "valid" | "invalid"
    on_unexpected: str
    message: str
    validator: Any = field(repr=False, compare=False)  # an AjvDraft4Validator

    def errors(self, instance: Any) -> list[str]:
        found = sorted(self.validator.iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


@dataclass(frozen=True)
class Outcome:
    assertion: Assertion | None  # None: the input was not JSON
    status: str  # "pass" | "fail" | "skipped"
    errors: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.assertion.file if self.assertion else "Parsing submitted input"


Entry = Assertion | list["Entry"]


@dataclass(frozen=True)
class Manifest:
    key: str
    file: str
    name: str
    assertions: list[Entry]

    def flat(self) -> list[Assertion]:
        def walk(entries: list[Entry]) -> Iterator[Assertion]:
            for e in entries:
                if isinstance(e, list):
                    yield from walk(e)
                else:
                    yield e

        return list(walk(self.assertions))

    def run(self, content: Any) -> list[Outcome]:
        """Every assertion over `content`, in order, as JSONtest.runTests does."""
        if isinstance(content, str | bytes):
            try:
                content = json.loads(content)
            except ValueError as exc:
                return [Outcome(None, "fail", (f"Parse of JSON failed: {exc}",))]
        outcomes: list[Outcome] = []
        self._run(self.assertions, content, outcomes)
        return outcomes

    def _run(
        self, entries: list[Entry], content: Any, outcomes: list[Outcome], action: str = "continue"
    ) -> str:
        for entry in entries:
            if isinstance(entry, list):  # a nested level starts in this level's state
                if self._run(entry, content, outcomes, action) == "abort":
                    action = "abort"
                continue
            if action != "continue":
                outcomes.append(Outcome(entry, "skipped"))
                continue
            valid = entry.validator.is_valid(content)
            as_expected = valid == (entry.expected == "valid")
            if as_expected:
                outcomes.append(Outcome(entry, "pass"))
            else:
                why = tuple(entry.errors(content)) or (f"was valid, expected {entry.expected}",)
                outcomes.append(Outcome(entry, "fail", why))
                action = _ACTIONS.get(entry.on_unexpected, "continue")
        return action


class Suite:
    def __init__(self, root: Path, *, ajv_refs: bool = True) -> None:
        self.root = root
        # ajv_refs=False: draft-04 as jsonschema reads it, siblings of a nested $ref ignored
        # (only to show that the rewrite matters; the root's id must still be its base)
        self._extend = extend_refs if ajv_refs else _extend_root_ref
        self.format_checker = _format_checker()
        resources = []
        for path in sorted((root / "definitions").glob("*.json")):
            schema = self._extend(without_dialect(json.loads(path.read_text(encoding="utf-8"))))
            schema["id"] = BASE + schema.get("id", path.name)
            resources.append((schema["id"], Resource.from_contents(schema, DRAFT4)))
        self.registry: Registry[Any] = Registry().with_resources(resources)
        for uri, resource in resources:  # every $ref resolves, or fail loudly now
            for ref in _refs(resource.contents):
                self.registry.resolver(base_uri=uri).lookup(ref)
        self.manifests = {key: self._manifest(key, file) for key, file in MANIFESTS.items()}

    def _manifest(self, key: str, file: str) -> Manifest:
        data = json.loads((self.root / file).read_text(encoding="utf-8"))
        entries = data.get("assertions")
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{file}: no list of assertions")
        counter = iter(range(1, 10_000))
        return Manifest(key, file, data.get("name", file), self._entries(entries, counter))

    def _entries(self, entries: list[Any], counter: Iterator[int]) -> list[Entry]:
        out: list[Entry] = []
        for item in entries:
            if isinstance(item, list):
                out.append(self._entries(item, counter))
            elif isinstance(item, str):
                out.append(self._assertion(item, {}))
            elif isinstance(item, dict) and "assertionFile" in item:
                overrides = {k: v for k, v in item.items() if k != "assertionFile"}
                out.append(self._assertion(item["assertionFile"], overrides))
            elif isinstance(item, dict):
                out.append(self._compile(f"inline {next(counter)}", copy.deepcopy(item)))
            else:
                raise ValueError(f"unrecognised assertion entry {item!r}")
        return out

    def _assertion(self, file: str, overrides: dict[str, Any]) -> Assertion:
        schema = json.loads((self.root / file).read_text(encoding="utf-8"))
        schema.update(overrides)
        return self._compile(file, schema)

    def _compile(self, name: str, schema: dict[str, Any]) -> Assertion:
        schema = self._extend(without_dialect(schema))
        schema["id"] = BASE + schema.get("id", name.rsplit("/", 1)[-1])
        # its own registry: an assertion's "#/definitions/..." are its own, and two
        # assertions may share an id
        registry = self.registry.with_resource(schema["id"], Resource.from_contents(schema, DRAFT4))
        for ref in _refs(schema):  # fail loudly now, not when some input reaches the $ref
            registry.resolver(base_uri=schema["id"]).lookup(ref)
        validator = AjvDraft4Validator(
            schema, registry=registry, format_checker=self.format_checker
        )
        expected = schema.get("expectedResult", "valid")
        if expected not in ("valid", "invalid"):
            raise ValueError(f"{name}: expectedResult {expected!r}")
        return Assertion(
            file=name,
            title=str(schema.get("title", name)),
            assertion_type=str(schema.get("assertionType", "must")),
            expected=expected,
            on_unexpected=str(schema.get("onUnexpectedResult", "failAndContinue")),
            message=str(schema.get("message") or schema.get("errorMessage") or ""),
            validator=validator,
        )

    # -- what applies to what ------------------------------------------------------

    def manifests_for(self, instance: Any) -> list[Manifest]:
        """The manifests for this shape, by its type (an Annotation when it has none)."""
        types = _types(instance)
        if "AnnotationCollection" in types:
            chosen = ["collection"]
            if isinstance(instance.get("first"), dict):
                chosen.append("page")  # "a Collection with an embedded Page"
            return [self.manifests[k] for k in chosen]
        if "AnnotationPage" in types:
            return [self.manifests["page"]]
        return [self.manifests["annotation"]]

    def shapes(self, instance: Any, where: str = "") -> Iterator[tuple[str, Manifest, Any]]:
        """(where, manifest, shape) for the instance and every Page and Annotation in it;
        embedded ones get the `@context` they inherit, as JSON-LD gives it them."""
        for manifest in self.manifests_for(instance):
            yield where or "(document)", manifest, instance
        if not isinstance(instance, dict):
            return
        context = instance.get("@context")
        embedded: list[tuple[str, Any]] = []
        if isinstance(instance.get("first"), dict):
            embedded.append((f"{where}/first", instance["first"]))
        items = instance.get("items")
        if "AnnotationPage" in _types(instance) and isinstance(items, list):
            embedded += [(f"{where}/items/{n}", item) for n, item in enumerate(items)]
        for path, child in embedded:
            if isinstance(child, dict):
                if context is not None and "@context" not in child:
                    child = {"@context": context, **child}
                yield from self.shapes(child, path)

    def check(self, instance: Any) -> list[tuple[str, Manifest, Outcome]]:
        failures = []
        for where, manifest, shape in self.shapes(instance):
            _log(manifest, shape)
            failures += [(where, manifest, o) for o in manifest.run(shape) if o.status == "fail"]
        return failures


def _types(instance: Any) -> set[str]:
    if not isinstance(instance, dict):
        return set()
    t = instance.get("type")
    return set(t) if isinstance(t, list) else {t} if isinstance(t, str) else set()


def _log(manifest: Manifest, shape: Any) -> None:
    """With PARALLAX_W3C_LOG=FILE, note each run (to count the shapes checked)."""
    target = os.environ.get("PARALLAX_W3C_LOG")
    if target:
        ident = shape.get("id") if isinstance(shape, dict) else None
        with open(target, "a", encoding="utf-8") as f:
            f.write(f"{manifest.key}\t{len(manifest.flat())}\t{ident}\n")


@functools.cache
def _load(root: Path) -> Suite:
    return Suite(root)


def suite() -> Suite:
    """The loaded suite; skips the test when it is not beside this checkout (fails in CI)."""
    if not (SUITE_DIR / MANIFESTS["annotation"]).exists():
        message = (
            f"the W3C annotation model tests are not at {SUITE_DIR} "
            "(set PARALLAX_W3C_SUITE to their folder)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return _load(SUITE_DIR)


def report(failures: Iterable[tuple[str, Manifest, Outcome]]) -> str:
    lines = []
    for where, manifest, o in failures:
        head = f"{where}: {manifest.file}: {o.name}"
        if o.assertion and o.assertion.message:
            head += f" ({o.assertion.message})"
        lines.append(head)
        lines += [f"    {e}" for e in o.errors[:8]]
    return "\n".join(lines)


def assert_musts(instance: Any) -> None:
    """Every applicable MUST assertion passes over the instance and what it embeds."""
    failures = suite().check(instance)
    assert not failures, "W3C MUST assertions failed:\n" + report(failures)
