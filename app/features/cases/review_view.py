"""What the reviewer (审核) looks at: each insurance's transfer with the facts it rests on and
its result so far, and the documents the decision approves (seed 000 十四 审核、办结)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.documents.labels import INSURANCE_ZH
from app.features.cases.progress_text import insurance_progress, region_name
from app.features.cases.snapshot import snapshot

if TYPE_CHECKING:
    from app.features.cases.service import CaseService

INSURANCES = ("pension", "medical", "unemployment")
MISSING = "—"


@dataclass(frozen=True)
class TransferLine:
    insurance: str
    name: str  # 企业职工基本养老保险 …
    route: str  # 杭州市 → 绍兴市越城区
    applied: bool
    status: str  # not_applied | not_started | in_progress | completed | refused | ineligible | not_handled
    text: str
    reasons: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewPanel:
    transfers: list[TransferLine]
    # (title, what it says) of the documents this decision approves, by outcome
    on_pass: list[tuple[str, str]]
    on_fail: list[tuple[str, str]]


def _yes_no(value: Any) -> str:
    if value is None:
        return MISSING
    return "是" if value else "否"


def _facts(insurance: str, application: dict[str, Any]) -> list[tuple[str, str]]:
    """The application's figures an agency will act on, as the reviewer checks them."""
    part = application.get(insurance) or {}
    if insurance == "pension":
        return [("缴费月数", str(part.get("contribution_months", MISSING)))]
    if insurance == "medical":
        balance = part.get("account_balance")
        return [
            ("个人账户余额", f"{balance} 元" if balance not in (None, "") else MISSING),
            ("个人账户已划账", _yes_no(part.get("account_credited"))),
            ("存在未结清医疗费", _yes_no(part.get("unsettled_expenses"))),
            ("个人账户透支", _yes_no(part.get("account_overdrawn"))),
        ]
    receiving = part.get("receiving_benefit")
    facts = [
        ("转出地缴费月数", str(part.get("contribution_months_at_transfer_out", MISSING))),
        ("正在领取失业保险金", _yes_no(receiving)),
    ]
    if receiving:
        facts += [
            ("核定领取月数", str(part.get("benefit_months_approved", MISSING))),
            ("已领取月数", str(part.get("benefit_months_paid", MISSING))),
            ("回户籍地领取", _yes_no(part.get("benefit_at_hukou"))),
        ]
    return facts


def for_task(cases: CaseService, task: Any, number: str) -> ReviewPanel | None:
    """The panel on the bundle's 审核 task page; None on every other task."""
    if (task.process_id, task.task_spec) != ("one_thing_bundle", "review"):
        return None
    return review_panel(cases, number)


def review_panel(cases: CaseService, number: str) -> ReviewPanel | None:
    """The three transfers of a case and the documents its 审核 approves (one case: it may
    restore the workflow, read-only)."""
    snap = snapshot(cases, number)
    if snap is None:
        return None
    application = snap.data.get("application") or {}
    route = f"{region_name(snap.case.transfer_out_region)} → {region_name(snap.case.transfer_in_region)}"
    applied = set(snap.insurances)
    lines = []
    for insurance in INSURANCES:
        if insurance not in applied:
            lines.append(
                TransferLine(
                    insurance, INSURANCE_ZH[insurance], route, False, "not_applied", "未申请"
                )
            )
            continue
        progress = insurance_progress(snap, insurance)
        lines.append(
            TransferLine(
                insurance,
                INSURANCE_ZH[insurance],
                route,
                True,
                str(progress["status"]),
                str(progress["text"]),
                [str(r) for r in progress.get("reasons") or []],
                _facts(insurance, application),
            )
        )
    names = "、".join(INSURANCE_ZH[i] for i in INSURANCES if i in applied)
    on_pass = [
        ("转移接续", f"推送各经办机构办理{names}关系转移，由其出具联系函、信息表（复函）"),
        ("办结通知书", "各险种办理完毕后出具，载明各险种的转移结果"),
    ]
    on_fail = [("不予办理决定书", "载明审核不通过的理由和救济途径；各险种均不转移")]
    return ReviewPanel(lines, on_pass, on_fail)
