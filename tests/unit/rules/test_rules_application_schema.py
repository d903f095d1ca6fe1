"""The application JSON schema (contracts §3) and its Chinese field errors."""

from datetime import date

import pytest
from jsonschema import Draft202012Validator
from rules_helpers import DELETE, EMPLOYER, TODAY, application, base_application

from app.rules.application_schema import APPLICATION_SCHEMA, FieldError, validate_application


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(APPLICATION_SCHEMA)
    assert APPLICATION_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_contract_example_is_valid():
    assert validate_application(base_application()) == []
    assert validate_application(base_application(), today=TODAY) == []


@pytest.mark.parametrize("body", [None, [], [base_application()], "申请", 1, 1.5, True])
def test_a_body_that_is_not_an_object(body):
    assert validate_application(body) == [FieldError("", "申请内容应为 JSON 对象")]


def test_an_empty_object_lists_every_required_field():
    errors = validate_application({})
    assert errors == sorted(
        FieldError("/" + name, "必填项缺失")
        for name in [
            "applicant",
            "agent",
            "insurances",
            "transfer_out_region",
            "transfer_in_region",
            "status",
            "materials",
            "channel",
            "delivery",
        ]
    )


def errors_of(**changes):
    return {(e.field, e.message) for e in validate_application(application(**changes))}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # required fields inside sections
        ({"applicant__name": DELETE}, {("/applicant/name", "必填项缺失")}),
        ({"status__retired": DELETE}, {("/status/retired", "必填项缺失")}),
        # fields nobody defined
        ({"remarks": "x"}, {("/remarks", "不允许的字段")}),
        ({"applicant__age": 30}, {("/applicant/age", "不允许的字段")}),
        ({"a/b~c": 1}, {("/a~1b~0c", "不允许的字段")}),  # RFC 6901 escaping
        # types
        ({"status__retired": "false"}, {("/status/retired", "类型错误，应为布尔值（true/false）")}),
        (
            {"pension__contribution_months": True},
            {("/pension/contribution_months", "类型错误，应为整数")},
        ),
        (
            {"pension__contribution_months": 1.5},
            {("/pension/contribution_months", "类型错误，应为整数")},
        ),
        ({"pension__contribution_months": -1}, {("/pension/contribution_months", "不得小于 0")}),
        (
            {"applicant__id_number": 330602199001011231},
            {("/applicant/id_number", "类型错误，应为字符串")},
        ),
        ({"agent": "employer"}, {("/agent", "类型错误，应为对象或null")}),
        ({"insurances": "pension"}, {("/insurances", "类型错误，应为数组")}),
        # enums
        ({"channel": "fax"}, {("/channel", "取值无效，允许的值：online、window")}),
        ({"delivery": "post"}, {("/delivery", "取值无效，允许的值：on_site、electronic、express")}),
        (
            {"applicant__hukou_type": "Urban"},
            {("/applicant/hukou_type", "取值无效，允许的值：urban、rural")},
        ),
        (
            {"status__employment": "retired"},
            {("/status/employment", "取值无效，允许的值：employed、unemployed")},
        ),
        (
            {"insurances": ["pension", "housing"]},
            {("/insurances/1", "取值无效，允许的值：pension、medical、unemployment")},
        ),
        (
            {"materials": ["photo"]},
            {
                (
                    "/materials/0",
                    "取值无效，允许的值：id_card、application_form、stamped_id_copy、hukou_certificate",
                )
            },
        ),
        ({"insurances": ["pension", "pension"]}, {("/insurances", "存在重复项")}),
        ({"agent": {**EMPLOYER, "kind": "relative"}}, {("/agent/kind", "取值无效，应为 employer")}),
        # patterns
        (
            {"transfer_in_region": "33060"},
            {("/transfer_in_region", "格式不正确，应为6位行政区划代码")},
        ),
        (
            {"transfer_in_region": "330602\n"},
            {("/transfer_in_region", "格式不正确，应为6位行政区划代码")},
        ),
        (
            {"applicant__hukou_region": "３３０６０２"},
            {("/applicant/hukou_region", "格式不正确，应为6位行政区划代码")},
        ),
        ({"applicant__name": "   "}, {("/applicant/name", "不能为空白")}),
        ({"applicant__phone": "电话"}, {("/applicant/phone", "电话号码格式不正确")}),
        (
            {"agent": {**EMPLOYER, "credit_code": "91330602MA2D3F5G7"}},
            {("/agent/credit_code", "统一社会信用代码格式不正确")},
        ),
        # dates
        (
            {"status__first_insured_in_zhejiang": "2021-02-30"},
            {("/status/first_insured_in_zhejiang", "日期无效，应为 YYYY-MM-DD 格式的真实日期")},
        ),
        (
            {"status__first_insured_in_zhejiang": "2021-2-3"},
            {("/status/first_insured_in_zhejiang", "日期无效，应为 YYYY-MM-DD 格式的真实日期")},
        ),
        (
            {"status__first_insured_in_zhejiang": None},
            {("/status/first_insured_in_zhejiang", "类型错误，应为字符串")},
        ),
        # cross-field
        (
            {"unemployment__benefit_months_paid": 13},
            {("/unemployment/benefit_months_paid", "已领取月数不能多于核定领取月数")},
        ),
    ],
)
def test_field_errors(changes, expected):
    assert errors_of(**changes) == expected


