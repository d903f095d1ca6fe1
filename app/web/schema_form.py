"""Task forms from the JSON Schemas in forms/: fields to render, and submitted input back to data.

The schema stays the single source: titles, enums with their x-enum-labels, which booleans
must be ticked (const true). Conditional requirements (if/then) are left to the server-side
validation, whose messages are then shown next to the fields they name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from app.features.cases.forms import validate_against
from app.kernel.errors import FieldError
from app.rules.money_input import MONEY_FIELD_PATTERNS, normalize_money

Raw = dict[str, list[str]]  # what a form posts: name -> values, as strings
RADIO_MAX = 4  # enums with more options than this become a drop-down
_INTEGER = re.compile(r"^-?[0-9]{1,12}$")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


@dataclass
class Field:
    name: str
    kind: str  # text | textarea | date | integer | confirm | yesno | radio | select | checkboxes | lines
    title: str
    description: str = ""
    required: bool = False
    value: str = ""
    checked: bool = False
    choices: list[Choice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _kind(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type")
    if kind == "boolean":
        return "confirm" if prop.get("const") is True else "yesno"
    if kind == "integer":
        return "integer"
    if kind == "array":
        items = prop.get("items", {})
        return "checkboxes" if "enum" in items else "lines"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= RADIO_MAX else "select"
    if prop.get("format") == "date":
        return "date"
    if int(prop.get("maxLength", 0)) > 200:
        return "textarea"
    return "text"


def _labels(node: Mapping[str, Any]) -> list[tuple[str, str]]:
    values = [str(v) for v in node.get("enum", [])]
    labels = node.get("x-enum-labels") or values
    return list(zip(values, [str(label) for label in labels], strict=False))


def fields(
    schema: Mapping[str, Any], raw: Raw, errors: list[FieldError] | None = None
) -> tuple[list[Field], list[str]]:
    """The form's fields with the given input and the errors placed on them; errors that
    name no field are returned separately (shown above the form)."""
    by_field, general = place_errors(schema, errors or [])
    required = set(schema.get("required", []))
    result = []
    for name, prop in schema.get("properties", {}).items():
        kind = _kind(prop)
        values = raw.get(name, [])
        item = Field(
            name=name,
            kind=kind,
            title=str(prop.get("title", name)),
            description=str(prop.get("description", "")),
            required=name in required,
            errors=by_field.get(name, []),
        )
        if kind in ("radio", "select"):
            item.choices = [Choice(v, label, v in values) for v, label in _labels(prop)]
        elif kind == "checkboxes":
            item.choices = [
                Choice(v, label, v in values) for v, label in _labels(prop.get("items", {}))
            ]
        elif kind == "yesno":
            item.choices = [
                Choice("true", "是", "true" in values),
                Choice("false", "否", "false" in values),
            ]
        elif kind == "confirm":
            item.checked = "true" in values
        elif kind == "lines":
            item.value = "\n".join(values)
        else:
            item.value = values[0] if values else ""
        result.append(item)
    return result, general


def place_errors(
    schema: Mapping[str, Any], errors: list[FieldError]
) -> tuple[dict[str, list[str]], list[str]]:
    properties = schema.get("properties", {})
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        name = error.field.lstrip("/").split("/", 1)[0]
        if name in properties:
            messages = by_field.setdefault(name, [])
            if error.message not in messages:
                messages.append(error.message)
        else:
            general.append(error.message)
    return by_field, general


def raw_from_data(schema: Mapping[str, Any], data: Mapping[str, Any]) -> Raw:
    """Starting values from task data (e.g. the automatic acceptance decision)."""
    raw: Raw = {}
    for name, prop in schema.get("properties", {}).items():
        if name not in data or data[name] is None:
            continue
        value = data[name]
        if isinstance(value, bool):
            raw[name] = ["true" if value else "false"]
        elif isinstance(value, list):
            items = [str(v) for v in value]
            raw[name] = ["\n".join(items)] if _kind(prop) == "lines" else items
        else:
            raw[name] = [str(value)]
    return raw


def raw_from_form(form: Any) -> Raw:
    """A request's form (a MultiDict) as plain lists, without the CSRF token."""
    return {k: form.getlist(k) for k in form if k != "csrf_token"}


def parse(schema: Mapping[str, Any], raw: Raw) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed data for validation, plus the errors found while reading it (e.g. not an integer).

    Blank inputs are left out, so that "required" is what reports them."""
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, prop in schema.get("properties", {}).items():
        values = [v.strip() for v in raw.get(name, [])]
        first = next((v for v in values if v), "")
        kind = _kind(prop)
        if kind == "confirm":
            if "true" in values:
                data[name] = True
        elif kind == "yesno":
            if first in ("true", "false"):
                data[name] = first == "true"
        elif kind == "integer":
            if first and _INTEGER.match(first):
                data[name] = int(first)
            elif first:
                errors.append(FieldError(f"/{name}", f"{prop.get('title', name)}：请填写整数"))
        elif kind == "checkboxes":
            chosen = [v for v in values if v]
            if chosen:
                data[name] = list(dict.fromkeys(chosen))
        elif kind == "lines":
            lines = [line.strip() for v in values for line in v.splitlines() if line.strip()]
            if lines:
                data[name] = lines
        elif first and prop.get("pattern") in MONEY_FIELD_PATTERNS:
            data[name] = normalize_money(first)  # 3,456.78 is an amount as people write it
        elif first:
            data[name] = first
    return data, errors


def validate(schema: Mapping[str, Any], data: Mapping[str, Any]) -> list[FieldError]:
    """The catalog's validation, plus every missing required field (the catalog names only the
    first one of each "required" rule, so a clerk would fix one field per submission)."""
    errors = list(validate_against(dict(schema), dict(data)))
    properties = schema.get("properties", {})
    for error in Draft202012Validator(dict(schema)).iter_errors(dict(data)):
        if error.validator != "required" or not isinstance(error.instance, dict):
            continue
        prefix = "".join(f"/{p}" for p in error.absolute_path)
        for name in error.validator_value:
            if name in error.instance:
                continue
            title = properties.get(name, {}).get("title", name) if not prefix else name
            missing = FieldError(f"{prefix}/{name}", f"{title}：必填项缺失")
            if missing not in errors:
                errors.append(missing)
    return errors
