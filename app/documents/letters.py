"""The letters between agencies: 联系函 (each insurance) and the unemployment 复函."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.common import (
    Case,
    _agency,
    _case,
    _common,
    _contact,
    _document_number,
    _insurance,
    _limit,
    _money_text,
    _receiving_account,
)
from app.documents.errors import DocumentDataError
from app.documents.fields import Data, Money
from app.documents.labels import INSURANCE_ZH, LETTER_LIMIT_DAYS, NUMBER_WORD
from app.rules.acceptance import REMEDIES_ZH
from app.rules.amounts import (
    PENSION_POOLED_FUND_RATE,
    InvalidMoney,
    is_cross_province,
    unemployment_transfer_funds,
)
from app.rules.id_number import check_character, mask_id_number

# ---------------------------------------------------------------------------------------
# 联系函
# ---------------------------------------------------------------------------------------


def build_contact_letter(data: Mapping[str, Any], insurance: str | None = None) -> dict[str, Any]:
    """联系函 for one insurance (the `insurance` argument or key: medical | pension | unemployment).

    medical / pension: the transfer-in agency asks the transfer-out agency to transfer
    (规程 第五条; 国办发〔2009〕66号 第八条). unemployment: the transfer-out agency tells the
    transfer-in agency what moves and asks for its decision (浙江 2017 第六条(二)、第九条(二)).
    Keys: case_number, application, issued_on; optional document_number (or the form's
    <insurance>_contact_letter_number), limit_days, issuing_agency, addressee,
    contact_person, contact_phone, receiving_account {account_name, bank, account_number};
    medical: medical_certificate_number, medical_contact_letter_note;
    pension: pension_certificate_number, pension_temporary_account, pension_contact_letter_note;
    unemployment: unemployment_verified_contribution_months (| application.unemployment.
    contribution_months_at_transfer_out), unemployment_remaining_benefit_months (| approved −
    paid from the application), unemployment_cause, unemployment_funds_amount (cross-province),
    unemployment_social_security_card_number (x-personal), unemployment_unverified_contribution_
    months (both asked by the review from its 2021-notice version on: 第三条（一）).
    """
    d = Data(data)
    insurance = _insurance(d, insurance, ("medical", "pension", "unemployment"))
    case = _case(d)
    if insurance == "unemployment":
        issuer, receiver = case.region_out, case.region_in
    else:
        issuer, receiver = case.region_in, case.region_out
    number = _document_number(
        d,
        (f"{insurance}_contact_letter_number",),
        issuer,
        NUMBER_WORD[("contact_letter", insurance)],
        case,
    )
    agency = _agency(d, "issuing_agency", issuer.agency(insurance))
    view = _common("contact_letter", "", case, number, agency)
    contact_person, contact_phone = _contact(d, issuer, insurance)
    view.update(
        insurance=insurance,
        insurance_zh=INSURANCE_ZH[insurance],
        addressee=_agency(d, "addressee", receiver.agency(insurance)),
        limit_days=_limit(d, "limit_days", LETTER_LIMIT_DAYS[insurance]),
        contact_person=contact_person,
        contact_phone=contact_phone,
        receiving_account=_receiving_account(d),
        note=None,
    )
    if insurance == "medical":
        view.update(
            title="基本医疗保险关系转移接续联系函",
            certificate_number=d.optional_text("medical_certificate_number"),
            note=d.optional_text("medical_contact_letter_note"),
        )
    elif insurance == "pension":
        temporary = (
            d.boolean("pension_temporary_account", "是否建立临时缴费账户")
            if d.raw("pension_temporary_account") is not None
            else False
        )
        months_path = d.first_path(
            "pension_contribution_months", "application.pension.contribution_months"
        )
        view.update(
            title="基本养老保险关系转移接续联系函",
            certificate_number=d.optional_text("pension_certificate_number"),
            temporary_account=temporary,
            contribution_months=d.integer(months_path, "缴费月数") if months_path else None,
            pooled_rate=f"{PENSION_POOLED_FUND_RATE * 100:.0f}%",
            note=d.optional_text("pension_contact_letter_note"),
        )
    else:
        view.update(title="失业保险关系转移接续联系函", **_unemployment_letter(d, case))
    return view


def _unemployment_letter(d: Data, case: Case) -> dict[str, Any]:
    months_path = (
        d.first_path(
            "unemployment_verified_contribution_months",
            "application.unemployment.contribution_months_at_transfer_out",
        )
        or "unemployment_verified_contribution_months"
    )
    contribution_months = d.integer(months_path, "已核定的缴费月数")
    # 2021 通知 第三条（一）: the record holds the 社保卡号 and the contribution records both
    # verified and unverified. Reviews recorded before the form asked for them have neither.
    unverified = (
        d.integer("unemployment_unverified_contribution_months", "未核定的缴费月数")
        if d.raw("unemployment_unverified_contribution_months") is not None
        else None
    )
    if d.raw("unemployment_remaining_benefit_months") is not None:
        remaining = d.integer("unemployment_remaining_benefit_months", "剩余失业保险金领取期限")
    elif (
        d.raw("application.unemployment.benefit_months_approved") is not None
        and d.raw("application.unemployment.benefit_months_paid") is not None
    ):
        approved = d.integer("application.unemployment.benefit_months_approved", "核定领取月数")
        paid = d.integer("application.unemployment.benefit_months_paid", "已领取月数")
        if paid > approved:
            raise DocumentDataError(
                "application.unemployment.benefit_months_paid", "已领取月数不能多于核定月数"
            )
        remaining = approved - paid
    else:
        raise DocumentDataError(
            "unemployment_remaining_benefit_months", "缺少剩余失业保险金领取期限（月）"
        )
    receiving = d.raw("application.unemployment.receiving_benefit") is True
    employed = d.raw("application.status.employment") == "employed"
    monthly = (
        d.money("application.unemployment.monthly_benefit", "失业保险金标准") if receiving else None
    )

    # Funds: none within a province (浙江 2017 第七条); across provinces 1.5 × unpaid benefit,
    # or the relationship only below 12 months (2021 notice 第一条(四)、第二条(一)).
    cross = is_cross_province(
        d.text("application.transfer_out_region", "转出地"),
        d.text("application.transfer_in_region", "转入地"),
    )
    funds: Money | None = None
    relationship_only = False
    if cross:
        if d.raw("unemployment_funds_amount") is not None:
            funds = d.money("unemployment_funds_amount", "划转金额")
        else:
            u = "application.unemployment."
            monthly_benefit = d.money(u + "monthly_benefit", "失业保险金标准")
            try:
                amount, relationship_only = unemployment_transfer_funds(
                    monthly_benefit.amount,
                    d.integer(u + "benefit_months_approved", "核定领取月数"),
                    d.integer(u + "benefit_months_paid", "已领取月数"),
                    contribution_months,
                )
            except (ValueError, InvalidMoney) as e:
                raise DocumentDataError(u + "monthly_benefit", f"无法计算划转金额：{e}") from None
            funds = None if relationship_only else Money(amount)
    return {
        "employed": employed,
        "receiving_benefit": receiving,
        "card_number": _card_number(d),
        "contribution_months": contribution_months,
        "unverified_months": unverified,
        "remaining_months": remaining,
        "monthly_benefit": _money_text(monthly) if monthly else None,
        "cause": _cause(d),
        "cross_province": cross,
        "relationship_only": relationship_only,
        "funds": _money_text(funds) if funds else None,
    }


# 失业原因 (2021 通知 第三条（一）), as the transfer-out review records it: the causes of
# 失业保险金申领发放办法 第四条 (非因本人意愿中断就业, 失业保险条例 第十四条（二）) and the
# person's own wish, which is recorded too (it decides whether benefit is due at the new place).
UNEMPLOYMENT_CAUSE_ZH = {
    "contract_terminated": "劳动合同期满终止",
    "dismissed_by_employer": "被用人单位解除劳动合同",
    "expelled_or_removed": "被用人单位开除、除名或辞退",
    "employer_fault": "因用人单位过错由本人解除劳动合同",
    "other_statutory": "法律、行政法规规定的其他非本人意愿中断就业情形",
    "own_wish": "本人意愿中断就业（辞职等）",
}


def _cause(d: Data) -> str | None:
    """The cause's Chinese label; text recorded otherwise is printed as it stands."""
    value = d.optional_text("unemployment_cause")
    if value is None:
        return None
    return UNEMPLOYMENT_CAUSE_ZH.get(value, value)