MONEY = "/medical/account_balance"
MONEY_MESSAGE = "金额格式不正确，应为如 1234.56 的金额（元，最多两位小数）"


@pytest.mark.parametrize("good", ["0", "0.5", "0.50", "1234.56", "999999999999.99"])
def test_good_money_strings(good):
    assert errors_of(medical__account_balance=good) == set()


@pytest.mark.parametrize(
    "bad",
    ["1234.567", "1,234.56", "-1.00", "01.00", "1e3", ".5", "1.", " 1.00", "1800\n", "", "１２"],
)
def test_bad_money_strings(bad):
    assert errors_of(medical__account_balance=bad) == {(MONEY, MONEY_MESSAGE)}


def test_money_as_a_float_is_a_type_error():
    assert errors_of(medical__account_balance=1234.56) == {(MONEY, "类型错误，应为字符串")}


@pytest.mark.parametrize("section", ["pension", "medical", "unemployment"])
def test_a_section_is_required_when_its_insurance_is_selected(section):
    assert errors_of(**{section: DELETE}) == {("/" + section, "已申请该险种，此部分必填")}
    assert errors_of(**{section: None}) == {("/" + section, "类型错误，应为对象")}


@pytest.mark.parametrize("section", ["pension", "medical", "unemployment"])
def test_a_section_is_optional_when_its_insurance_is_not_selected(section):
    others = [name for name in ("pension", "medical", "unemployment") if name != section]
    assert errors_of(insurances=others, **{section: DELETE}) == set()
    assert errors_of(insurances=others, **{section: None}) == set()
    # ... but when present it must still be well formed
    assert errors_of(insurances=others, **{section: {}}) != set()


def test_an_employer_agent_is_valid():
    assert errors_of(agent=EMPLOYER) == set()


def test_first_insured_in_the_future_only_with_today():
    body = application(status__first_insured_in_zhejiang="2026-03-02")
    assert validate_application(body) == []
    assert validate_application(body, today=TODAY) == [
        FieldError("/status/first_insured_in_zhejiang", "首次参保日期不能晚于当前日期")
    ]
    assert validate_application(body, today=date(2026, 3, 2)) == []


def test_errors_are_sorted_and_not_repeated():
    body = application(channel="fax", delivery="post", applicant__name=DELETE, extra=1)
    errors = validate_application(body)
    assert errors == sorted(set(errors), key=lambda e: (e.field, e.message))
    assert [e.field for e in errors] == ["/applicant/name", "/channel", "/delivery", "/extra"]


def test_field_error_as_dict():
    assert FieldError("/a", "b").as_dict() == FieldError("/a", "b").to_dict()
    assert FieldError("/channel", "必填项缺失").to_dict() == {
        "field": "/channel",
        "message": "必填项缺失",
    }
