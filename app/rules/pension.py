"""Pension transfer rules: the temporary account for older movers (national rule)."""

from __future__ import annotations

from datetime import date

from app.rules.id_number import IdInfo, age_on

# 国办发〔2009〕66号《城镇企业职工基本养老保险关系转移接续暂行办法》第五条第（二）项 (national
# rule, not in the seeds): a person moving across provinces who does not return to the 户籍
# province (「户籍所在地（指省、自治区、直辖市，下同）」, 第五条第（一）项) and is a man aged 50+ or
# a woman aged 40+ keeps the relationship at the old place; the new place opens a temporary
# contribution account. Seed 000 十一（二） reads it the same way: 「外省户籍人员」.
TEMPORARY_ACCOUNT_AGE = {"male": 50, "female": 40}


def same_pooling_city(region_a: str, region_b: str) -> bool:
    """Pooling regions are cities: districts of one city (first four digits) count as one place."""
    return region_a[:4] == region_b[:4]


def province(region: str) -> str:
    """The province of a 6-digit region code: its first two digits (contracts §3)."""
    return region[:2]


def temporary_account_required(
    person: IdInfo,
    hukou_region: str,
    transfer_out_region: str,
    transfer_in_region: str,
    on: date,
) -> bool:
    """国办发〔2009〕66号 第五条第（二）项: a temporary account instead of a transfer of the
    relationship when the move crosses a province border (第一条、第五条: 跨省流动就业), the
    户籍 province is not the transfer-in province, and the person is old enough on `on`.
    Every comparison is at province level; a move within one province never qualifies."""
    if province(transfer_out_region) == province(transfer_in_region):
        return False
    if province(hukou_region) == province(transfer_in_region):
        return False  # 第五条第（一）项: returning to the 户籍 province transfers normally
    return age_on(person.birth_date, on) >= TEMPORARY_ACCOUNT_AGE[person.gender]


def temporary_account_required_by_city(
    person: IdInfo, hukou_region: str, transfer_in_region: str, on: date
) -> bool:
    """The rule as pension_transfer versions before the province reading applied it (户籍 city
    ≠ transfer-in city, any move): kept only so that cases decided on those versions replay
    identically. New cases use temporary_account_required."""
    old_enough = age_on(person.birth_date, on) >= TEMPORARY_ACCOUNT_AGE[person.gender]
    return old_enough and not same_pooling_city(hukou_region, transfer_in_region)