def _card_number(d: Data) -> str | None:
    """The 社会保障卡号 as printed; an ID number typed there is masked like the ID itself."""
    number = d.optional_text("unemployment_social_security_card_number")
    if number is None or not number:
        return None
    if (
        len(number) == 18
        and number[:17].isdigit()
        and check_character(number[:17]) == number[17].upper()
    ):
        return mask_id_number(number)
    return number


# ---------------------------------------------------------------------------------------
# 复函 (unemployment)
# ---------------------------------------------------------------------------------------


def build_reply_letter(data: Mapping[str, Any]) -> dict[str, Any]:
    """失业保险关系转移接续联系复函 from the transfer-in agency (浙江 2017 第六条(三)、第九条(三)).

    Keys: case_number, application, issued_on, unemployment_in_accepted (bool);
    accepted: unemployment_benefit_start_month (YYYY-MM) when the person draws benefit;
    refused: unemployment_refusal_reasons (list of sentences). Optional:
    unemployment_reply_letter_number | document_number, unemployment_contact_letter_number,
    unemployment_remaining_benefit_months, issuing_agency, addressee, contact_person,
    contact_phone.
    """
    d = Data(data)
    case = _case(d)
    issuer, receiver = case.region_in, case.region_out
    number = _document_number(
        d, ("unemployment_reply_letter_number",), issuer, NUMBER_WORD["reply_letter"], case
    )
    view = _common(
        "reply_letter",
        "失业保险关系转移接续联系复函",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("unemployment")),
    )
    accepted = d.boolean("unemployment_in_accepted", "是否准予接续")
    receiving = d.raw("application.unemployment.receiving_benefit") is True
    start_month = None
    reasons: list[str] = []
    if accepted and receiving:
        # 第九条(三): 从准予接续的次月起按规定享受失业保险待遇
        _, start_month = d.period_point("unemployment_benefit_start_month", "失业保险待遇起始月份")
    if not accepted:
        reasons = d.text_list("unemployment_refusal_reasons", "不予接续的理由")
    contact_person, contact_phone = _contact(d, issuer, "unemployment")
    view.update(
        addressee=_agency(d, "addressee", receiver.agency("unemployment")),
        accepted=accepted,
        receiving_benefit=receiving,
        benefit_start_month=start_month,
        reasons=reasons,
        remedies=REMEDIES_ZH,
        # 浙江2017 第八条: an untransferred relationship stays with the old place. The
        # article is in the chapter on employed workers and is provincial, so it is cited only
        # for a worker moving within Zhejiang.
        cite_zhejiang_article_8=not receiving
        and not is_cross_province(
            d.text("application.transfer_out_region", "转出地"),
            d.text("application.transfer_in_region", "转入地"),
        ),
        letter_number=d.optional_text("unemployment_contact_letter_number"),
        remaining_months=(
            d.integer("unemployment_remaining_benefit_months", "剩余领取期限")
            if d.raw("unemployment_remaining_benefit_months") is not None
            else None
        ),
        contact_person=contact_person,
        contact_phone=contact_phone,
    )
    return view
