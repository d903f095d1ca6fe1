"""The form renderer: every schema in forms/ renders with Chinese titles, and what a browser
posts comes back as data the same schema accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.features.cases.forms import validate_against
from app.kernel.config import ROOT
from app.kernel.errors import FieldError
from app.web import schema_form
from tests.helpers import scenario

FORMS = sorted((ROOT / "forms").glob("*.json"))


def _schema(name: str) -> dict:
    return json.loads((ROOT / "forms" / name).read_text(encoding="utf-8"))


def _posted(data: dict) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            raw[key] = ["true" if value else "false"]
        elif isinstance(value, list):
            raw[key] = [str(v) for v in value]
        else:
            raw[key] = [str(value)]
    return raw


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_form_renders_with_chinese_titles(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    fields, general = schema_form.fields(schema, {})
    assert general == []
    assert [f.name for f in fields] == list(schema["properties"])
    for field in fields:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in field.title), field.name
        if field.kind in ("radio", "select", "checkboxes"):
            assert field.choices and all(c.label for c in field.choices)
    assert {f.name for f in fields if f.required} == set(schema.get("required", []))


def test_kinds_follow_the_schema() -> None:
    kinds = {
        f.name: f.kind
        for f in schema_form.fields(_schema("medical_transfer.transfer_out.json"), {})[0]
    }
    assert kinds["medical_out_decision"] == "radio"
    assert kinds["medical_relationship_terminated"] == "confirm"  # const true: a tick box
    assert kinds["medical_ineligible_reasons"] == "lines"
    review = {
        f.name: f.kind
        for f in schema_form.fields(_schema("one_thing_bundle.acceptance_review.json"), {})[0]
    }
    assert review["missing_materials"] == "checkboxes" and review["reasons"] == "checkboxes"
    assert review["acceptance_note"] == "textarea"
    assert {
        f.name: f.kind for f in schema_form.fields(_schema("one_thing_bundle.review.json"), {})[0]
    }["review_passed"] == "yesno"
    dates = {
        f.name: f.kind
        for f in schema_form.fields(_schema("one_thing_bundle.deliver_express.json"), {})[0]
    }
    assert dates["mailed_on"] == "date"
    ints = {
        f.name: f.kind
        for f in schema_form.fields(_schema("pension_transfer.transfer_out.json"), {})[0]
    }
    assert ints["pension_contribution_months"] == "integer"


def test_enum_labels_are_shown_and_the_chosen_one_is_checked() -> None:
    fields, _ = schema_form.fields(
        _schema("one_thing_bundle.acceptance_review.json"),
        {"decision": ["refused"], "reasons": ["retired", "same_region"]},
    )
    by_name = {f.name: f for f in fields}
    decision = {c.value: c for c in by_name["decision"].choices}
    assert decision["refused"].checked and decision["refused"].label == "不予受理"
    reasons = {c.value: c for c in by_name["reasons"].choices}
    assert reasons["retired"].checked and not reasons["invalid_id_number"].checked
    assert reasons["retired"].label.startswith("退休人员")


@pytest.mark.parametrize(
    "step",
    [s for s in scenario("bundle_all_three_success")["steps"] if "task" in s],
    ids=lambda s: f"{s.get('process', 'bundle')}.{s['task']}",
)
def test_posted_scenario_data_round_trips(step: dict) -> None:
    process = (
        step.get("process")
        or {
            "out_review": "unemployment_transfer",
            "in_decision": "unemployment_transfer",
            "out_conclude": "unemployment_transfer",
            "review": "one_thing_bundle",
        }[step["task"]]
    )
    schema = _schema(f"{process}.{step['task']}.json")
    data, errors = schema_form.parse(schema, _posted(step["data"]))
    assert errors == [] and data == step["data"]
    assert validate_against(schema, data) == []
    # And what the form shows for that data posts back the same.
    raw = schema_form.raw_from_data(schema, data)
    assert schema_form.parse(schema, raw)[0] == data


def test_blank_inputs_are_left_out_and_reported_as_required() -> None:
    schema = _schema("one_thing_bundle.review.json")
    data, errors = schema_form.parse(schema, {"review_passed": [""], "review_opinion": ["  "]})
    assert data == {} and errors == []
    messages = schema_form.validate(schema, data)
    fields, general = schema_form.fields(schema, {}, messages)
    assert {f.name: f.errors for f in fields if f.errors} == {
        "review_materials_complete": ["提交材料是否齐全：必填项缺失"],
        "review_legal_form": ["是否符合法定形式：必填项缺失"],
        "review_verification": ["材料核实：必填项缺失"],
        "review_passed": ["审核是否通过：必填项缺失"],
        "review_opinion": ["审核意见：必填项缺失"],
    }
    assert general == []


def test_lines_become_a_list_and_unknown_inputs_are_ignored() -> None:
    schema = _schema("one_thing_bundle.review.json")
    data, _ = schema_form.parse(
        schema,
        {
            "review_passed": ["false"],
            "review_opinion": ["不通过"],
            "review_reasons": ["材料不符\n\n  签名缺失  "],
            "status": ["concluded"],  # not a field of the form: never reaches the workflow
        },
    )
    assert data == {
        "review_passed": False,
        "review_opinion": "不通过",
        "review_reasons": ["材料不符", "签名缺失"],
    }


def test_errors_without_a_field_are_kept_apart() -> None:
    schema = _schema("one_thing_bundle.review.json")
    _, general = schema_form.fields(schema, {}, [FieldError("", "流程无法继续")])
    assert general == ["流程无法继续"]
