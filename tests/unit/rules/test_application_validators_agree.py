"""The compiled validator that answers "valid?" for applications agrees with jsonschema (which
gives the field errors): on the contract example and on every single-field variant of it that
breaks or bends a rule, including the date format and the fully anchored patterns."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import base_application

from app.rules import application_schema
from app.rules.application_schema import _FAST, _VALIDATOR

ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "330602\n",
    "2026-02-30",
    "0000-01-01",
    "20260101",
    "2026-01-01",
    "１２３",
    -1,
    0,
    1.0,
    1.5,
    10**20,
    True,
    [],
    {},
    "1234.5",
    "1234.567",
    "x" * 300,
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _with(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _agree(body: Any) -> None:
    expected = not any(True for _ in _VALIDATOR.iter_errors(body))
    assert _FAST.is_valid(body) == expected, body


def _variants() -> Iterator[Any]:
    base = base_application()
    yield base
    for path in _paths(base):
        for value in ODD_VALUES:
            yield _with(base, path, value)
        if isinstance(path[-1], str):
            without = copy.deepcopy(base)
            target: Any = without
            for step in path[:-1]:
                target = target[step]
            del target[path[-1]]
            yield without
    yield {**base, "unknown": 1}


def test_validators_agree_on_every_single_field_variant() -> None:
    checked = 0
    for body in _variants():
        _agree(body)
        checked += 1
    assert checked > 500


@pytest.mark.parametrize("day", ["2012-05-01", "2026-02-30", "0000-01-01", "20260101"])
def test_a_date_the_fast_path_accepts_is_one_python_can_read(day: str) -> None:
    body = _with(base_application(), ("status", "first_insured_in_zhejiang"), day)
    _agree(body)
    if application_schema.validate_application(body) == []:
        date.fromisoformat(day)  # what the rules parse next: no 500 later on


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=10,
    )
)
def test_validators_agree_on_arbitrary_json(body: Any) -> None:
    _agree(body)
