"""The 信息表 the transfer-out agency sends with the medical account or the pension funds."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.documents.common import (
    _agency,
    _case,
    _common,
    _contact,
    _document_number,
    _hukou_place,
    _insurance,
    _medical_scheme,
    _optional_period,
)
from app.documents.errors import DocumentDataError
from app.documents.fields import Data, Money
from app.documents.labels import ACCOUNT_HANDLING_ZH, HUKOU_TYPE_ZH, INSURANCE_ZH, NUMBER_WORD
from app.rules.amounts import PENSION_POOLED_FUND_RATE, pension_pooled_fund


def build_info_table(data: Mapping[str, Any], insurance: str | None = None) -> dict[str, Any]:
    """信息表 from the transfer-out agency (insurance: medical | pension).

    medical: 参保人员基本医疗保险类型变更信息表 (规程 第六条3). Keys: case_number,
    application, issued_on, medical_account_balance (| application.medical.account_balance;
    not needed when medical_account_handling is no_balance); optional
    medical_info_table_number | document_number, medical_account_handling
    (transferred | refunded | no_balance), medical_scheme, insured_from / insured_to,
    medical_contribution_months, medical_contact_letter_number, medical_certificate_number,
    hukou_place, issuing_agency, addressee, contact_person, contact_phone.
    pension: 基本养老保险参保缴费信息表 (国办发〔2009〕66号 第八条(三), national rule). Keys:
    case_number, application, issued_on, pension_contribution_months (|
    application.pension.contribution_months), pension_individual_account_amount, and
    pension_pooled_fund_amount or pension_contribution_base_since_1998 (pooled fund = 12 %);
    optional pension_info_table_number | document_number, pension_contact_letter_number,
    issuing_agency, addressee, contact_person, contact_phone.
    """
    d = Data(data)
    if (insurance if insurance is not None else d.raw("insurance")) == "unemployment":
        raise DocumentDataError(
            "insurance", "失业保险关系转移没有信息表，转移的缴费享受信息列在联系函中"
        )
    insurance = _insurance(d, insurance, ("medical", "pension"))
    case = _case(d)
    issuer, receiver = case.region_out, case.region_in
    number = _document_number(
        d, (f"{insurance}_info_table_number",), issuer, NUMBER_WORD[("info_table", insurance)], case
    )
    view = _common(
        "info_table", "", case, number, _agency(d, "issuing_agency", issuer.agency(insurance))
    )
    contact_person, contact_phone = _contact(d, issuer, insurance)
    view.update(
        insurance=insurance,
        insurance_zh=INSURANCE_ZH[insurance],
        addressee=_agency(d, "addressee", receiver.agency(insurance)),
        contact_person=contact_person,
        contact_phone=contact_phone,
        contact_letter_number=d.optional_text(f"{insurance}_contact_letter_number"),
    )
    if insurance == "medical":
        handling_code = "transferred"
        if d.raw("medical_account_handling") is not None:
            d.choice("medical_account_handling", "个人账户处理方式", ACCOUNT_HANDLING_ZH)
            handling_code = d.raw("medical_account_handling")
        handling = ACCOUNT_HANDLING_ZH[handling_code]
        if handling_code == "no_balance":
            balance = Money(Decimal("0.00"))
        else:
            path = (
                d.first_path("medical_account_balance", "application.medical.account_balance")
                or "medical_account_balance"
            )
            balance = d.money(path, "个人账户余额")
        period = _optional_period(d, "insured_from", "insured_to", "参保时间")
        months = (
            d.integer("medical_contribution_months", "实际缴费月数")
            if d.raw("medical_contribution_months") is not None
            else None
        )
        view.update(
            title="参保人员基本医疗保险类型变更信息表",
            hukou_place=_hukou_place(d),
            hukou_type=d.choice("application.applicant.hukou_type", "户籍类型", HUKOU_TYPE_ZH),
            medical_scheme=_medical_scheme(d),
            period=period,
            contribution_months=months,
            account_handling=handling,
            balance_figures=balance.figures,
            balance_capital=balance.capital,
            certificate_number=d.optional_text("medical_certificate_number"),
        )
    else:
        months_path = (
            d.first_path("pension_contribution_months", "application.pension.contribution_months")
            or "pension_contribution_months"
        )
        individual = d.money("pension_individual_account_amount", "个人账户储存额")
        base = (
            d.money("pension_contribution_base_since_1998", "1998年1月1日以后缴费工资之和")
            if d.raw("pension_contribution_base_since_1998") is not None
            else None
        )
        if d.raw("pension_pooled_fund_amount") is not None:
            pooled = d.money("pension_pooled_fund_amount", "统筹基金")
            if base is not None and pension_pooled_fund(base.amount) != pooled.amount:
                expected = Money(pension_pooled_fund(base.amount)).figures
                raise DocumentDataError(
                    "pension_pooled_fund_amount",
                    f"统筹基金应为1998年1月1日以后各年度实际缴费工资之和的12%，即 {expected} 元",
                )
        elif base is not None:
            # 国办发〔2009〕66号 第四条(二) (national rule): 12 % of the bases since 1998-01-01
            pooled = Money(pension_pooled_fund(base.amount))
        else:
            raise DocumentDataError(
                "pension_pooled_fund_amount",
                "缺少转移的统筹基金（或 pension_contribution_base_since_1998 以按12%计算）",
            )
        total = Money(individual.amount + pooled.amount)
        view.update(
            title="基本养老保险参保缴费信息表",
            contribution_months=d.integer(months_path, "累计缴费月数"),
            individual=individual,
            pooled=pooled,
            base=base,
            total=total,
            pooled_rate=f"{PENSION_POOLED_FUND_RATE * 100:.0f}%",
        )
    return view
