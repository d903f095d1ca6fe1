"""Plain-language progress for the applicant: what each status and each open step means."""

from __future__ import annotations

from typing import Any

from app.features.cases.snapshot import CaseSnapshot
from app.features.cases.statuses import CASE_STATUS, status_label
from app.rules.divisions import name_of

STATUS_ZH = CASE_STATUS  # the one vocabulary (statuses.py): the portal says what staff see
RESULT_ZH = {
    "completed": "关系已由{out_}转入{in_}",
    "refused": "转入地不予转入",
    "ineligible": "不符合转移条件，未转移",
}
# What the applicant is told while a step is open, by (process, task id). {out_} and {in_}
# are the region names. Supervisors' escalation steps are internal and never shown.
STEP_ZH = {
    ("pension_transfer", "contact_letter"): "{in_}社保中心正在审核转入申请，并向转出地发出联系函",
    ("pension_transfer", "temporary_account"): "{in_}社保中心正在为您建立临时基本养老保险缴费账户",
    (
        "pension_transfer",
        "transfer_out",
    ): "转出地{out_}社保中心正在办理转出手续、出具信息表并转移基金",
    ("pension_transfer", "transfer_in"): "{in_}社保中心已收到信息表和基金，正在办理接续手续",
    (
        "medical_transfer",
        "suspend_and_certify",
    ): "转出地{out_}医保经办机构正在办理中止参保手续并出具参保(合)凭证",
    ("medical_transfer", "contact_letter"): "{in_}医保经办机构正在审核，并向转出地发出联系函",
    ("medical_transfer", "correct_letter"): "{in_}医保经办机构正在按转出地意见更正联系函",
    (
        "medical_transfer",
        "transfer_out",
    ): "转出地{out_}医保经办机构正在办理转出手续、出具信息表并划转个人账户余额",
    (
        "medical_transfer",
        "balance_arrival",
    ): "{in_}医保经办机构已收到信息表，正在等待转出地划转的个人账户余额到账",
    (
        "medical_transfer",
        "transfer_in",
    ): "{in_}医保经办机构已收到信息表和个人账户余额，正在办理接续手续",
    ("medical_transfer", "correct_info"): "转出地{out_}医保经办机构正在按转入地意见更正信息表",
    ("unemployment_transfer", "out_review"): "转出地{out_}就业中心正在审核并出具联系函",
    ("unemployment_transfer", "in_decision"): "{in_}就业中心正在作出接续决定并发送复函",
    ("unemployment_transfer", "out_conclude"): "转出地{out_}就业中心已收到复函，正在办结转移手续",
    (
        "unemployment_transfer",
        "transfer_funds",
    ): "转出地{out_}就业中心正在划转失业保险费用（不影响待遇发放）",
}


BUNDLE = "one_thing_bundle"


def _review_open(snap: CaseSnapshot) -> bool:
    return any(t.process_id == BUNDLE and t.task_spec == "review" for t in snap.open_tasks())


def status_text(snap: CaseSnapshot) -> str:
    """The case's status in plain Chinese: the same label every page shows (statuses.py);
    the stage bar and the open steps say where in the handling it is."""
    status = str(snap.case.status)
    return status_label(status, str(snap.case.decision))


def region_name(code: str) -> str:
    return name_of(code) or code


def insurance_progress(snap: CaseSnapshot, insurance: str) -> dict[str, Any]:
    """{status, text, reasons} of one insurance's transfer, from rows and the workflow."""
    case = snap.case
    names = {
        "out_": region_name(case.transfer_out_region),
        "in_": region_name(case.transfer_in_region),
    }
    # seed 003 第六条: set when the transfer-out agency suspended insurance without a
    # receiving employer (app.features.cases.transfer_rules.medical_suspend_and_certify).
    register_by = snap.recorded.get("medical_register_by") if insurance == "medical" else None
    finished = snap.results.get(insurance)
    if finished is not None:
        text = RESULT_ZH.get(finished.result, finished.result).format(**names)
        if insurance == "pension" and finished.data.get("pension_account_type") == "temporary":
            text = (
                f"基本养老保险关系保留在原参保地{names['out_']}，"
                f"已在{names['in_']}建立临时基本养老保险缴费账户"
            )
        return {
            "status": finished.result,
            "text": text,
            "reasons": finished.reasons,
            "register_by": register_by,
        }
    if case.status == "refused":
        # Refused at 受理, or at 审核 before any transfer started (seed 000 十四 办结).
        at_review = snap.data.get("refusal_stage") == "review"
        return {
            "status": "not_handled",
            "text": "审核不通过，未办理" if at_review else "不予受理，未办理",
            "reasons": [],
            "register_by": None,
        }
    if case.accepted_at is None or _review_open(snap):
        return {
            "status": "not_started",
            "text": "审核通过后开始办理" if case.accepted_at else "受理后开始办理",
            "reasons": [],
            "register_by": None,
        }
    process = f"{insurance}_transfer"
    steps = [
        STEP_ZH[(t.process_id, t.task_spec)].format(**names)
        for t in snap.open_tasks()
        if (t.process_id, t.task_spec) in STEP_ZH and t.process_id == process
    ]
    return {
        "status": "in_progress",
        "text": "；".join(dict.fromkeys(steps)) if steps else "正在办理",
        "reasons": [],
        "register_by": register_by,
    }
