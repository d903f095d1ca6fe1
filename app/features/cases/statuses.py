"""The one vocabulary of 办件 statuses: one Chinese label per status code, for every page
(portal, clerks, supervisor, audit), the API's status_text and the notices."""

from __future__ import annotations

# A case's status (cases.status). From the diagram version that reviews before the transfers
# (seed 000 十四) in_transfer follows a passed review; in_review (review after the transfers)
# is only reached by cases on earlier versions. After acceptance a refusal is 不予办理, before
# it 不予受理: one status, `refused`, covers both, so its label names both.
CASE_STATUS: dict[str, str] = {
    "submitted": "已提交，待受理",
    "correction_required": "待补正材料",
    "refused": "不予受理（办理）",
    "accepted": "已受理，办理中",
    "in_transfer": "审核通过，转移接续办理中",
    "in_review": "转移接续已办毕，审核中",
    "concluded": "已办结",
    "running": "办理中",
    "completed": "已办结",
}

# One insurance's transfer within a case (progress_text.insurance_progress "status").
INSURANCE_STATUS: dict[str, str] = {
    "not_started": "待受理",
    "not_handled": "未办理",
    "in_progress": "办理中",
    "completed": "已办结",
    "refused": "不予转入",
    "ineligible": "未转移",
}


def status_label(code: str | None, decision: str | None = None) -> str:
    """The label of a case status; an unknown code is shown as is rather than hidden. Given the
    acceptance decision, a refusal names its stage: after acceptance (at 审核) 不予办理, at 受理
    不予受理 (seed 000)."""
    if code is None:
        return ""
    if code == "refused" and decision is not None:
        return "不予办理" if decision == "accepted" else "不予受理"
    return CASE_STATUS.get(code, code)
