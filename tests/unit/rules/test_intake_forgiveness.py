"""Amounts as people type them, benefit questions only for benefit recipients, and the mailing
address that 邮寄送达 needs (contracts §3 delivery_address)."""

from __future__ import annotations

import pytest
from rules_helpers import TODAY, base_application

from app.rules.application_schema import FieldError, validate_application
from app.rules.money_input import normalize_money

ADDRESS = {"recipient": "李四", "phone": "13900000000", "address": "浙江省绍兴市越城区人民中路1号"}
BENEFIT = ("benefit_at_hukou", "benefit_months_approved", "benefit_months_paid", "monthly_benefit")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("3,456.78", "3456.78"),
        ("1,234,567", "1234567"),
        (" 3456.78 ", "3456.78"),
        ("３，４５６．７８", "3456.78"),  # typed with a Chinese input method
        ("￥1,800", "1800"),
        ("1800元", "1800"),
        ("0.5", "0.5"),
    ],
)
def test_amounts_are_normalised_to_the_decimal_string(typed: str, stored: str) -> None:
    assert normalize_money(typed) == stored


@pytest.mark.parametrize("junk", ["12,34", "3.456,78", "1,2345.00", "abc", "1.234", "-5", ""])
def test_junk_is_passed_on_for_validation_to_name(junk: str) -> None:
    assert normalize_money(junk) == junk.strip()
    body = base_application()
    body["medical"]["account_balance"] = normalize_money(junk)
    errors = validate_application(body, today=TODAY)
    assert [e.field for e in errors] == ["/medical/account_balance"]
    assert "十进制" not in errors[0].message


def test_benefit_questions_are_not_required_when_no_benefit_is_drawn() -> None:
    body = base_application()
    body["unemployment"]["receiving_benefit"] = False
    for key in BENEFIT:
        body["unemployment"].pop(key, None)
    assert validate_application(body, today=TODAY) == []


def test_benefit_questions_are_required_of_a_benefit_recipient() -> None:
    body = base_application()
    body["unemployment"]["receiving_benefit"] = True
    for key in BENEFIT:
        body["unemployment"].pop(key, None)
    assert validate_application(body, today=TODAY) == [
        FieldError(f"/unemployment/{key}", "正在领取失业保险金的，此项必填") for key in BENEFIT
    ]


def test_express_delivery_requires_the_address() -> None:
    body = {**base_application(), "delivery": "express"}
    message = "选择邮寄送达的，须填写收件人、联系电话和收件地址"
    assert validate_application(body, today=TODAY) == [FieldError("/delivery_address", message)]
    body["delivery_address"] = None
    assert validate_application(body, today=TODAY) == [FieldError("/delivery_address", message)]
    body["delivery_address"] = {**ADDRESS, "phone": "电话"}
    assert validate_application(body, today=TODAY) == [
        FieldError("/delivery_address/phone", "电话号码格式不正确")
    ]
    body["delivery_address"] = ADDRESS
    assert validate_application(body, today=TODAY) == []


def test_the_address_is_optional_otherwise() -> None:
    body = base_application()
    assert body["delivery"] != "express"
    assert validate_application(body, today=TODAY) == []
    assert validate_application({**body, "delivery_address": ADDRESS}, today=TODAY) == []
    assert validate_application({**body, "delivery_address": None}, today=TODAY) == []
