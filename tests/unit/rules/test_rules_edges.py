"""Edges of the pure rules that mutation testing found unpinned (README "Mutation testing"):
boundaries, the field an error names, and amounts over more than one month."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rules_helpers import application

from app.rules.amounts import (
    InvalidMoney,
    max_benefit_months,
    parse_money,
    pension_pooled_fund,
    round_money,
    to_capital,
    unemployment_transfer_funds,
)
from app.rules.application_schema import MAX_MONTHS, validate_application
from app.rules.id_number import mask_id_number
from app.rules.medical_local import medical_rules, precredit
from app.rules.regions import province, same_province

FIELDS = ("months_approved", "months_paid", "contribution_months_at_transfer_out")


@pytest.mark.parametrize("field", FIELDS)
def test_a_negative_month_count_is_refused_naming_its_field(field: str) -> None:
    counts = {"months_approved": 10, "months_paid": 2, "contribution_months_at_transfer_out": 24}
    counts[field] = -1
    with pytest.raises(ValueError, match=f"^{field} 应为非负整数$"):
        unemployment_transfer_funds(Decimal("1800.00"), **counts)


def test_more_months_paid_than_approved_says_so() -> None:
    with pytest.raises(ValueError, match="^已领取月数不能多于核定月数$"):
        unemployment_transfer_funds(Decimal("1800.00"), 3, 4, 24)


def test_a_benefit_of_zero_or_under_one_yuan_is_a_valid_amount() -> None:
    # "非负": zero is allowed (nothing left to move), and so is any amount in fen.
    assert unemployment_transfer_funds(Decimal("0.00"), 6, 0, 24) == (Decimal("0.00"), False)
    assert unemployment_transfer_funds(Decimal("0.50"), 2, 0, 24) == (Decimal("1.50"), False)


def test_province_is_the_first_two_digits() -> None:
    assert province("330602") == "33"
    assert same_province("330602", "339900") and not same_province("330602", "340100")


def test_a_malformed_id_number_is_masked_to_at_most_eighteen_characters() -> None:
    assert mask_id_number("1" * 25) == "*" * 18
    assert mask_id_number("12345") == "*" * 5


def _tiers(tmp_path: Path, tiers: list[dict[str, str | int]] | None) -> Path:
    config = json.loads(Path("processes/regions.json").read_text(encoding="utf-8"))
    medical = config["regions"]["330304"]["medical"]
    if tiers is None:  # neither the region nor the default says anything
        for section in (medical, config["default"]["medical"]):
            del section["monthly_precredit_by_age"]
            del section["source"]
    else:
        medical["monthly_precredit_by_age"] = tiers
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_precredit_is_the_monthly_amount_times_the_remaining_months(tmp_path: Path) -> None:
    path = _tiers(tmp_path, [{"min_age": 0, "monthly": "50.00"}, {"min_age": 45, "monthly": "80"}])
    # Transfer in October: October to December, 3 months.
    young = precredit(medical_rules("330304", path), date(1990, 1, 1), date(2026, 10, 8))
    assert young is not None and (young.months, young.amount) == (3, Decimal("150.00"))
    # 45 on the day of transfer: the 45+ tier applies from that birthday on.
    turning = precredit(medical_rules("330304", path), date(1981, 10, 8), date(2026, 10, 8))
    assert turning is not None and (turning.age, turning.amount) == (45, Decimal("240.00"))


def test_a_region_without_tiers_or_source_reads_as_none_configured(tmp_path: Path) -> None:
    rules = medical_rules("330304", _tiers(tmp_path, None))
    assert rules.monthly_precredit_by_age == ()
    assert rules.source == ""


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: round_money(1.5), TypeError, "金额必须是 Decimal"),  # type: ignore[arg-type]
        (lambda: round_money(Decimal("NaN")), InvalidMoney, "金额必须是有限数"),
        (lambda: parse_money(1.5), InvalidMoney, "金额应为字符串（如“1234.56”），不能是浮点数"),  # type: ignore[arg-type]
        (
            lambda: parse_money("1,5"),
            InvalidMoney,
            "金额格式不正确：'1,5'，应为如 1234.56 的金额（元，最多两位小数）",
        ),
        (lambda: to_capital(Decimal("-1")), InvalidMoney, "大写金额不能为负数"),
        (lambda: to_capital(Decimal("1e20")), InvalidMoney, "金额过大，无法转换为大写"),
        (lambda: pension_pooled_fund(Decimal("-1")), InvalidMoney, "缴费基数合计不能为负数"),
        (lambda: max_benefit_months("5"), TypeError, "缴费年限应为数字"),  # type: ignore[arg-type]
        (lambda: max_benefit_months(-1), ValueError, "缴费年限应为非负有限数"),
        (
            lambda: unemployment_transfer_funds(Decimal("0.001"), 2, 0, 24),
            InvalidMoney,
            "月失业保险金应为精确到分的非负金额",
        ),
    ],
)
def test_money_errors_say_what_is_wrong(call: Any, error: type[Exception], message: str) -> None:
    """The messages reach clerks (field errors): each is pinned, word for word."""
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_an_application_over_a_maximum_or_a_length_names_the_field_and_the_limit() -> None:
    too_many = application(pension__contribution_months=MAX_MONTHS + 1)
    assert [(e.field, e.message) for e in validate_application(too_many)] == [
        ("/pension/contribution_months", f"不得大于 {MAX_MONTHS}")
    ]
    too_long = application(applicant__name="张" * 65)
    assert [(e.field, e.message) for e in validate_application(too_long)] == [
        ("/applicant/name", "长度不得超过 64 个字符")
    ]
