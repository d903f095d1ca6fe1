"""Builders: a case's plain data in, the checked view model of one document's template out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.documents.certificate import build_insurance_certificate
from app.documents.info_table import build_info_table
from app.documents.letters import build_contact_letter, build_reply_letter
from app.documents.notices import (
    build_completion_notice,
    build_correction_notice,
    build_refusal_decision,
)
from app.documents.receipts import build_acceptance_notice, build_delivery_receipt

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
    "acceptance_notice": "受理通知书",
    "delivery_receipt": "送达回证",
}

BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "insurance_certificate": build_insurance_certificate,
    "contact_letter": build_contact_letter,
    "info_table": build_info_table,
    "reply_letter": build_reply_letter,
    "correction_notice": build_correction_notice,
    "refusal_decision": build_refusal_decision,
    "completion_notice": build_completion_notice,
    "acceptance_notice": build_acceptance_notice,
    "delivery_receipt": build_delivery_receipt,
}
