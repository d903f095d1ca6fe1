"""The bundle's notices to the applicant (seed 000 十四、十九、二十): 告知书, 决定书, 办结通知书."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.common import (
    Case,
    _agency,
    _applicant_addressee,
    _case,
    _common,
    _document_number,
    _guide,
    _limit,
    _money_text,
    _submitted,
)
from app.documents.errors import DocumentDataError
from app.documents.fields import Data
from app.documents.labels import (
    BUNDLE_COMMITTED_DAYS,
    BUNDLE_LEGAL_DAYS,
    DELIVERY_ZH,
    INSURANCE_ZH,
    MATERIAL_NAME_ZH,
    NUMBER_WORD,
    OUTCOME_REASON_FIELDS,
    OUTCOME_ZH,
)
from app.rules.acceptance import REASON_TEXT_ZH, REFUSAL_REASONS, REMEDIES_ZH


def build_correction_notice(data: Mapping[str, Any]) -> dict[str, Any]:
    """补正材料一次性告知书: every missing material at once (seed 000 十四、受理).

    Keys: case_number, application, issued_on, missing_materials (codes "missing:…" or
    bare material codes); optional submitted_on, committed_days, legal_days,
    document_number, issuing_agency, contact_phone.
    """
    d = Data(data)
    case = _case(d)
    issuer = case.region_in
    codes = d.text_list("missing_materials", "需补正的材料")
    materials = []
    for code in codes:
        full = code if code.startswith("missing:") else f"missing:{code}"
        if full not in MATERIAL_NAME_ZH:
            raise DocumentDataError("missing_materials", f"未知的材料代码“{code}”")
        materials.append({"name": MATERIAL_NAME_ZH[full], "explanation": REASON_TEXT_ZH[full]})
    number = _document_number(d, (), issuer, NUMBER_WORD["correction_notice"], case)
    view = _common(
        "correction_notice",
        "补正材料一次性告知书",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    view.update(
        _applicant_addressee(case),
        **_submitted(d),
        materials=materials,
        committed_days=_limit(d, "committed_days", BUNDLE_COMMITTED_DAYS),
        legal_days=_limit(d, "legal_days", BUNDLE_LEGAL_DAYS),
        guide=_guide(issuer),
    )
    return view


def refused_after_acceptance(data: Mapping[str, Any]) -> bool:
    """A refusal made after the application was accepted (at 审核) is 不予办理; only a refusal
    at 受理 is 不予受理."""
    return data.get("refusal_stage") == "review" or data.get("decision") == "accepted"


def refusal_title(data: Mapping[str, Any]) -> str:
    return "不予办理决定书" if refused_after_acceptance(data) else "不予受理决定书"


def build_refusal_decision(data: Mapping[str, Any]) -> dict[str, Any]:
    """不予受理决定书 (at 受理) or 不予办理决定书 (after acceptance, at 审核) with the reasons and
    the remedies (seed 000 十四、二十(三)).

    Keys: case_number, application, issued_on, and reasons (refusal codes of contracts §4)
    and/or review_reasons (sentences written at 审核); optional refusal_stage (acceptance |
    review: which step refused, 十四 受理 or 审核), submitted_on, review_body (行政复议机关),
    court (人民法院), document_number, issuing_agency, contact_phone.
    """
    d = Data(data)
    case = _case(d)
    issuer = case.region_in
    texts: list[str] = []
    if d.raw("reasons") is not None and d.raw("reasons") != []:
        for code in d.text_list("reasons", "不予受理理由"):
            if code.startswith("missing:"):
                raise DocumentDataError(
                    "reasons", "缺少材料应出具一次性告知书（correction_notice），不是不予受理决定"
                )
            if code not in REFUSAL_REASONS:
                raise DocumentDataError("reasons", f"未知的不予受理理由代码“{code}”")
            texts.append(REASON_TEXT_ZH[code])
    if d.raw("review_reasons") is not None and d.raw("review_reasons") != []:
        texts.extend(d.text_list("review_reasons", "审核不通过理由"))
    if not texts:
        raise DocumentDataError(
            "reasons", "缺少不予受理的理由：必须说明理由（服务指南 二十、(三)）"
        )
    after_acceptance = refused_after_acceptance(data)
    word = "人社不办" if after_acceptance else NUMBER_WORD["refusal_decision"]
    number = _document_number(d, (), issuer, word, case)
    view = _common(
        "refusal_decision",
        refusal_title(data),
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    view.update(
        _applicant_addressee(case),
        **_submitted(d),
        reasons=texts,
        # Refused at 审核, after 受理: 不予办理 (seed 000 十四 办结; issue 15 §4)
        at_review=after_acceptance,
        remedies=REMEDIES_ZH,
        review_body=d.optional_text("review_body"),
        court=d.optional_text("court"),
        guide=_guide(issuer),
    )
    return view


def build_completion_notice(data: Mapping[str, Any]) -> dict[str, Any]:
    """办结通知书: the outcome of each insurance's transfer (seed 000 十四、办结 and 送达).

    Keys: case_number, application, issued_on, the insurances (insurances |
    application.insurances) and each one's result (transfer_results.<insurance> |
    <insurance>_result: completed | refused | ineligible); for refused / ineligible the
    reasons (<insurance>_refusal_reasons / <insurance>_ineligible_reasons,
    unemployment_out_refusal_reasons). Printed when present: pension_account_type (temporary: the
    66号文 第五条第（二）项 wording, pension_temporary_account_number; never 「已由…转入…」),
    pension_contribution_months,
    pension_individual_account_amount, pension_pooled_fund_amount, medical_credited_amount,
    medical_precredited_months, unemployment_benefit_start_month,
    unemployment_remaining_benefit_months. Optional submitted_on, document_number,
    issuing_agency, contact_phone.
    """
    d = Data(data)
    case = _case(d)
    issuer = case.region_in
    ins_path = d.first_path("insurances", "application.insurances") or "application.insurances"
    insurances = d.text_list(ins_path, "申请的险种")
    rows = []
    any_negative = False
    for ins in insurances:
        if ins not in INSURANCE_ZH:
            raise DocumentDataError(ins_path, f"未知的险种“{ins}”")
        result_path = d.first_path(f"transfer_results.{ins}", f"{ins}_result") or f"{ins}_result"
        outcome = d.raw(result_path)
        outcome_zh = d.choice(result_path, f"{INSURANCE_ZH[ins]}办理结果", OUTCOME_ZH)
        if outcome == "completed":
            details = _completed_details(d, ins, case)
        else:
            any_negative = True
            details = d.text_list(
                OUTCOME_REASON_FIELDS[(ins, outcome)], f"{INSURANCE_ZH[ins]}的理由"
            )
        rows.append(
            {
                "insurance": INSURANCE_ZH[ins],
                "outcome": outcome_zh,
                "completed": outcome == "completed",
                "details": details,
            }
        )
    number = _document_number(d, (), issuer, NUMBER_WORD["completion_notice"], case)
    view = _common(
        "completion_notice",
        "办结通知书",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    view.update(
        _applicant_addressee(case),
        **_submitted(d),
        rows=rows,
        any_negative=any_negative,
        remedies=REMEDIES_ZH,
        delivery=d.choice("application.delivery", "送达方式", DELIVERY_ZH),
        guide=_guide(issuer),
    )
    return view


def _completed_details(d: Data, ins: str, case: Case) -> list[str]:
    if ins == "pension" and d.raw("pension_account_type") == "temporary":
        return _temporary_account_details(d, case)
    lines = [f"{INSURANCE_ZH[ins]}关系已由{case.region_out.name}转入{case.region_in.name}。"]
    if ins == "pension":
        lines.append("缴费年限累计计算，达到待遇领取条件时基本养老金分段计算、统一支付。")
        if d.raw("pension_contribution_months") is not None:
            months = d.integer("pension_contribution_months", "累计缴费月数")
            lines.append(f"转入的累计缴费月数：{months}个月。")
        if d.raw("pension_individual_account_amount") is not None:
            amount = d.money("pension_individual_account_amount", "个人账户储存额")
            lines.append(f"转入个人账户储存额：{_money_text(amount)}。")
        if d.raw("pension_pooled_fund_amount") is not None:
            amount = d.money("pension_pooled_fund_amount", "统筹基金")
            lines.append(f"转入统筹基金：{_money_text(amount)}。")
    elif ins == "medical":
        lines.append("缴费年限累计计算。")
        if d.raw("medical_credited_amount") is not None:
            amount = d.money("medical_credited_amount", "计入个人账户金额")
            lines.append(f"计入个人账户金额：{_money_text(amount)}。")
        if d.raw("medical_precredited_months") is not None:
            months = d.integer("medical_precredited_months", "预划个人账户月数")
            lines.append(f"当年剩余月份个人账户已预划{months}个月。")
    else:
        lines.append("缴费年限合并计算，剩余的失业保险金领取期限一并转移。")
        if d.raw("unemployment_remaining_benefit_months") is not None:
            months = d.integer("unemployment_remaining_benefit_months", "剩余领取期限")
            lines.append(f"剩余失业保险金领取期限：{months}个月。")
        if d.raw("unemployment_benefit_start_month") is not None:
            _, month = d.period_point("unemployment_benefit_start_month", "待遇起始月份")
            lines.append(f"自{month}起按转入地标准享受失业保险待遇。")
    return lines


def _temporary_account_details(d: Data, case: Case) -> list[str]:
    """The temporary-account path (国办发〔2009〕66号 第五条第（二）项): nothing was transferred;
    the relationship stays at the old place and the new place keeps a temporary account."""
    number = d.optional_text("pension_temporary_account_number")
    account = f"（账户编号：{number}）" if number else ""
    return [
        "你跨省流动就业，户籍不在转入地所在省份，且男性年满50周岁、女性年满40周岁，"
        "根据《城镇企业职工基本养老保险关系转移接续暂行办法》（国办发〔2009〕66号）"
        "第五条第（二）项，基本养老保险关系不转移。",
        f"你的基本养老保险关系继续保留在原参保地{case.region_out.name}；"
        f"已在{case.region_in.name}为你建立临时基本养老保险缴费账户{account}，"
        "记录单位和个人的全部缴费。",
        "再次跨省流动就业或在新参保地达到待遇领取条件时，"
        "临时缴费账户中的全部缴费本息将转移归集到原参保地或待遇领取地。",
    ]
