"""The online application form: its fields map one to one onto the application JSON (contracts
§3), so the validator's field errors (JSON pointers) land next to the field that caused them."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from app.kernel.errors import FieldError
from app.rules.application_schema import validate_application
from app.rules.id_number import InvalidIdNumber, normalize_id_number, parse_id_number
from app.rules.money_input import normalize_money

from .input_hygiene import unstorable

INSURANCES = (
    ("pension", "企业职工基本养老保险"),
    ("medical", "基本医疗保险"),
    ("unemployment", "失业保险"),
)
DELIVERIES = (
    ("electronic", "电子文件网上送达（在本网站下载 PDF）"),
    ("express", "邮寄送达"),
    ("on_site", "到受理窗口领取"),
)
YES_NO_FIELDS = (
    "status.retired",
    "status.insured_at_transfer_out",
    "medical.unsettled_expenses",
    "medical.account_credited",
    "medical.account_overdrawn",
    "unemployment.receiving_benefit",
    "unemployment.benefit_at_hukou",
)
INTEGER_FIELDS = (
    "unemployment.contribution_months_at_transfer_out",
    "unemployment.benefit_months_approved",
    "unemployment.benefit_months_paid",
    "pension.contribution_months",
)
TEXT_FIELDS = (
    "applicant.name",
    "applicant.id_number",
    "applicant.phone",
    "applicant.hukou_region",
    "applicant.hukou_type",
    "transfer_out_region",
    "transfer_in_region",
    "status.employment",
    "status.first_insured_in_zhejiang",
    "medical.account_balance",
    "unemployment.monthly_benefit",
    "agent.name",
    "agent.credit_code",
    "delivery",
)
MONEY_FIELDS = ("medical.account_balance", "unemployment.monthly_benefit")
SECTION_FIELDS = {
    section: [
        f for f in (*YES_NO_FIELDS, *INTEGER_FIELDS, *TEXT_FIELDS) if f.startswith(section + ".")
    ]
    for section in ("medical", "unemployment", "pension")
}


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    section, _, key = name.partition(".")
    if key:
        body.setdefault(section, {})[key] = value
    else:
        body[section] = value


def application_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The application JSON for the submitted form. Unanswered questions are left out, so the
    validator reports them as missing at the right field; nothing is guessed."""
    body: dict[str, Any] = {"applicant": {}, "status": {}}
    insurances = [code for code, _ in INSURANCES if code in form.getlist("insurances")]
    body["insurances"] = insurances
    for name in TEXT_FIELDS:
        if name.startswith("agent."):
            continue
        value = form.get(name, "").strip()
        if value and (
            not name.startswith(tuple(SECTION_FIELDS)) or name.split(".")[0] in insurances
        ):
            _put(body, name, value)
    if "applicant" in body and "id_number" in body["applicant"]:
        body["applicant"]["id_number"] = normalize_id_number(body["applicant"]["id_number"])
    for name in YES_NO_FIELDS:
        answer = form.get(name)
        if answer in ("yes", "no") and (
            not name.startswith(tuple(SECTION_FIELDS)) or name.split(".")[0] in insurances
        ):
            _put(body, name, answer == "yes")
    for name in INTEGER_FIELDS:
        raw = form.get(name, "").strip()
        if raw and name.split(".")[0] in insurances:
            _put(body, name, int(raw) if raw.isdigit() else raw)  # a non-number: the schema says so
    for section in SECTION_FIELDS:
        if section not in insurances:
            body[section] = None
    if form.get("agent") == "employer":
        body["agent"] = {
            "kind": "employer",
            "name": form.get("agent.name", "").strip(),
            "credit_code": form.get("agent.credit_code", "").strip().upper(),
        }
    else:
        body["agent"] = None
    if body.get("delivery") == "express":
        address = {
            key: form.get(f"delivery_address.{key}", "").strip()
            for key in ("recipient", "phone", "address")
        }
        address = {key: value for key, value in address.items() if value}
        if address:  # else one message asks for the whole address
            body["delivery_address"] = address
    for name in MONEY_FIELDS:
        part, _, key = name.partition(".")
        found = body.get(part)
        if isinstance(found, dict) and isinstance(found.get(key), str):
            found[key] = normalize_money(found[key])  # 3,456.78 as people write it
    body["materials"] = []  # online: 网上办理，无需申请材料 (seed 000 十二、十四)
    body["channel"] = "online"
    return body


def check(body: dict[str, Any], today: date) -> list[FieldError]:
    """Field errors before anything is saved: the schema, then the ID number's check digit (a
    typo is corrected here instead of producing a refusal)."""
    errors = unstorable(body)
    if errors:
        return errors
    errors = validate_application(body, today=today)
    if body.get("insurances") == []:
        errors.append(FieldError("/insurances", "请至少选择一个需要转移的险种"))
    id_number = body.get("applicant", {}).get("id_number")
    if isinstance(id_number, str) and not any(e.field == "/applicant/id_number" for e in errors):
        try:
            parse_id_number(id_number, today)
        except InvalidIdNumber as exc:
            errors.append(FieldError("/applicant/id_number", f"身份证号码有误：{exc}"))
    return errors


def by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Errors keyed by form field name ("/applicant/name" -> "applicant.name")."""
    found: dict[str, list[str]] = {}
    for error in errors:
        name = error.field.strip("/").replace("/", ".") or "_form"
        found.setdefault(name, []).append(error.message)
    return found
