"""The 参保(合)凭证 (seed 003): three copies issued by the transfer-out medical agency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.common import _agency, _hukou_place, _medical_scheme, _period
from app.documents.errors import DocumentDataError
from app.documents.fields import Data, zh_date
from app.documents.labels import HUKOU_TYPE_ZH
from app.documents.regions import CERTIFICATE_NUMBER_PATTERN, certificate_number

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
            insured_region.province_abbr, insured_region.pooling_name, issued_on.year, seq
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
