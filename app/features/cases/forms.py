"""Task forms: JSON Schemas in forms/, and validation of submitted data with Chinese messages."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from app.kernel.errors import FieldError

_MESSAGES = {
    "required": "必填项缺失",
    "type": "类型不正确",
    "enum": "不是允许的选项",
    "const": "取值不正确",
    "pattern": "格式不正确",
    "minLength": "内容过短",
    "maxLength": "内容过长",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "format": "格式不正确",
    "additionalProperties": "含有不允许的字段",
    "minItems": "至少选择一项",
}


class FormCatalog:
    """Loads forms by file name from one folder; cached, since forms change only on deploy."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @lru_cache(maxsize=256)  # noqa: B019 - the catalog lives as long as the app
    def schema(self, name: str) -> dict[str, Any]:
        path = (self.folder / name).resolve()
        if path.parent != self.folder.resolve() or not path.exists():
            raise FileNotFoundError(name)
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        return schema

    @lru_cache(maxsize=256)  # noqa: B019 - building a validator costs more than validating
    def _validator(self, name: str) -> Draft202012Validator:
        return Draft202012Validator(self.schema(name))

    @lru_cache(maxsize=256)  # noqa: B019 - as above
    def _fast(self, name: str) -> Any:
        # Formats are annotations here, as in the jsonschema validator above (no checker).
        return jsonschema_rs.validator_for(self.schema(name), validate_formats=False)

    @lru_cache(maxsize=256)  # noqa: B019 - as above
    def personal_fields(self, name: str | None) -> tuple[str, ...]:
        """Fields marked "x-personal": kept out of the workflow and the audit log."""
        if name is None:
            return ()
        properties = self.schema(name).get("properties", {})
        return tuple(k for k, prop in properties.items() if prop.get("x-personal") is True)

    def validate(self, name: str | None, data: Any) -> list[FieldError]:
        if name is None:
            return [] if isinstance(data, dict) else [FieldError("", "提交内容必须是对象")]
        # Most submissions are valid: the compiled validator answers that several times
        # faster; the field errors (and the last word) come from jsonschema.
        try:
            if self._fast(name).is_valid(data):
                return []
        except (ValueError, TypeError):
            pass  # a value the compiled validator cannot read: let jsonschema judge it
        return validate_against(self.schema(name), data, self._validator(name))


def validate_against(
    schema: dict[str, Any], data: Any, validator: Draft202012Validator | None = None
) -> list[FieldError]:
    validator = validator or Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    found = [field_error for error in errors for field_error in _field_errors(error, schema)]
    return list(dict.fromkeys(found))  # if/then branches can report the same field twice


def _field_errors(error: ValidationError, schema: dict[str, Any]) -> list[FieldError]:
    """One error per field: a `required` rule names every missing field, so all show at once."""
    path = [str(p) for p in error.absolute_path]
    message = _MESSAGES.get(str(error.validator), "取值不正确")
    if error.validator == "pattern" and isinstance(error.schema, dict):
        # A form may say what the pattern means (e.g. what a 社会保障卡号 looks like).
        message = str(error.schema.get("x-pattern-message") or message)
    if error.validator == "not" and isinstance(error.schema, dict):
        # A value ruled out under a condition (if/then) says why and what to do instead.
        message = str(error.schema.get("x-not-message") or message)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [f for f in error.validator_value if f not in error.instance] or [""]
        return [_at(schema, [*path, str(name)], message) for name in missing]
    return [_at(schema, path, message)]


def _at(schema: dict[str, Any], path: list[str], message: str) -> FieldError:
    field = "/" + "/".join(path) if path else ""
    title = _title_for(schema, path)
    return FieldError(field, f"{title}：{message}" if title else message)


def _title_for(schema: dict[str, Any], path: list[str]) -> str:
    node: Any = schema
    for part in path:
        props = node.get("properties", {}) if isinstance(node, dict) else {}
        if part in props:
            node = props[part]
        elif isinstance(node, dict) and "items" in node:
            node = node["items"]
        else:
            return ""
    return str(node.get("title", "")) if isinstance(node, dict) else ""
