"""Builders: a case's plain data in, the checked view model of one document's template out."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.documents.errors import DocumentDataError
from app.documents.fields import Data, Money, Person, zh_date
from app.documents.regions import (
    CERTIFICATE_NUMBER_PATTERN,
    REGIONS,
    Region,
    certificate_number,
)
from app.documents.service_guides import ServiceGuide, guide_for
from app.rules.acceptance import REASON_TEXT_ZH, REFUSAL_REASONS, REMEDIES_ZH
from app.rules.amounts import (
    PENSION_POOLED_FUND_RATE,
    InvalidMoney,
    is_cross_province,
    pension_pooled_fund,
    unemployment_transfer_funds,
)
from app.rules.id_number import check_character, mask_id_number

# Every builder takes one mapping — the case's workflow data as the services hold it (the
# application of contracts §3 under "application", "case_number", the regions, and the task
# form fields under their form names such as "medical_account_balance") plus a few
# document-only keys ("issued_on", "contact_person", ...). It reads only what its document
# prints, and raises DocumentDataError(field, message_zh) for the first field that is missing
# or unusable, so that a clerk can supply it.
#
# ID numbers on paper (身份证号码). A document may travel further than the office that prints
# it (express mail, electronic delivery, the person's new employer), so the full number is
# printed where its reader needs it to identify the person, and masked elsewhere:
# - 参保(合)凭证, all three copies: full (seed 003 layout: one standard form, 第八条 各地按照标准
#   打印, with 身份证号 and 户主身份证号). 第一联 goes to the transfer-in agency, which registers
#   the person by that number (暂行办法 第十条: the ID number is the unique identifier); 第三联
#   is the person's own record of their rights (注意事项 1); 第二联 is the issuing agency's
#   archive copy, kept in-house 以备核查 (第八条) — it is not masked either, because the check
#   it serves is by that number and the layout has no second variant.
# - 信息表 (medical and pension): full 社会保障号码 — 规程 第六条 2 「划转时需标明转移人员姓名和
#   社会保障号」: the table goes with the account balance / funds and the receiving agency
#   credits them by that number (第七条 1-2). The 社会保障号码 is the 公民身份号码.
# - 联系函, 复函 (agency to agency): masked. The full record moves between the systems,
#   matched by case number (design.md: the letters are messages correlated by case number;
#   规程 第十条: 已经实现信息系统互联的，先通过信息系统交换); the paper names the person, the
#   masked number and the case number.
# - 一次性告知书, 不予受理决定书, 办结通知书 (to the applicant): masked — they may be mailed or
#   delivered electronically (seed 000 十九、送达方式), and the applicant knows their own number.
# The same rule applies to the head of household's number and to a 医疗保障编号 that is the ID
# number (seed 003 第十条: the ID number is the unique identifier).

DOCUMENT_KINDS: dict[str, str] = {
    "insurance_certificate": "参保(合)凭证",
    "contact_letter": "联系函",
    "info_table": "信息表",
    "reply_letter": "失业保险关系转移接续联系复函",
    "correction_notice": "一次性告知书",
    "refusal_decision": "不予受理决定书",
    "completion_notice": "办结通知书",
}

INSURANCE_ZH = {
    "pension": "企业职工基本养老保险",
    "medical": "基本医疗保险",
    "unemployment": "失业保险",
}
HUKOU_TYPE_ZH = {"urban": "城镇户籍", "rural": "农村户籍"}
# 医疗保障类型 as seed 003 第二条 names the three schemes, plus the merged resident scheme.
MEDICAL_SCHEME_ZH = {
    "employee": "城镇职工基本医疗保险",
    "urban_resident": "城镇居民基本医疗保险",
    "resident": "城乡居民基本医疗保险",
    "ncms": "新型农村合作医疗",
}
# The bundle transfers enterprise-employee insurance (seed 000 十、受理条件(一)).
DEFAULT_MEDICAL_SCHEME = "employee"
CHANNEL_ZH = {"online": "浙江政务服务网", "window": "服务窗口"}
DELIVERY_ZH = {"on_site": "当场送达", "electronic": "电子文件网上送达", "express": "邮寄送达"}
# seed 000 十二、申请材料目录, names as printed there.
MATERIAL_NAME_ZH = {
    "missing:id_card": "社会保障卡或居民身份证",
    "missing:application_form": "《社会保险关系转移接续“一件事”联办申请表》",
    "missing:stamped_id_copy": "社会保障卡或身份证复印件一份（加盖公章，单位代办提交）",
    "missing:hukou_certificate": "户籍证明（户籍地与居民身份证信息不一致的领取失业保险金人员需提供）",
}
OUTCOME_ZH = {
    "completed": "已办结",
    "refused": "不予转入",
    "ineligible": "不符合转移条件，未转移",
}
# Where the diagrams put the written reasons of an outcome that is not "completed".
OUTCOME_REASON_FIELDS = {
    ("pension", "refused"): "pension_refusal_reasons",
    ("pension", "ineligible"): "pension_ineligible_reasons",
    ("medical", "refused"): "medical_refusal_reasons",
    ("medical", "ineligible"): "medical_ineligible_reasons",
    ("unemployment", "refused"): "unemployment_refusal_reasons",
    ("unemployment", "ineligible"): "unemployment_out_refusal_reasons",
}
ACCOUNT_HANDLING_ZH = {
    "transferred": "随基本医疗保险关系划转",
    # seed 001: the new place has no outpatient pooling → refunded to the person in one sum
    "refunded": "一次性退还本人",
    "no_balance": "无余额",
}

# Default limits printed in letters and notices, in working days. Regions may differ
# (processes/limits.json); a caller passes "limit_days" / "committed_days" / "legal_days".
BUNDLE_COMMITTED_DAYS = 9  # seed 000 十六、承诺期限
BUNDLE_LEGAL_DAYS = 45  # seed 000 十六、法定期限
LETTER_LIMIT_DAYS = {
    "medical": 15,  # 人社厅发〔2016〕94号 规程 第六条: 收到《联系函》之日起15个工作日内
    "pension": 15,  # 国办发〔2009〕66号 第八条(三) (national rule): 接到联系函15个工作日内
    "unemployment": 5,  # 浙江省失业保险关系转移接续暂行办法(2017) 第六条(三)、第九条(三)
}

# Words of the default document numbers (机关代字 + word + 〔year〕 + sequence + 号).
NUMBER_WORD = {
    "correction_notice": "人社补告",
    "refusal_decision": "人社不受",
    "completion_notice": "人社办结",
    ("contact_letter", "medical"): "医保联",
    ("contact_letter", "pension"): "社保联",
    ("contact_letter", "unemployment"): "就业联",
    ("info_table", "medical"): "医保信",
    ("info_table", "pension"): "社保信",
    "reply_letter": "就业复",
}

_CASE_NUMBER = re.compile(r"^([0-9]{6})-([0-9]{4})-([0-9]+)$")  # app.features.cases.service


# ---------------------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What every bundle document needs: who, where from, where to, which case, which day."""

    data: Data
    case_number: str
    issued_on: date
    person: Person
    region_out: Region
    region_in: Region


