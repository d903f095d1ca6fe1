"""Money: one rounding rule, formatting, capital numerals, transfer amounts, benefit months."""

from decimal import Decimal

import pytest

from app.rules.amounts import (
    BENEFIT_MONTH_TIERS,
    InvalidMoney,
    format_money,
    is_cross_province,
    max_benefit_months,
    parse_money,
    pension_pooled_fund,
    round_money,
    to_capital,
    unemployment_transfer_funds,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),  # half-up, where half-even would give 0.00
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-even would give 0.02
        ("2.675", "2.68"),
        ("0.0049", "0.00"),
        ("1.994", "1.99"),
        ("1.995", "2.00"),
        ("-0.005", "-0.01"),  # half away from zero
        ("-0.004", "0.00"),  # never "-0.00"
        ("100", "100.00"),
    ],
)
def test_round_money_is_half_up_to_the_fen(amount, rounded):
    assert str(round_money(D(amount))) == rounded


def test_round_money_refuses_floats_and_non_finite():
    with pytest.raises(TypeError):
        round_money(0.005)  # type: ignore[arg-type]
    for bad in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(InvalidMoney):
            round_money(D(bad))


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", "0.00"), ("1800", "1800.00"), ("1800.5", "1800.50"), ("1234.56", "1234.56")],
)
def test_parse_money(text, value):
    assert str(parse_money(text)) == value


@pytest.mark.parametrize(
    "text", ["1234.567", "1,234.56", "-1", "01", "1e3", "", " 1", "1\n", "NaN", "１"]
)
def test_parse_money_refuses(text):
    with pytest.raises(InvalidMoney):
        parse_money(text)


def test_parse_money_refuses_floats():
    with pytest.raises(InvalidMoney, match="浮点数"):
        parse_money(1234.56)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "grouped", "plain"),
    [
        ("0", "0.00", "0.00"),
        ("1234.56", "1,234.56", "1234.56"),
        ("1234567.891", "1,234,567.89", "1234567.89"),
        ("999.995", "1,000.00", "1000.00"),
        ("-1234.5", "-1,234.50", "-1234.50"),
    ],
)
def test_format_money(amount, grouped, plain):
    assert format_money(D(amount)) == grouped
    assert format_money(D(amount), grouping=False) == plain


@pytest.mark.parametrize(
    ("amount", "capital"),
    [
        ("10203.05", "壹万零贰佰零叁元零伍分"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0.50", "伍角"),
        ("100", "壹佰元整"),
        ("100.00", "壹佰元整"),
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.005", "壹分"),  # rounded first
        ("10.05", "壹拾元零伍分"),
        ("20.30", "贰拾元叁角"),
        ("1001", "壹仟零壹元整"),
        ("105000", "壹拾万伍仟元整"),
        ("12345678901.23", "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"),
    ],
)
def test_to_capital(amount, capital):
    assert to_capital(D(amount)) == capital


def test_to_capital_refuses_negative_huge_and_float():
    with pytest.raises(InvalidMoney, match="负数"):
        to_capital(D("-0.01"))
    with pytest.raises(InvalidMoney, match="负数"):
        to_capital(D("-0.004"))  # negative, even though it rounds to zero
    with pytest.raises(InvalidMoney):
        to_capital(D(10) ** 16)
    with pytest.raises(TypeError):
        to_capital(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("monthly", "approved", "paid", "contributed", "expected"),
    [
        ("1800.00", 12, 3, 30, (D("24300.00"), False)),  # 1800 × 9 × 1.5
        ("1800.00", 12, 3, 12, (D("24300.00"), False)),  # exactly 1 year: funds move
        ("1800.00", 12, 3, 11, (D("0.00"), True)),  # less than 1 year: relationship only
        ("1800.00", 12, 3, 0, (D("0.00"), True)),
        ("1800.00", 12, 12, 30, (D("0.00"), False)),  # nothing left unpaid
        ("1000.01", 1, 0, 12, (D("1500.02"), False)),  # 1500.015 rounded half-up
        ("1999.99", 24, 0, 120, (D("71999.64"), False)),
    ],
)
def test_unemployment_transfer_funds(monthly, approved, paid, contributed, expected):
    assert unemployment_transfer_funds(D(monthly), approved, paid, contributed) == expected


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((D("1800.00"), 3, 4, 30), ValueError),
        ((D("1800.00"), -1, 0, 30), ValueError),
        ((D("1800.00"), 12, 3, True), ValueError),
        ((D("1800.005"), 12, 3, 30), InvalidMoney),
        ((D("-1.00"), 12, 3, 30), InvalidMoney),
    ],
)
def test_unemployment_transfer_funds_refuses(args, error):
    with pytest.raises(error):
        unemployment_transfer_funds(*args)


def test_is_cross_province():
    assert is_cross_province("510104", "330602")
    assert not is_cross_province("330100", "330602")


@pytest.mark.parametrize(
    ("base", "fund"),
    [("0", "0.00"), ("100000.00", "12000.00"), ("123.45", "14.81"), ("123.46", "14.82")],
)
def test_pension_pooled_fund(base, fund):
    assert pension_pooled_fund(D(base)) == D(fund)


def test_pension_pooled_fund_refuses_negative():
    with pytest.raises(InvalidMoney):
        pension_pooled_fund(D("-1"))


@pytest.mark.parametrize(
    ("years", "months"),
    [
        (0, 0),
        (D("0.99"), 0),
        (1, 12),
        (D("4.99"), 12),
        (5, 18),
        (9.5, 18),
        (10, 24),
        (35, 24),
    ],
)
def test_max_benefit_months(years, months):
    assert max_benefit_months(years) == months


@pytest.mark.parametrize("bad", [-1, D("NaN"), float("inf"), "5"])
def test_max_benefit_months_refuses(bad):
    with pytest.raises((ValueError, TypeError)):
        max_benefit_months(bad)


def test_benefit_month_tiers_are_data_highest_first():
    thresholds = [years for years, _ in BENEFIT_MONTH_TIERS]
    assert thresholds == sorted(thresholds, reverse=True)
    assert BENEFIT_MONTH_TIERS == ((10, 24), (5, 18), (1, 12))
