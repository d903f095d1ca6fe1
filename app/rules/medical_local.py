"""Regions' local medical-account rules (e.g. Wenzhou), read from processes/regions.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.rules.amounts import round_money
from app.rules.id_number import age_on

REGIONS_FILE = Path(__file__).resolve().parents[2] / "processes" / "regions.json"


@dataclass(frozen=True)
class MedicalLocalRules:
    """What a region's own rules say about the personal account when a person moves."""

    refund_when_no_outpatient_pooling: bool
    settle_overdrawn_first: bool
    precredit_remaining_months_by_age: bool
    monthly_precredit_by_age: tuple[tuple[int, Decimal], ...]  # (minimum age, yuan per month)
    source: str


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def medical_rules(region: str, path: Path = REGIONS_FILE) -> MedicalLocalRules:
    data = _load(path)
    raw = {**data["default"]["medical"], **data["regions"].get(region, {}).get("medical", {})}
    tiers = tuple(
        sorted(
            (int(t["min_age"]), Decimal(str(t["monthly"])))
            for t in raw.get("monthly_precredit_by_age", [])
        )
    )
    return MedicalLocalRules(
        bool(raw["refund_when_no_outpatient_pooling"]),
        bool(raw["settle_overdrawn_first"]),
        bool(raw["precredit_remaining_months_by_age"]),
        tiers,
        str(raw.get("source", "")),
    )


def account_handling(rules: MedicalLocalRules, new_place_has_outpatient_pooling: bool) -> str:
    """The balance moves with the person; where the new place has no outpatient pooling, the
    transfer-out region may refund it in one sum (温州 第五十四条（六）)."""
    if rules.refund_when_no_outpatient_pooling and not new_place_has_outpatient_pooling:
        return "refunded"
    return "transferred"


def overdrawn_blocks_transfer(rules: MedicalLocalRules, overdrawn: bool) -> bool:
    """An overdrawn account must be settled before the transfer (温州 第五十四条（六））."""
    return rules.settle_overdrawn_first and overdrawn


@dataclass(frozen=True)
class PreCredit:
    months: int
    age: int
    amount: Decimal | None  # None when the region has not configured its monthly amounts


def precredit(rules: MedicalLocalRules, birth_date: date, transfer_date: date) -> PreCredit | None:
    """Pre-credit the rest of the year by the age in the month of transfer (温州 第五十四条（七）).

    Reading: "当年剩余月份" counts the month of transfer itself through December, since the
    person is insured here from that month on."""
    if not rules.precredit_remaining_months_by_age:
        return None
    months = 12 - transfer_date.month + 1
    age = age_on(birth_date, transfer_date)
    monthly = None
    for min_age, amount in rules.monthly_precredit_by_age:
        if age >= min_age:
            monthly = amount
    return PreCredit(months, age, round_money(monthly * months) if monthly is not None else None)
