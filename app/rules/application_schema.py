"""JSON Schema of the 一件事联办申请表 (contracts §3) and a validator returning Chinese field errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators

from app.kernel.errors import FieldError
from app.rules.amounts import MONEY_PATTERN
from app.rules.divisions import is_division

REGION_PATTERN = r"^[0-9]{6}$"
# Contains at least one visible character, on one line.
NAME_PATTERN = r"^.*\S.*$"
# Mobile or landline, e.g. 13800000000, 0575-85736120, +86 138 0000 0000.
PHONE_PATTERN = r"^\+?[0-9][0-9 -]{4,19}$"
# 统一社会信用代码 (GB 32100-2015): 18 characters, letters I, O, S, V, Z never used.
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"

INSURANCES = ("pension", "medical", "unemployment")
MATERIALS = ("id_card", "application_form", "stamped_id_copy", "hukou_certificate")

_REGION = {"type": "string", "pattern": REGION_PATTERN}
_MONEY = {"type": "string", "pattern": MONEY_PATTERN}
# A month count beyond a century of contributions is a typing error, not a person; the bound
# also keeps every count inside the 64-bit integers storage and serializers can hold.
MAX_MONTHS = 1200
_MONTHS = {"type": "integer", "minimum": 0, "maximum": MAX_MONTHS}
_FLAG = {"type": "boolean"}
# Unemployment fields that only a person drawing benefit (领取失业保险金人员) answers: required
# when receiving_benefit is true, left out otherwise (the forms hide them).
_BENEFIT_FIELDS = (
    "benefit_at_hukou",
    "benefit_months_approved",
    "benefit_months_paid",
    "monthly_benefit",
)


def _object(properties: dict[str, Any], *, nullable: bool = False) -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _required_when_selected(insurance: str) -> dict[str, Any]:
    """The section named like an insurance is required (and not null) when it is applied for."""
    return {
        "if": {
            "properties": {"insurances": {"type": "array", "contains": {"const": insurance}}},
            "required": ["insurances"],
        },
        "then": {"required": [insurance], "properties": {insurance: {"type": "object"}}},
    }


APPLICATION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sitransfer.example/schemas/application.json",
    "title": "社会保险关系转移接续“一件事”联办申请表",
    "type": "object",
    "properties": {
        "applicant": _object(
            {
                "name": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 64},
                # Only "a string" here: whether it is a valid GB 11643 number is the
                # acceptance rule `invalid_id_number` (contracts §4), not a schema error.
                "id_number": {"type": "string"},
                "phone": {"type": "string", "pattern": PHONE_PATTERN},
                "hukou_region": _REGION,
                "hukou_type": {"enum": ["urban", "rural"]},
            }
        ),
        "agent": _object(
            {
                "kind": {"const": "employer"},
                "name": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 200},
                "credit_code": {"type": "string", "pattern": CREDIT_CODE_PATTERN},
            },
            nullable=True,
        ),
        # May be empty: an empty list is the acceptance rule `no_insurance_selected`.
        "insurances": {"type": "array", "items": {"enum": list(INSURANCES)}, "uniqueItems": True},
        "transfer_out_region": _REGION,
        "transfer_in_region": _REGION,
        "status": _object(
            {
                "retired": _FLAG,
                "insured_at_transfer_out": _FLAG,
                "employment": {"enum": ["employed", "unemployed"]},
                "first_insured_in_zhejiang": {"type": "string", "format": "date"},
            }
        ),
        # The three insurance sections: optional, may be null, unless the insurance is
        # applied for (see allOf below).
        "medical": _object(
            {
                "unsettled_expenses": _FLAG,
                "account_credited": _FLAG,
                "account_overdrawn": _FLAG,
                "account_balance": _MONEY,
            },
            nullable=True,
        ),
        # The benefit fields apply only to a person drawing benefit (see _BENEFIT_FIELDS).
        "unemployment": {
            **_object(
                {
                    "receiving_benefit": _FLAG,
                    "benefit_at_hukou": _FLAG,
                    "contribution_months_at_transfer_out": _MONTHS,
                    "benefit_months_approved": _MONTHS,
                    "benefit_months_paid": _MONTHS,
                    "monthly_benefit": _MONEY,
                },
                nullable=True,
            ),
            "required": ["receiving_benefit", "contribution_months_at_transfer_out"],
            "if": {
                "type": "object",
                "properties": {"receiving_benefit": {"const": True}},
                "required": ["receiving_benefit"],
            },
            "then": {"required": list(_BENEFIT_FIELDS)},
            "description": "benefit_at_hukou、benefit_months_approved、benefit_months_paid、"
            "monthly_benefit 仅在 receiving_benefit 为 true（正在领取失业保险金）时必填",
        },
        "pension": _object({"contribution_months": _MONTHS}, nullable=True),
        "materials": {"type": "array", "items": {"enum": list(MATERIALS)}, "uniqueItems": True},
        "channel": {"enum": ["online", "window"]},
        "delivery": {"enum": ["on_site", "electronic", "express"]},
        # Where 邮寄/快递送达 goes (seed 000 十九、送达方式); required for express (allOf).
        "delivery_address": _object(
            {
                "recipient": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 64},
                "phone": {"type": "string", "pattern": PHONE_PATTERN},
                "address": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 200},
            },
            nullable=True,
        )
        | {
            "description": "邮寄送达的收件人、联系电话和收件地址；delivery 为 express 时必填",
        },
    },
    "required": [
        "applicant",
        "agent",
        "insurances",
        "transfer_out_region",
        "transfer_in_region",
        "status",
        "materials",
        "channel",
        "delivery",
    ],
    "additionalProperties": False,
    "allOf": [
        *(_required_when_selected(name) for name in INSURANCES),
        {
            "if": {"properties": {"delivery": {"const": "express"}}, "required": ["delivery"]},
            "then": {
                "required": ["delivery_address"],
                "properties": {"delivery_address": {"type": "object"}},
            },
        },
    ],
}


def _full_match_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # Every pattern in this schema is anchored (^...$). Python's `$` also matches before a
    # final newline, so "330602\n" would pass re.search; a full match does not allow that.
    if validator.is_type(instance, "string") and not re.fullmatch(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, validators={"pattern": _full_match_pattern})
_VALIDATOR = _Validator(APPLICATION_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
# Most applications are valid: a compiled validator (jsonschema-rs) answers that several times
# faster, with jsonschema's own date check plugged in; the field errors, and the last word,
# come from jsonschema above (tests/unit/rules/test_application_validators_agree.py).
_FAST = jsonschema_rs.validator_for(
    APPLICATION_SCHEMA,
    validate_formats=True,
    formats={"date": lambda value: Draft202012Validator.FORMAT_CHECKER.conforms(value, "date")},
)

_TYPE_NAMES_ZH = {
    "object": "对象",
    "array": "数组",
    "string": "字符串",
    "integer": "整数",
    "number": "数字",
    "boolean": "布尔值（true/false）",
    "null": "null",
}
_PATTERN_MESSAGES_ZH = {
    REGION_PATTERN: "格式不正确，应为6位行政区划代码",
    MONEY_PATTERN: "金额格式不正确，应为如 1234.56 的金额（元，最多两位小数）",
    NAME_PATTERN: "不能为空白",
    PHONE_PATTERN: "电话号码格式不正确",
    CREDIT_CODE_PATTERN: "统一社会信用代码格式不正确",
}


# Why a conditionally required field is required, by the object it belongs to.
_CONDITIONAL_REQUIRED_ZH = {
    "": "已申请该险种，此部分必填",
    "/unemployment": "正在领取失业保险金的，此项必填",
}
_EXPRESS_ADDRESS_ZH = "选择邮寄送达的，须填写收件人、联系电话和收件地址"


def _pointer(path: Any) -> str:
    """JSON pointer (RFC 6901) for a path of keys and indexes: ("applicant", "name") -> /applicant/name."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _field_errors(error: ValidationError) -> list[FieldError]:
    where = _pointer(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance

    if keyword == "required":
        conditional = "then" in error.relative_schema_path
        message = "必填项缺失"
        if conditional:
            message = _CONDITIONAL_REQUIRED_ZH.get(where, "已申请该险种，此部分必填")
        return [
            FieldError(
                where + _pointer([name]),
                _EXPRESS_ADDRESS_ZH if conditional and name == "delivery_address" else message,
            )
            for name in value
            if isinstance(instance, dict) and name not in instance
        ]
    if keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        return [
            FieldError(where + _pointer([name]), "不允许的字段")
            for name in instance
            if name not in known
        ]
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = "或".join(_TYPE_NAMES_ZH.get(t, t) for t in types)
        if where == "":
            return [FieldError("", "申请内容应为 JSON 对象")]
        if where == "/delivery_address" and "then" in error.relative_schema_path:
            return [FieldError(where, _EXPRESS_ADDRESS_ZH)]
        return [FieldError(where, f"类型错误，应为{expected}")]
    if keyword == "enum":
        allowed = "、".join(str(v) for v in value)
        return [FieldError(where, f"取值无效，允许的值：{allowed}")]
    if keyword == "const":
        return [FieldError(where, f"取值无效，应为 {value}")]
    if keyword == "pattern":
        return [FieldError(where, _PATTERN_MESSAGES_ZH.get(value, "格式不正确"))]
    if keyword == "format":
        return [FieldError(where, "日期无效，应为 YYYY-MM-DD 格式的真实日期")]
    if keyword == "minimum":
        return [FieldError(where, f"不得小于 {value}")]
    if keyword == "maximum":
        return [FieldError(where, f"不得大于 {value}")]
    if keyword == "maxLength":
        return [FieldError(where, f"长度不得超过 {value} 个字符")]
    if keyword == "uniqueItems":
        return [FieldError(where, "存在重复项")]
    return [FieldError(where, "不符合要求")]


def _cross_field_errors(body: dict[str, Any], today: date | None) -> list[FieldError]:
    """Checks one field against another; only run on a body the schema accepts."""
    errors = []
    # Any code of the division data names a place every document can print (issue 15).
    for pointer, code in (
        ("/applicant/hukou_region", body["applicant"]["hukou_region"]),
        ("/transfer_out_region", body["transfer_out_region"]),
        ("/transfer_in_region", body["transfer_in_region"]),
    ):
        if not is_division(code):
            errors.append(
                FieldError(
                    pointer, f"{code} 不是有效的行政区划代码（GB/T 2260），请选择省、市、区县"
                )
            )
    unemployment = body.get("unemployment")
    if (
        isinstance(unemployment, dict)
        and "benefit_months_paid" in unemployment
        and "benefit_months_approved" in unemployment
        and unemployment["benefit_months_paid"] > unemployment["benefit_months_approved"]
    ):
        errors.append(
            FieldError("/unemployment/benefit_months_paid", "已领取月数不能多于核定领取月数")
        )
    if today is not None:
        first_insured = date.fromisoformat(body["status"]["first_insured_in_zhejiang"])
        if first_insured > today:
            errors.append(
                FieldError("/status/first_insured_in_zhejiang", "首次参保日期不能晚于当前日期")
            )
    return errors


def validate_application(body: object, *, today: date | None = None) -> list[FieldError]:
    """All field errors of an application body, sorted by field; [] when it is valid.

    Accepts any JSON value (object, list, string, number, null, nested garbage) and never
    raises. With `today`, also checks that the first-insured date is not in the future.
    """
    try:
        valid = _FAST.is_valid(body)
    except (ValueError, TypeError):
        valid = False  # a value the compiled validator cannot read: let jsonschema judge it
    errors = (
        set() if valid else {fe for e in _VALIDATOR.iter_errors(body) for fe in _field_errors(e)}
    )
    if not errors and isinstance(body, dict):
        errors.update(_cross_field_errors(body, today))
    return sorted(errors)  # by field, then message