def _case(d: Data) -> Case:
    case_number = d.text("case_number", "业务编号")
    issued_on = d.day("issued_on", "出具日期")
    if d.raw("application") is None or not isinstance(d.raw("application"), Mapping):
        raise DocumentDataError("application", "缺少申请表数据（application）")
    person = d.person("application.applicant", "申请人", issued_on)
    region_out = d.region("application.transfer_out_region", "转出地")
    region_in = d.region("application.transfer_in_region", "转入地")
    return Case(d, case_number, issued_on, person, region_out, region_in)


def _document_number(d: Data, paths: tuple[str, ...], issuer: Region, word: str, case: Case) -> str:
    """The number given in the data (a form field), else one derived from the case number.

    Derived: 机关代字 + word + 〔case year〕 + sequence + 号 (越人社不受〔2026〕12号). The case
    sequence is unique per transfer-in region and year, so a document issued by another
    region carries the transfer-in region's 代字 before it (杭就业联〔2026〕越12号).
    """
    path = d.first_path("document_number", *paths)
    if path is not None:
        return d.text(path, "文书编号")
    m = _CASE_NUMBER.match(case.case_number)
    if m is None:
        return f"{issuer.short}{word}〔{case.issued_on.year}〕{case.case_number}号"
    case_region, year, seq = m[1], m[2], int(m[3])
    if case_region == issuer.code:
        prefix = ""
    else:
        prefix = REGIONS[case_region].short if case_region in REGIONS else f"{case_region}-"
    return f"{issuer.short}{word}〔{year}〕{prefix}{seq}号"


