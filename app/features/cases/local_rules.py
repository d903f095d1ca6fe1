"""Regions' local rules applied when agency clerks complete medical steps (task hooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.features.cases.service import CaseService
from app.kernel import workdays
from app.kernel.errors import FieldError, ValidationFailed
from app.rules.id_number import parse_id_number
from app.rules.medical_local import medical_rules, precredit


def install(cases: CaseService) -> None:
    cases.task_hooks[("medical_transfer", "transfer_out")] = transfer_out
    cases.task_hooks[("medical_transfer", "transfer_in")] = transfer_in


def transfer_out(before: dict[str, Any], form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A refund of the balance is only lawful where the transfer-out region's rules allow it."""
    rules = medical_rules(str(before.get("transfer_out_region", "")))
    if (
        form.get("medical_account_handling") == "refunded"
        and not rules.refund_when_no_outpatient_pooling
    ):
        raise ValidationFailed(
            "表单填写有误，请按提示修改",
            [
                FieldError(
                    "/medical_account_handling",
                    "转出地未规定个人账户余额可一次性发还本人，应办理划转",
                )
            ],
        )
    return {"medical_local_rules": rules.source} if rules.refund_when_no_outpatient_pooling else {}


def transfer_in(before: dict[str, Any], form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Where the transfer-in region pre-credits the rest of the year by age, compute it."""
    rules = medical_rules(str(before.get("transfer_in_region", "")))
    today = workdays.local_date(now)
    id_number = before.get("application", {}).get("applicant", {}).get("id_number", "")
    result = precredit(rules, parse_id_number(id_number, today).birth_date, today)
    if result is None:
        return {}
    return {
        "medical_precredit_months": result.months,
        "medical_precredit_age": result.age,
        "medical_precredit_amount": str(result.amount) if result.amount is not None else None,
        "medical_local_rules": rules.source,
    }
