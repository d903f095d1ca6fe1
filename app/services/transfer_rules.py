"""Checks on agency clerks' figures and choices against the rules (task hooks): what the law
fixes is computed here and a different entry is refused, naming the field and the right value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app import workdays
from app.clock import clock
from app.errors import FieldError, ValidationFailed
from app.rules.amounts import (
    format_money,
    is_cross_province,
    parse_money,
    unemployment_transfer_funds,
)
from app.rules.id_number import parse_id_number
from app.rules.pension import temporary_account_required

from .cases import CaseService


def install(cases: CaseService) -> None:
    cases.task_hooks[("pension_transfer", "contact_letter")] = pension_contact_letter
    cases.task_hooks[("unemployment_transfer", "transfer_funds")] = unemployment_funds
    cases.task_hooks[("unemployment_transfer", "in_decision")] = unemployment_in_decision
    cases.task_hooks[("unemployment_transfer", "out_conclude")] = unemployment_out_conclude


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("表单填写有误，请按提示修改", [FieldError(field, message)])


def pension_contact_letter(before: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """Men 50+ / women 40+ moving to a non-户籍 place get a temporary account (国办发〔2009〕66号 第六条)."""
    if not form.get("pension_eligible"):
        return {}
    application = before["application"]
    today = workdays.local_date(clock.now())
    person = parse_id_number(application["applicant"]["id_number"], today)
    required = temporary_account_required(
        person, application["applicant"]["hukou_region"], application["transfer_in_region"], today
    )
    if bool(form.get("pension_temporary_account")) != required:
        expected = (
            "应建立临时基本养老保险缴费账户"
            if required
            else "不属于建立临时账户的情形，应转移养老保险关系"
        )
        raise _refuse("/pension_temporary_account", f"{expected}（国办发〔2009〕66号第六条）")
    return {"pension_temporary_account_rule": "国办发〔2009〕66号 第六条"}


def unemployment_funds(before: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """Funds = 1.5 × the unpaid benefit (2021 通知 第三条); the clerk's figure must match."""
    section = before["application"].get("unemployment") or {}
    expected, relationship_only = unemployment_transfer_funds(
        parse_money(section.get("monthly_benefit", "0")),
        int(section.get("benefit_months_approved", 0)),
        int(section.get("benefit_months_paid", 0)),
        int(
            before.get(
                "unemployment_contribution_months",
                section.get("contribution_months_at_transfer_out", 0),
            )
        ),
    )
    try:
        entered = Decimal(str(form.get("unemployment_funds_amount", "")).replace(",", ""))
    except InvalidOperation:
        raise _refuse("/unemployment_funds_amount", "金额格式不正确") from None
    if relationship_only or entered != expected:
        raise _refuse(
            "/unemployment_funds_amount",
            f"应划转金额为 {format_money(expected)} 元（未领失业保险金 × 1.5，2021年通知第三条）",
        )
    return {"unemployment_funds_expected": str(expected)}


def unemployment_in_decision(before: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """A benefit recipient is paid at the new place from the month after approval (条例 第三十二条)."""
    section = before["application"].get("unemployment") or {}
    if not form.get("unemployment_in_accepted") or not section.get("receiving_benefit"):
        return {}
    today = workdays.local_date(clock.now())
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    expected = f"{following.year:04d}-{following.month:02d}"
    entered = form.get("unemployment_benefit_start_month")
    if entered not in (None, expected):
        raise _refuse(
            "/unemployment_benefit_start_month", f"待遇应自准予接续的次月 {expected} 起发放"
        )
    derived: dict[str, Any] = {"unemployment_benefit_start_month": expected}
    if is_cross_province(
        before.get("transfer_out_region", ""), before.get("transfer_in_region", "")
    ):
        derived["unemployment_benefit_not_withheld"] = True  # 2021 通知: paid before funds arrive
    return derived


def unemployment_out_conclude(before: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """The transfer-out agency concludes after an accepting 复函 and terminates after a refusal
    (浙江2017 第六条（四）): its outcome follows the transfer-in decision."""
    accepted = before.get("unemployment_in_accepted")
    expected = "concluded" if accepted else "terminated"
    if accepted is not None and form.get("unemployment_out_outcome") != expected:
        reason = "转入地已同意接续，应办结转出" if accepted else "转入地不予接续，应终止转移"
        raise _refuse("/unemployment_out_outcome", reason)
    return {}