def _money_text(m: Money) -> str:
    return f"¥{m.figures}元（大写：{m.capital}）"


def _limit(d: Data, key: str, default: int) -> int:
    return d.integer(key, "办理时限（工作日）", minimum=1) if d.raw(key) is not None else default


def _agency(d: Data, key: str, default: str) -> str:
    return d.optional_text(key) or default


def _contact(d: Data, region: Region, which: str) -> tuple[str | None, str | None]:
    """Contact person and phone of the issuing agency: the phone given in the data, else the
    published phone of that very agency (processes/service_guides.json); None (a blank to fill
    in by hand) when no seed publishes it — never another agency's line."""
    return d.optional_text("contact_person"), d.optional_text("contact_phone") or region.phone(
        which
    )


def _guide(region: Region) -> ServiceGuide | None:
    """What the issuing region's service guide promises the applicant (seed 000 十七、二十一至
    二十三; 001 十三、十六至十八; 002 十三、十六至十八), else the province-level channels."""
    return guide_for(region.code)


def _hukou_place(d: Data) -> str:
    explicit = d.optional_text("hukou_place")
    if explicit:
        return explicit
    code = d.raw("application.applicant.hukou_region")
    if code is None:
        raise DocumentDataError("application.applicant.hukou_region", "缺少户籍所在地")
    if code not in REGIONS:
        raise DocumentDataError(
            "hukou_place",
            f"户籍地区代码 {code} 不在文书地区表中，请提供户籍所在地名称（hukou_place）",
        )
    return REGIONS[code].name


def _period(d: Data, start: str, end: str, label: str) -> tuple[str, str]:
    start_day, start_text = d.period_point(start, f"{label}（起）")
    end_day, end_text = d.period_point(end, f"{label}（止）")
    if end_day < start_day:
        raise DocumentDataError(end, f"{label}的止日期早于起日期")
    return start_text, end_text


def _optional_period(d: Data, start: str, end: str, label: str) -> tuple[str, str] | None:
    if d.raw(start) is None and d.raw(end) is None:
        return None
    return _period(d, start, end, label)


def _medical_scheme(d: Data) -> str:
    if d.raw("medical_scheme") is None:
        return MEDICAL_SCHEME_ZH[DEFAULT_MEDICAL_SCHEME]
    return d.choice("medical_scheme", "医疗保障类型", MEDICAL_SCHEME_ZH)


def _receiving_account(d: Data) -> dict[str, str] | None:
    """Optional bank account of the transfer-in fund (户名、开户银行、账号)."""
    if d.raw("receiving_account") is None:
        return None
    return {
        "account_name": d.text("receiving_account.account_name", "收款户名"),
        "bank": d.text("receiving_account.bank", "开户银行"),
        "account_number": d.text("receiving_account.account_number", "银行账号"),
    }


def _applicant_addressee(case: Case) -> dict[str, Any]:
    d = case.data
    agent = d.raw("application.agent")
    agent_name = d.optional_text("application.agent.name") if isinstance(agent, Mapping) else None
    return {"addressee": case.person.name, "agent_name": agent_name}


def _submitted(d: Data) -> dict[str, str | None]:
    submitted_on = zh_date(d.day("submitted_on", "申请日期")) if d.raw("submitted_on") else None
    channel = d.choice("application.channel", "申请渠道", CHANNEL_ZH)
    return {"submitted_on": submitted_on, "channel": channel}


def _insurance(d: Data, insurance: str | None, allowed: tuple[str, ...]) -> str:
    value = insurance if insurance is not None else d.raw("insurance")
    if value is None:
        raise DocumentDataError("insurance", "缺少险种（insurance）")
    if value not in allowed:
        raise DocumentDataError("insurance", f"险种“{value}”无效，应为 {'、'.join(allowed)} 之一")
    return str(value)


