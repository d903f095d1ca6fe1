"""受理通知书 (the window's 受理回执) and 送达回证: what was accepted, and where the result goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.common import (
    _agency,
    _applicant_addressee,
    _case,
    _common,
    _document_number,
    _guide,
    _limit,
    _submitted,
)
from app.documents.errors import DocumentDataError
from app.documents.fields import Data, zh_date
from app.documents.labels import (
    BUNDLE_COMMITTED_DAYS,
    BUNDLE_LEGAL_DAYS,
    DELIVERY_ZH,
    INSURANCE_ZH,
    NUMBER_WORD,
)

# The document a case's status sends to the applicant, which the 送达回证 accompanies.
DELIVERED_BY_STATUS = {
    "correction_required": ("correction_notice", "补正材料一次性告知书"),
    "refused": ("refusal_decision", "不予受理决定书"),
    "concluded": ("completion_notice", "办结通知书"),
}
_ELECTRONIC_PLACE = "浙江政务服务网（电子文件网上送达）"


def delivery_address(d: Data) -> dict[str, str] | None:
    """The 邮寄地址 the application gives (required for express delivery), else None."""
    if d.raw("application.delivery_address") is None:
        return None
    return {
        "recipient": d.text("application.delivery_address.recipient", "收件人"),
        "phone": d.text("application.delivery_address.phone", "收件人电话"),
        "address": d.text("application.delivery_address.address", "收件地址"),
    }


def _delivery(d: Data) -> dict[str, Any]:
    method = d.raw("application.delivery")
    address = delivery_address(d)
    if method == "express" and address is None:
        raise DocumentDataError(
            "application.delivery_address", "邮寄送达缺少收件人、联系电话和收件地址"
        )
    return {
        "delivery": d.choice("application.delivery", "送达方式", DELIVERY_ZH),
        "express": method == "express",
        "address": address,
    }


def build_acceptance_notice(data: Mapping[str, Any]) -> dict[str, Any]:
    """受理通知书 (受理回执), printed at the window on acceptance (seed 000 十四、受理, 十六).

    Keys: case_number, application, issued_on, accepted_on, committed_due, legal_due;
    optional deadlines_provisional, committed_days, legal_days, submitted_on,
    document_number, issuing_agency."""
    d = Data(data)
    case = _case(d)
    issuer = case.region_in
    insurances = d.text_list("application.insurances", "申请的险种")
    unknown = [i for i in insurances if i not in INSURANCE_ZH]
    if unknown:
        raise DocumentDataError("application.insurances", f"未知的险种“{unknown[0]}”")
    if d.raw("accepted_on") is None:
        raise DocumentDataError("accepted_on", "办件尚未受理，不能出具受理通知书")
    number = _document_number(d, (), issuer, NUMBER_WORD["acceptance_notice"], case)
    view = _common(
        "acceptance_notice",
        "受理通知书",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    view.update(
        _applicant_addressee(case),
        **_submitted(d),
        **_delivery(d),
        insurances=[INSURANCE_ZH[i] for i in insurances],
        accepted_on=zh_date(d.day("accepted_on", "受理日期")),
        committed_due=zh_date(d.day("committed_due", "承诺办结日期")),
        legal_due=zh_date(d.day("legal_due", "法定办结日期")),
        provisional=d.raw("deadlines_provisional") is True,
        committed_days=_limit(d, "committed_days", BUNDLE_COMMITTED_DAYS),
        legal_days=_limit(d, "legal_days", BUNDLE_LEGAL_DAYS),
        guide=_guide(issuer),
    )
    return view


def build_delivery_receipt(data: Mapping[str, Any]) -> dict[str, Any]:
    """送达回证 of the document the case's status sends the applicant (seed 000 十九、送达方式):
    the method, and for 邮寄送达 the recipient, phone and address the application gave.

    Keys: case_number, application, issued_on, status (correction_required | refused |
    concluded); optional document_number, issuing_agency."""
    d = Data(data)
    case = _case(d)
    issuer = case.region_in
    status = d.raw("status")
    if status not in DELIVERED_BY_STATUS:
        raise DocumentDataError("status", "尚无需要送达的文书")
    kind, title = DELIVERED_BY_STATUS[status]
    delivered = _document_number(d, (), issuer, NUMBER_WORD[kind], case)
    number = _document_number(d, (), issuer, NUMBER_WORD["delivery_receipt"], case)
    view = _common(
        "delivery_receipt",
        "送达回证",
        case,
        number,
        _agency(d, "issuing_agency", issuer.agency("bureau")),
    )
    delivery = _delivery(d)
    place = {
        "on_site": f"{case.region_in.name}社会保险受理窗口",
        "electronic": _ELECTRONIC_PLACE,
    }.get(str(d.raw("application.delivery")), "")
    view.update(
        _applicant_addressee(case),
        **delivery,
        place=place,
        delivered_title=title,
        delivered_number=delivered,
    )
    return view
