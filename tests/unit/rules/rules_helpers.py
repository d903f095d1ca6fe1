"""Builders for the rule tests: valid ID numbers computed independently, and applications."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

TODAY = date(2026, 3, 1)
DELETE = object()  # a change that removes the key


def id_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from its definition, not from the module's tables.

    Position i (0-based from the left) has weight 2**(17 - i) mod 11; the check character c
    makes the weighted sum of all 18 positions (c has weight 1) congruent to 1 mod 11;
    the value 10 is written X.
    """
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def make_id(birth: date, *, gender: str = "male", region: str = "330602", seq: int = 12) -> str:
    """A valid ID number; `seq` (0..99) gives the first two digits of the sequence code."""
    gender_digit = 3 if gender == "male" else 4  # the 17th character: odd = male
    first17 = f"{region}{birth:%Y%m%d}{seq:02d}{gender_digit}"
    return first17 + id_check_character(first17)


def base_application() -> dict[str, Any]:
    """The example of contracts §3, with a valid ID number (the example's check digit is wrong)."""
    return {
        "applicant": {
            "name": "张三",
            "id_number": make_id(date(1990, 1, 1)),
            "phone": "13800000000",
            "hukou_region": "330602",
            "hukou_type": "urban",
        },
        "agent": None,
        "insurances": ["pension", "medical", "unemployment"],
        "transfer_out_region": "330100",
        "transfer_in_region": "330602",
        "status": {
            "retired": False,
            "insured_at_transfer_out": False,
            "employment": "employed",
            "first_insured_in_zhejiang": "2012-05-01",
        },
        "medical": {
            "unsettled_expenses": False,
            "account_credited": True,
            "account_overdrawn": False,
            "account_balance": "1234.56",
        },
        "unemployment": {
            "receiving_benefit": False,
            "benefit_at_hukou": False,
            "contribution_months_at_transfer_out": 30,
            "benefit_months_approved": 12,
            "benefit_months_paid": 3,
            "monthly_benefit": "1800.00",
        },
        "pension": {"contribution_months": 96},
        "materials": ["application_form"],
        "channel": "online",
        "delivery": "electronic",
    }


EMPLOYER = {"kind": "employer", "name": "绍兴某某有限公司", "credit_code": "91330602MA2D3F5G7K"}


def changed(app: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `app` with dotted paths set ("status.retired": True) or removed (DELETE)."""
    result = copy.deepcopy(app)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = copy.deepcopy(value)
    return result


def application(**changes: Any) -> dict[str, Any]:
    """base_application() with changes given as keyword arguments, "__" standing for "."."""
    return changed(base_application(), {k.replace("__", "."): v for k, v in changes.items()})
