"""Window intake (窗口受理): the clerk enters an application for the applicant (contracts §3 JSON),
ticks the materials handed in, and gets the acceptance decision at once."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from app.documents.regions import REGIONS
from app.features.intake.window import decide_at_window
from app.kernel.errors import FieldError, ValidationFailed
from app.rules.acceptance import REASON_TEXT_ZH, REMEDIES_ZH
from app.rules.money_input import normalize_money

from .auth import backoffice, require_roles, stashed_form
from .schema_form import Raw, raw_from_form
from .workspace import actor, deny, user, views

bp = Blueprint("intake", __name__)
# What the window hands the applicant with the decision (seed 000 十四、受理).
RESULT_DOCUMENT = {
    "accepted": ("acceptance_notice", "受理通知书（受理回执）"),
    "correction_required": ("correction_notice", "补正材料一次性告知书"),
    "refused": ("refusal_decision", "不予受理决定书"),
}

_DIGITS = re.compile(r"^[0-9]{1,9}$")
INSURANCES = ("pension", "medical", "unemployment")
MATERIALS = ("id_card", "application_form", "stamped_id_copy", "hukou_certificate")
# Where each part of the application is typed: its JSON pointer is the dotted name as a path.
LABELS = {
    "applicant": "申请人",
    "applicant.name": "姓名",
    "applicant.id_number": "身份证号码",
    "applicant.phone": "联系电话",
    "applicant.hukou_region": "户籍所在地",
    "applicant.hukou_type": "户籍性质",
    "agent": "代办单位",
    "agent.present": "申请方式",
    "agent.name": "代办单位名称",
    "agent.credit_code": "统一社会信用代码",
    "insurances": "转移险种",
    "transfer_out_region": "转出地",
    "transfer_in_region": "转入地",
    "status": "参保状态",
    "status.retired": "是否已退休",
    "status.insured_at_transfer_out": "是否仍在转出地参保（在职）",
    "status.employment": "就业状态",
    "status.first_insured_in_zhejiang": "首次在浙江参保日期",
    "medical": "医疗保险情况",
    "medical.unsettled_expenses": "是否有未结清的医疗费",
    "medical.account_credited": "医保个人账户是否已划账",
    "medical.account_overdrawn": "医保个人账户是否透支",
    "medical.account_balance": "医保个人账户余额（元）",
    "unemployment": "失业保险情况",
    "unemployment.receiving_benefit": "是否正在领取失业保险金",
    "unemployment.benefit_at_hukou": "是否转回户籍地领取",
    "unemployment.contribution_months_at_transfer_out": "转出地缴费月数",
    "unemployment.benefit_months_approved": "核定领取月数",
    "unemployment.benefit_months_paid": "已领取月数",
    "unemployment.monthly_benefit": "月失业保险金（元）",
    "pension": "养老保险情况",
    "pension.contribution_months": "养老保险缴费月数",
    "materials": "已提交的材料",
    "delivery": "送达方式",
    "delivery_address": "邮寄地址",
    "delivery_address.recipient": "收件人",
    "delivery_address.phone": "收件人电话",
    "delivery_address.address": "收件地址",
}


def application_from_form(raw: Raw, region: str) -> tuple[dict[str, Any], bool]:
    """The application JSON of contracts §3 from the intake form, and whether the system has
    the applicant's ID data. Blank or unreadable input is passed on as is, so that the
    application's own validation names the field (nothing is guessed)."""

    def text(name: str) -> str:
        return (raw.get(name) or [""])[0].strip()

    def put(target: dict[str, Any], key: str, value: Any) -> None:
        if value is not None and value != "":
            target[key] = value

    def flag(name: str) -> bool | None:
        return {"true": True, "false": False}.get(text(name))

    def money(name: str) -> str:
        return normalize_money(text(name))

    def months(name: str) -> Any:
        value = text(name)
        return int(value) if _DIGITS.match(value) else value

    def section(prefix: str, keys: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, read in keys.items():
            put(found, key, read(f"{prefix}.{key}"))
        return found

    insurances = [i for i in raw.get("insurances", []) if i in INSURANCES]
    application: dict[str, Any] = {
        "applicant": section(
            "applicant",
            {
                "name": text,
                "id_number": lambda n: text(n).replace(" ", "").upper(),
                "phone": text,
                "hukou_region": text,
                "hukou_type": text,
            },
        ),
        "agent": None,
        "insurances": insurances,
        "transfer_in_region": region,
        "status": section(
            "status",
            {
                "retired": flag,
                "insured_at_transfer_out": flag,
                "employment": text,
                "first_insured_in_zhejiang": text,
            },
        ),
        "medical": None,
        "unemployment": None,
        "pension": None,
        "materials": [m for m in dict.fromkeys(raw.get("materials", [])) if m in MATERIALS],
        "channel": "window",
    }
    put(application, "transfer_out_region", text("transfer_out_region"))
    put(application, "delivery", text("delivery"))
    if application.get("delivery") == "express":
        # Left out when nothing was typed, so that one message asks for the whole address.
        address = section("delivery_address", {"recipient": text, "phone": text, "address": text})
        if address:
            application["delivery_address"] = address
    if text("agent.present") == "employer":
        application["agent"] = {
            "kind": "employer",
            **section("agent", {"name": text, "credit_code": text}),
        }
    if "medical" in insurances:
        application["medical"] = section(
            "medical",
            {
                "unsettled_expenses": flag,
                "account_credited": flag,
                "account_overdrawn": flag,
                "account_balance": money,
            },
        )
    if "unemployment" in insurances:
        application["unemployment"] = section(
            "unemployment",
            {
                "receiving_benefit": flag,
                "benefit_at_hukou": flag,
                "contribution_months_at_transfer_out": months,
                "benefit_months_approved": months,
                "benefit_months_paid": months,
                "monthly_benefit": money,
            },
        )
    if "pension" in insurances:
        application["pension"] = section("pension", {"contribution_months": months})
    return application, text("id_data_missing") != "yes"


def errors_by_name(errors: list[FieldError]) -> tuple[dict[str, list[str]], list[str]]:
    """Field errors keyed by the form's dotted names; those naming no field go on top."""
    by_name: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        name = error.field.strip("/").replace("/", ".")
        while name and name not in LABELS:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        if name:
            by_name.setdefault(name, []).append(error.message)
        else:
            general.append(error.message)
    return by_name, general


@bp.route("/intake", methods=["GET", "POST"])
@require_roles("window_clerk")
def new():
    me = user()
    if request.method == "GET":
        restored = stashed_form(request.path)
        raw = restored or {"materials": ["application_form"], "delivery": ["on_site"]}
        return _form(raw, restored=restored is not None)
    raw = raw_from_form(request.form)
    application, has_id_data = application_from_form(raw, me.region)
    try:
        submitted = decide_at_window(
            backoffice().applications, application, actor(), system_has_id_data=has_id_data
        )
    except ValidationFailed as exc:
        return _form(raw, errors=exc.errors), 422
    return redirect(url_for("intake.result", number=submitted.case_number))


def _form(raw: Raw, errors: list[FieldError] | None = None, restored: bool = False) -> str:
    by_name, general = errors_by_name(errors or [])
    return render_template(
        "intake/form.html",
        raw=raw,
        errors=by_name,
        general_errors=general,
        labels=LABELS,
        regions=REGIONS,
        restored=restored,
    )


@bp.get("/intake/<number>")
@require_roles("window_clerk")
def result(number: str):
    found = views().intake_result(number)
    if found is None:
        abort(404)
    if found.transfer_in_region != user().region:
        deny(f"intake result of case {number}")
    return render_template(
        "intake/result.html",
        result=found,
        summary=views().summary(number),
        document=RESULT_DOCUMENT.get(found.decision),
        reason_text=REASON_TEXT_ZH,
        remedies=REMEDIES_ZH,
    )