def _common(kind: str, title: str, case: Case, number: str, agency: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "document_number": number,
        "case_number": case.case_number,
        "issuing_agency": agency,
        "issued_on": zh_date(case.issued_on),
        "person": case.person,
        "region_out": case.region_out.name,
        "region_in": case.region_in.name,
    }


# ---------------------------------------------------------------------------------------
# 参保(合)凭证 (seed 003)
# ---------------------------------------------------------------------------------------

CERTIFICATE_COPIES = (
    # (联次, 用途, who keeps it — seed 003 注意事项 2, full ID number printed?)
    ("第一联", "转移用", "用于参保(合)人员办理医疗保障关系转移手续", True),
    ("第二联", "存档", "由原参保(合)统筹地区经办机构存档备查", True),
    ("第三联", "参保人留存", "由参保(合)人员自己留存", True),
)


def build_insurance_certificate(data: Mapping[str, Any]) -> dict[str, Any]:
    """参保(合)凭证, issued by the transfer-out medical agency when the person suspends insurance.

    Keys: application (applicant.name/id_number/hukou_region/hukou_type, transfer_out_region
    = 参保(合)地 and issuing region), issued_on, household_head {name, id_number},
    insured_from / insured_to, benefits_from / benefits_to (YYYY-MM-DD or YYYY-MM),
    account balance (account_balance | medical_certificate_balance | medical_account_balance
    | application.medical.account_balance), certificate_number (| medical_certificate_number)
    or certificate_seq, contact_person; optional: case_number, medical_insurance_number
    (default: the ID number), medical_scheme (default employee), hukou_place,
    issuing_agency, contact_phone (default: the region's published phone).
    The transfer-out step suspend_and_certify records the same under its form names
    (medical_household_head_name / _id_number, medical_insured_from …, medical_suspended_on =
    the day of issue, medical_certificate_contact_person) and medical_register_by (seed 003
    第六条); certificate_reissues [{on, reason}] marks a re-issue (规程 第四条 补办).
    """
    d = Data(_certificate_aliases(data))
    issued_on = d.day("issued_on", "出具日期")
    if not isinstance(d.raw("application"), Mapping):
        raise DocumentDataError("application", "缺少申请表数据（application）")
    person = d.person("application.applicant", "参保(合)人", issued_on)
    insured_region = d.region("application.transfer_out_region", "参保(合)地（转出地）")
    hukou_place = _hukou_place(d)
    hukou_type = d.choice("application.applicant.hukou_type", "户籍类型", HUKOU_TYPE_ZH)
    if not isinstance(d.raw("household_head"), Mapping):
        raise DocumentDataError("household_head", "缺少户主信息（姓名、身份证号码）")
    head = d.person("household_head", "户主", issued_on)
    insured_from, insured_to = _period(d, "insured_from", "insured_to", "参保(合)时间")
    benefits_from, benefits_to = _period(d, "benefits_from", "benefits_to", "待遇享受时间")
    register_by = (
        zh_date(d.day("medical_register_by", "登记截止日期"))
        if d.raw("medical_register_by") is not None
        else None
    )
    reissues = _reissues(d)
    balance_path = (
        d.first_path(
            "account_balance",
            "medical_certificate_balance",
            "medical_account_balance",
            "application.medical.account_balance",
        )
        or "account_balance"
    )
    balance = d.money(balance_path, "个人账户余额")

    number_path = d.first_path("certificate_number", "medical_certificate_number")
    if number_path is not None:
        number = d.text(number_path, "凭证号")
        if not CERTIFICATE_NUMBER_PATTERN.match(number):
            raise DocumentDataError(
                number_path, "凭证号格式应为：（省份简称）（统筹地区名称）（年份）第 XXXXXX 号"
            )
    elif d.raw("certificate_seq") is not None:
        seq = d.integer("certificate_seq", "凭证序号", minimum=1)
        number = certificate_number(
            insured_region.province_abbr, insured_region.name, issued_on.year, seq
        )
    else:
        raise DocumentDataError(
            "certificate_number", "缺少凭证号（certificate_number 或 certificate_seq）"
        )

    # seed 003 ＊: 尚未将身份证号码作为唯一身份识别码的统筹地区填写医疗保险编号. Zhejiang uses
    # the ID number (第十条), so it is the default, printed like the ID number.
    own_number = d.optional_text("medical_insurance_number")
    agency = _agency(d, "issuing_agency", insured_region.agency("medical"))
    contact_person = d.text("contact_person", "联系人")
    # the issuing medical agency's own phone, never the region's employment hotline
    contact_phone = d.optional_text("contact_phone") or insured_region.phone("medical")

    copies = []
    for ordinal, use, keeper, full in CERTIFICATE_COPIES:
        copies.append(
            {
                "ordinal": ordinal,
                "use": use,
                "keeper": keeper,
                "id_number": person.id_number if full else person.id_masked,
                "head_id_number": head.id_number if full else head.id_masked,
                "medical_number": own_number or (person.id_number if full else person.id_masked),
            }
        )
    return {
        "kind": "insurance_certificate",
        "title": "参保(合)凭证",
        "certificate_number": number,
        "case_number": d.optional_text("case_number") or "",
        "name": person.name,
        "hukou_place": hukou_place,
        "hukou_type": hukou_type,
        "head_name": head.name,
        "medical_scheme": _medical_scheme(d),
        "insured_place": insured_region.name,
        "insured_from": insured_from,
        "insured_to": insured_to,
        "benefits_from": benefits_from,
        "benefits_to": benefits_to,
        "balance_capital": balance.capital,
        "balance_figures": balance.figures,
        "issuing_agency": agency,
        "contact_person": contact_person,
        "contact_phone": contact_phone,
        "issued_on": zh_date(issued_on),
        "register_by": register_by,
        "reissue_count": len(reissues),
        "reissued_on": reissues[-1] if reissues else None,
        "copies": copies,
    }


