"""Case data for the document tests: a demo case moving from Hangzhou (330100) to Yuecheng (330602)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from app.rules.id_number import check_character


def make_id(region: str, birth: date, seq: str = "123") -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    return first17 + check_character(first17)


APPLICANT_ID = make_id("330602", date(1990, 1, 1))
HEAD_ID = make_id("330602", date(1965, 5, 5), "121")

APPLICATION: dict[str, Any] = {
    "applicant": {
        "name": "张三",
        "id_number": APPLICANT_ID,
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
        "account_balance": "10203.05",
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

CASE: dict[str, Any] = {
    "application": APPLICATION,
    "case_number": "330602-2026-000123",
    "issued_on": "2026-03-05",
}

# What each kind needs on top of the case, as the services would pass it.
EXTRA: dict[str, dict[str, Any]] = {
    "insurance_certificate": {
        "household_head": {"name": "张大山", "id_number": HEAD_ID},
        "insured_from": "2015-07",
        "insured_to": "2026-02",
        "benefits_from": "2015-08-01",
        "benefits_to": "2026-02-28",
        "certificate_seq": 123,
        "contact_person": "李四",
    },
    "contact_letter": {"insurance": "medical"},
    "info_table": {"insurance": "medical", "medical_account_balance": "10203.05"},
    "reply_letter": {"unemployment_in_accepted": True},
    "correction_notice": {"missing_materials": ["missing:application_form"]},
    "refusal_decision": {"reasons": ["retired"]},
    "completion_notice": {
        "transfer_results": {
            "pension": "completed",
            "medical": "completed",
            "unemployment": "completed",
        }
    },
    "acceptance_notice": {
        "accepted_on": "2026-03-05",
        "committed_due": "2026-03-18",
        "legal_due": "2026-05-12",
    },
    "delivery_receipt": {"status": "concluded"},
}


def case_data(kind: str, **changes: Any) -> dict[str, Any]:
    """A fresh deep copy of the demo case with the kind's extra keys and `changes`."""
    data = copy.deepcopy({**CASE, **EXTRA[kind]})
    data.update(copy.deepcopy(changes))
    return data
