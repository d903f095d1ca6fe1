"""The compiled validator that answers "valid?" for task forms agrees with jsonschema, which
gives the field errors: on every form, for the scenarios' real submissions and for variants
of them that break each rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator

from app.features.cases.forms import FormCatalog
from app.kernel.config import ROOT

FORMS = ROOT / "forms"
SCENARIOS = ROOT / "tests" / "processes" / "scenarios"


def _submissions() -> dict[str, list[dict[str, Any]]]:
    """Form name -> the data the scenarios submit to it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(SCENARIOS.glob("*.json")):
        for step in json.loads(path.read_text(encoding="utf-8")).get("steps", []):
            if "task" in step:
                process = step.get("process", "one_thing_bundle")
                found.setdefault(f"{process}.{step['task']}.json", []).append(step.get("data", {}))
    return found


def _variants(data: dict[str, Any], schema: dict[str, Any]) -> Iterator[Any]:
    yield data
    yield {}
    yield [data]
    yield {**data, "not_a_field": 1}
    for key in list(data):
        without = dict(data)
        del without[key]
        yield without
        for wrong in (None, "", "x" * 600, -1, 1.0, 1.5, 10**20, True, [], {}, "１２", "a\n"):
            yield {**data, key: wrong}
    for key, prop in schema.get("properties", {}).items():
        for value in (prop.get("const"), *(prop.get("enum") or []), True, False, 0, "0", "1.005"):
            yield {**copy.deepcopy(data), key: value}


@pytest.mark.parametrize("name", sorted(p.name for p in FORMS.glob("*.json")))
def test_compiled_and_reference_validators_agree(name: str) -> None:
    catalog = FormCatalog(FORMS)
    schema = catalog.schema(name)
    reference = Draft202012Validator(schema)
    compiled = jsonschema_rs.validator_for(schema, validate_formats=False)
    samples = _submissions().get(name, []) or [{}]
    checked = 0
    for data in samples:
        for variant in _variants(data, schema):
            expected = not any(True for _ in reference.iter_errors(variant))
            assert compiled.is_valid(variant) == expected, (name, variant)
            assert (catalog.validate(name, variant) == []) == expected, (name, variant)
            checked += 1
    assert checked > 10