# Form fields of medical_transfer#suspend_and_certify -> the certificate's own keys (used only
# where the data does not give the certificate's key itself).
_CERTIFICATE_FORM_KEYS = {
    "insured_from": "medical_insured_from",
    "insured_to": "medical_insured_to",
    "benefits_from": "medical_benefits_from",
    "benefits_to": "medical_benefits_to",
    "contact_person": "medical_certificate_contact_person",
}


def _certificate_aliases(data: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(data)
    for key, form_key in _CERTIFICATE_FORM_KEYS.items():
        if merged.get(key) is None and data.get(form_key) is not None:
            merged[key] = data[form_key]
    if merged.get("household_head") is None and data.get("medical_household_head_name"):
        merged["household_head"] = {
            "name": data["medical_household_head_name"],
            "id_number": data.get("medical_household_head_id_number"),
        }
    if data.get("medical_suspended_on") is not None:
        # The certificate is dated the day it was issued, whenever it is printed again.
        merged["issued_on"] = data["medical_suspended_on"]
    return merged


def _reissues(d: Data) -> list[str]:
    """The 补办 dates, oldest first, as printed (规程 第四条: 遗失的，转出地经办机构应予补办)."""
    value = d.raw("certificate_reissues")
    if value is None:
        return []
    if not isinstance(value, list):
        raise DocumentDataError("certificate_reissues", "补办记录应为列表")
    days = []
    for item in value:
        if not isinstance(item, Mapping):
            raise DocumentDataError("certificate_reissues", "补办记录应含补办日期（on）")
        days.append(zh_date(Data(item).day("on", "补办日期")))
    return days


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
# 信息表
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# The bundle's notices to the applicant (seed 000 十四、十九、二十)
# ---------------------------------------------------------------------------------------


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


def build_refusal_decision(data: Mapping[str, Any]) -> dict[str, Any]:
    """不予受理决定书 with the reasons and the remedies (seed 000 十四、二十(三)).

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
    number = _document_number(d, (), issuer, NUMBER_WORD["refusal_decision"], case)
    view = _common(
        "refusal_decision",
        "不予受理决定书",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    view.update(
        _applicant_addressee(case),
        **_submitted(d),
        reasons=texts,
        # seed 000 十四 办结「对于审核不通过的，不予受理并告知原因」: refused at 审核, after 受理
        at_review=d.raw("refusal_stage") == "review",
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


BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "insurance_certificate": build_insurance_certificate,
    "contact_letter": build_contact_letter,
    "info_table": build_info_table,
    "reply_letter": build_reply_letter,
    "correction_notice": build_correction_notice,
    "refusal_decision": build_refusal_decision,
    "completion_notice": build_completion_notice,
}
