"""Money in yuan (Decimal, one rounding rule) and the transfer amounts computed from it."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from app.rules.regions import same_province

# ONE rounding rule for every amount in the product: half-up (四舍五入) to 0.01 yuan (分).
# Why: the fen is the smallest unit agencies book, and half-up is the rounding that
# accounting staff, the 参保凭证 and the applicant's own hand calculation all use; Python's
# default (half-even, "banker's rounding") would turn 0.005 into 0.00 and make printed
# figures disagree with what people check on paper. Amounts are rounded once, at the end
# of a computation, never step by step.
CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP

# A money string as the application carries it (contracts §3: "Money is a decimal string,
# never a float"): non-negative, up to 12 integer digits, at most 2 decimals, no sign,
# no grouping commas, no leading zeros. The application schema uses the same pattern.
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)

# cn2an spells at most 16 integer digits.
_CAPITAL_LIMIT = Decimal(10) ** 16

# seed 002, 人社部办公厅 财政部办公厅《关于畅通失业保险关系跨省转移接续的通知》(2021,
# "the 2021 notice") 第二条(一): medical premiums and
# training/placement subsidies are counted as half of the unpaid benefit.
UNEMPLOYMENT_FUND_FACTOR = Decimal("1.5")
# Same notice 第一条(四): contributions of less than 1 year at the transfer-out place move
# the relationship only.
MIN_CONTRIBUTION_MONTHS_FOR_FUNDS = 12

# 国办发〔2009〕66号 (national rule, not in the seeds): pooled fund = 12 % of the
# contribution bases since 1 January 1998.
PENSION_POOLED_FUND_RATE = Decimal("0.12")

# 失业保险条例 第十七条 (national rule): maximum benefit months by cumulative contribution
# years. Provinces refine these tiers, so they are data: (at least this many years, months),
# highest tier first; fewer years than the last tier gives 0 months.
BENEFIT_MONTH_TIERS: tuple[tuple[int, int], ...] = (
    (10, 24),  # 10 年以上 → 最长 24 个月
    (5, 18),  # 满 5 年不足 10 年 → 最长 18 个月
    (1, 12),  # 满 1 年不足 5 年 → 最长 12 个月
)


class InvalidMoney(ValueError):
    """Not an amount of money this product accepts."""


def round_money(amount: Decimal) -> Decimal:
    """Round to 0.01 yuan, half-up: the only rounding used for money."""
    if not isinstance(amount, Decimal):
        raise TypeError("金额必须是 Decimal")
    if not amount.is_finite():
        raise InvalidMoney("金额必须是有限数")
    rounded = amount.quantize(CENT, rounding=ROUNDING)
    return abs(rounded) if rounded.is_zero() else rounded  # never "-0.00"


def parse_money(s: str) -> Decimal:
    """'1800' / '1800.5' / '1800.50' -> Decimal('1800.50'); anything else is refused."""
    if not isinstance(s, str):
        raise InvalidMoney("金额应为字符串（如“1234.56”），不能是浮点数")
    if not _MONEY.fullmatch(s):
        raise InvalidMoney(f"金额格式不正确：{s!r}，应为如 1234.56 的金额（元，最多两位小数）")
    return Decimal(s).quantize(CENT)


def format_money(amount: Decimal, *, grouping: bool = True) -> str:
    """'1,234.56' (grouping=True) or '1234.56' (grouping=False), after rounding."""
    rounded = round_money(amount)
    return f"{rounded:,.2f}" if grouping else f"{rounded:.2f}"


def to_capital(amount: Decimal) -> str:
    """Capital numerals (大写金额) as on the 参保(合)凭证 (seed 003): 壹万零贰佰零叁元零伍分.

    Whole yuan end in 整 (壹佰元整), zero is 零元整, amounts below one yuan have no 元
    (伍角, 伍分); a zero 角 before a non-zero 分 is written 零 (壹拾元零伍分).
    Negative amounts are refused: a capital amount on a certificate is never negative.
    """
    rounded = round_money(amount)
    if amount < 0:
        raise InvalidMoney("大写金额不能为负数")
    if rounded >= _CAPITAL_LIMIT:
        raise InvalidMoney("金额过大，无法转换为大写")
    return cn2an.an2cn(f"{rounded:.2f}", "rmb")


def unemployment_transfer_funds(
    monthly_benefit: Decimal,
    months_approved: int,
    months_paid: int,
    contribution_months_at_transfer_out: int,
) -> tuple[Decimal, bool]:
    """Cross-province unemployment funds: (amount, relationship_only).

    Funds = unpaid benefit × 1.5 (benefit plus half of it for medical premiums and
    training/placement subsidies), unless the person contributed less than 12 months at
    the transfer-out place: then only the relationship moves (amount 0.00, True).
    Within Zhejiang no funds move at all (Zhejiang 2017 第七条); the caller decides
    whether a transfer is cross-province (see is_cross_province).
    """
    # seed 002, 2021 notice 第一条(四) and 第二条(一)
    for name, value in (
        ("months_approved", months_approved),
        ("months_paid", months_paid),
        ("contribution_months_at_transfer_out", contribution_months_at_transfer_out),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} 应为非负整数")
    if months_paid > months_approved:
        raise ValueError("已领取月数不能多于核定月数")
    if round_money(monthly_benefit) != monthly_benefit or monthly_benefit < 0:
        raise InvalidMoney("月失业保险金应为精确到分的非负金额")

    if contribution_months_at_transfer_out < MIN_CONTRIBUTION_MONTHS_FOR_FUNDS:
        return Decimal("0.00"), True
    unpaid_benefit = monthly_benefit * (months_approved - months_paid)
    return round_money(unpaid_benefit * UNEMPLOYMENT_FUND_FACTOR), False


def is_cross_province(transfer_out_region: str, transfer_in_region: str) -> bool:
    """The first two digits of a region code are the province (contracts §3)."""
    return not same_province(transfer_out_region, transfer_in_region)


def pension_pooled_fund(total_contribution_base_since_1998: Decimal) -> Decimal:
    """Pension pooled fund to transfer: 12 % of the contribution bases since 1998-01-01."""
    # 国办发〔2009〕66号 第四条 (national rule, not in the seeds)
    if total_contribution_base_since_1998 < 0:
        raise InvalidMoney("缴费基数合计不能为负数")
    return round_money(total_contribution_base_since_1998 * PENSION_POOLED_FUND_RATE)


def max_benefit_months(contribution_years: int | float | Decimal) -> int:
    """Longest benefit period for a cumulative contribution of `contribution_years` years."""
    # 失业保险条例 第十七条 (national rule): 1–5 years → 12, 5–10 → 18, 10+ → 24, <1 → 0
    if isinstance(contribution_years, bool) or not isinstance(
        contribution_years, int | float | Decimal
    ):
        raise TypeError("缴费年限应为数字")
    years = Decimal(contribution_years)
    if not years.is_finite() or years < 0:
        raise ValueError("缴费年限应为非负有限数")
    for min_years, months in BENEFIT_MONTH_TIERS:
        if years >= min_years:
            return months
    return 0
