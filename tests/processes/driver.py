"""Drives one case through the services the way the web and the scheduler do, and reads its rows.

Every step (task completion, clock move) first empties the hot workflow cache, so each step
restores the workflow from what the database holds: a save/restore round trip at every wait.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.features.cases.snapshot import snapshot
from app.features.intake.applications import Submitted
from app.features.modeling.scenarios import ScenarioResult
from app.kernel.workdays import TZ
from app.store.models import AuditEvent, Case, HumanTask, Timer
from tests.conftest import current_clock

SCENARIOS = Path(__file__).parent / "scenarios"
BUNDLE = "one_thing_bundle"
START = "2026-09-28T09:00:00+08:00"  # a Monday; 1-7 October 2026 is the National Day holiday

# A valid GB 11643 number: man born 1990-01-01, ID region 330602 (Yuecheng, Shaoxing).
ID_NUMBER = "330602199001011231"


def load_scenario(name: str) -> dict[str, Any]:
    with (SCENARIOS / f"{name}.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def application(**changes: Any) -> dict[str, Any]:
    """The 联办申请表 of the all-three success scenario, with top-level fields replaced.

    Nested sections are merged one level deep: application(status={"retired": True})."""
    result = copy.deepcopy(load_scenario("bundle_all_three_success")["application"])
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = {**result[key], **value}
        else:
            result[key] = value
    if result.get("delivery") == "express" and "delivery_address" not in changes:
        result["delivery_address"] = EXPRESS_ADDRESS  # required for 邮寄送达
    return result


EXPRESS_ADDRESS = {
    "recipient": "张三",
    "phone": "13800000000",
    "address": "浙江省绍兴市越城区人民中路1号",
}


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def end_of_day(day: str) -> datetime:
    """23:59:59.999999 Asia/Shanghai of an ISO date: the instant a working-day limit runs out."""
    return datetime.fromisoformat(f"{day}T23:59:59.999999").replace(tzinfo=TZ)


class RestoreEveryStep:
    """Makes every use case restore the case's workflow from the database.

    The hot cache is emptied whenever a use case has committed (the services' change
    listeners) and whenever the clock moves; `hits` counts use cases that nevertheless found
    a cached workflow, so a test can prove that every step went through save and restore."""

    def __init__(self, backoffice: Backoffice) -> None:
        self.hits = 0
        workflows = backoffice.workflows
        take = workflows.take

        def counting_take(case_id: int) -> Any:
            entry = take(case_id)
            if entry is not None:
                self.hits += 1
            return entry

        workflows.take = counting_take  # type: ignore[method-assign]
        backoffice.cases.listeners.append(workflows.clear)
        current_clock().on_change(lambda _now: workflows.clear())


def run_scenario(backoffice: Backoffice, name: str) -> ScenarioResult:
    """Run a scenario file with the app's runner, restoring the workflow at every step."""
    restore = RestoreEveryStep(backoffice)
    result = backoffice.scenarios.run(load_scenario(name))
    assert restore.hits == 0, "a step used a cached workflow instead of restoring it"
    return result


# -- form data a clerk enters, by (process, task) ----------------------------------------------
PENSION_CONTACT_OK = {
    "pension_eligible": True,
    "pension_temporary_account": False,
    "pension_certificate_number": "PZ-330100-2026-0001",
    "pension_contact_letter_number": "YL-2026-0001",
}
PENSION_CONTACT_TEMPORARY = {
    "pension_eligible": True,
    "pension_temporary_account": True,
    "pension_certificate_number": "PZ-330100-2026-0002",
}
PENSION_CONTACT_REFUSED = {
    "pension_eligible": False,
    "pension_refusal_reasons": ["转入地不符合接收条件：未在本地就业参保"],
}
PENSION_TEMPORARY_ACCOUNT = {
    "pension_temporary_account_number": "LS-330602-2026-0001",
    "pension_original_relationship_retained": True,
    "pension_person_notified": True,
}
PENSION_OUT_OK = {
    "pension_out_decision": "transferred",
    "pension_relationship_terminated": True,
    "pension_info_table_number": "YLX-0001",
    "pension_contribution_months": 96,
    "pension_individual_account_amount": "45678.90",
    "pension_pooled_fund_amount": "23040.00",
}
PENSION_OUT_INELIGIBLE = {
    "pension_out_decision": "ineligible",
    "pension_ineligible_reasons": ["转出地无参保缴费记录"],
}
PENSION_IN_OK = {
    "pension_info_verified": True,
    "pension_funds_received": True,
    "pension_record_completed": True,
    "pension_person_notified": True,
}
PENSION_ESCALATE = {
    "pension_supervision_action": "urged_agency",
    "pension_supervision_note": "已督促限时办理",
}

# 规程 第四条: the transfer-out agency suspends insurance and issues the 参保(合)凭证 first.
MEDICAL_SUSPEND = {
    "medical_insurance_suspended": True,
    "medical_contribution_verified": True,
    "medical_contribution_months": 96,
    "medical_insured_from": "2015-07",
    "medical_insured_to": "2026-09",
    "medical_benefits_from": "2015-08-01",
    "medical_benefits_to": "2026-09-30",
    "medical_certificate_balance": "1234.56",
    "medical_has_arrears": False,
    "medical_has_receiving_employer": False,
    "medical_household_head_name": "张大山",
    "medical_household_head_id_number": "330602196505051217",
    "medical_certificate_number": "（浙）（杭州市）（2026）第 000123 号",
    "medical_certificate_contact_person": "李四",
    "medical_insurance_info_kept": True,
}
MEDICAL_CONTACT_OK = {
    "medical_eligible": True,
    # 003 第二条: not enrolled in another basic medical scheme at the new place at the same time.
    "medical_other_scheme_at_new_place": "none",
    "medical_contact_letter_number": "YB-2026-0001",
    "medical_certificate_number": "（浙）（杭州市）（2026）第 000123 号",
}
MEDICAL_CONTACT_REFUSED = {
    "medical_eligible": False,
    "medical_refusal_reasons": ["未提供参保(合)凭证"],
}
MEDICAL_OUT_OK = {
    "medical_out_decision": "transferred",
    "medical_relationship_terminated": True,
    "medical_account_handling": "transferred",
    "medical_account_balance": "1234.56",
    "medical_info_table_number": "YBX-0001",
    "medical_info_table_checked": True,
    "medical_backup_kept": True,
}
MEDICAL_OUT_LETTER_CORRECTION = {
    "medical_out_decision": "letter_correction",
    "medical_letter_problems": "联系函社会保障号码有误",
}
MEDICAL_OUT_INELIGIBLE = {
    "medical_out_decision": "ineligible",
    "medical_ineligible_reasons": ["个人账户透支未结清"],
}
MEDICAL_CORRECT_LETTER = {
    "medical_letter_correction_note": "已更正社会保障号码并重新发出",
    "medical_contact_letter_number": "YB-2026-0001-R1",
}
# 规程 第七条: the transfer-in clerk records the balance when it arrives (the clock starts then).
MEDICAL_BALANCE_ARRIVED = {"medical_balance_arrived_amount": "1234.56"}
MEDICAL_IN_OK = {
    "medical_in_decision": "completed",
    "medical_info_verified": True,
    "medical_account_credited": True,
    "medical_record_completed": True,
    "medical_person_notified": True,
    "medical_info_table_archived": True,
    "medical_credited_amount": "1234.56",
}
MEDICAL_IN_CORRECTION = {
    "medical_in_decision": "correction_requested",
    "medical_correction_items": "信息表个人账户金额与划转金额不符",
}
MEDICAL_CORRECT_INFO = {
    "medical_info_correction_note": "已更正信息表金额",
    "medical_account_balance": "1234.56",
    "medical_info_table_number": "YBX-0001-R1",
}
MEDICAL_ESCALATE = {
    "medical_supervision_action": "urged_agency",
    "medical_supervision_note": "已督促限时办理",
}

_UNEMPLOYMENT_OUT_APPROVED = {
    "unemployment_out_approved": True,
    "unemployment_contact_letter_number": "SY-2026-0001",
    # 2021 通知 第三条（一）: the card number (x-personal) and the unverified contributions.
    "unemployment_social_security_card_number": "A07654321",
    "unemployment_verified_contribution_months": 30,
    "unemployment_unverified_contribution_months": 2,
    "unemployment_remaining_benefit_months": 9,
}
# A benefit recipient returning to the 户籍 place: no labour contract (浙江2017 第九条（一）),
# and the cause of unemployment (2021 通知 第三条（一）).
UNEMPLOYMENT_OUT_OK_BENEFIT = {
    **_UNEMPLOYMENT_OUT_APPROVED,
    "unemployment_cause": "contract_terminated",
}
# A worker employed in another pooling region: the new labour contract (浙江2017 第六条（一）).
UNEMPLOYMENT_OUT_OK = {
    **_UNEMPLOYMENT_OUT_APPROVED,
    "unemployment_labour_contract_checked": True,
    "unemployment_new_employer_name": "绍兴市越城区某某科技有限公司",
}
UNEMPLOYMENT_OUT_REFUSED = {
    "unemployment_out_approved": False,
    "unemployment_out_refusal_reasons": ["转出地无失业保险参保记录"],
}
UNEMPLOYMENT_IN_OK = {
    "unemployment_in_accepted": True,
    "unemployment_reply_letter_number": "SYF-2026-0001",
}
UNEMPLOYMENT_IN_REFUSED = {
    "unemployment_in_accepted": False,
    "unemployment_reply_letter_number": "SYF-2026-0002",
    "unemployment_refusal_reasons": ["未在本地办理就业登记"],
}
UNEMPLOYMENT_CONCLUDED = {"unemployment_out_outcome": "concluded", "unemployment_backup_kept": True}
UNEMPLOYMENT_TERMINATED = {
    "unemployment_out_outcome": "terminated",
    "unemployment_backup_kept": True,
}
UNEMPLOYMENT_FUNDS = {
    "unemployment_funds_amount": "24300.00",
    "unemployment_funds_transferred_on": "2026-10-20",
    "unemployment_funds_reference": "HZ-2026-0001",
}
UNEMPLOYMENT_ESCALATE = {
    "unemployment_supervision_action": "urged_agency",
    "unemployment_supervision_note": "已督促限时办理",
}

REVIEW_PASSED = {
    "review_materials_complete": True,
    "review_legal_form": True,
    "review_verification": "verified",
    "review_passed": True,
    "review_opinion": "材料齐全，符合法定形式，已核实",
}
REVIEW_FAILED = {
    "review_materials_complete": True,
    "review_legal_form": True,
    "review_verification": "not_confirmed",
    "review_passed": False,
    "review_opinion": "核实发现材料与系统数据不符",
    "review_reasons": ["申请表签名与本人不符"],
}
DELIVER_ON_SITE = {"recipient_name": "张三", "recipient_is_agent": False, "receipt_signed": True}
DELIVER_EXPRESS = {
    "express_company": "中国邮政EMS",
    "tracking_number": "EMS1234567890",
    "mailing_address": "浙江省绍兴市越城区某路1号",
    "mailed_on": "2026-09-28",
}
ESCALATE_COMMITTED = {
    "committed_supervision_action": "urged_agency",
    "committed_supervision_note": "已督促各经办机构限时办结",
}
ESCALATE_OVERDUE = {
    "overdue_supervision_action": "contacted_transfer_out",
    "overdue_supervision_note": "已联系转出地经办机构",
    "overdue_cause": "转出地未按期办理",
}

# The success path of each insurance, in the order a clerk meets the tasks.
PENSION_SUCCESS = [
    ("pension_transfer", "contact_letter", PENSION_CONTACT_OK),
    ("pension_transfer", "transfer_out", PENSION_OUT_OK),
    ("pension_transfer", "transfer_in", PENSION_IN_OK),
]
MEDICAL_SUCCESS = [
    ("medical_transfer", "suspend_and_certify", MEDICAL_SUSPEND),
    ("medical_transfer", "contact_letter", MEDICAL_CONTACT_OK),
    ("medical_transfer", "transfer_out", MEDICAL_OUT_OK),
    ("medical_transfer", "balance_arrival", MEDICAL_BALANCE_ARRIVED),
    ("medical_transfer", "transfer_in", MEDICAL_IN_OK),
]
UNEMPLOYMENT_SUCCESS = [
    ("unemployment_transfer", "out_review", UNEMPLOYMENT_OUT_OK),
    ("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_OK),
    ("unemployment_transfer", "out_conclude", UNEMPLOYMENT_CONCLUDED),
]


class CaseDriver:
    """One case: submit it, work its tasks, move the clock, and read its rows.

    Each step starts from an empty workflow cache, so the case is restored from the database
    at every wait (task or timer)."""

    def __init__(self, backoffice: Backoffice, number: str = "", *, restore: bool = True) -> None:
        self.backoffice = backoffice
        self.number = number
        self.restore = restore
        self.submitted: Submitted | None = None

    def _fresh(self) -> None:
        if self.restore:
            self.backoffice.workflows.clear()

    # -- acting --------------------------------------------------------------------------
    def submit(self, app: dict[str, Any], at: str = START, *, review: bool = True) -> CaseDriver:
        """Submit the application; when it is accepted, the bundle's 审核 (seed 000 十四) is
        passed at once so that the insurances' transfers start (`review=False` leaves the
        review task open, for the tests of the review itself)."""
        current_clock().freeze(local(at))
        self._fresh()
        self.submitted = self.backoffice.applications.submit(app, Actor("portal", "applicant"))
        self.number = self.submitted.case_number
        if review and self.task(BUNDLE, "review") is not None:
            self.complete(BUNDLE, "review", REVIEW_PASSED)
        return self

    def pass_review(self) -> None:
        """Pass the bundle's 审核 (after a window clerk's acceptance: submit cannot)."""
        self.complete(BUNDLE, "review", REVIEW_PASSED)

    def task(self, process: str | None, task: str) -> Any:
        """The oldest open task row of that id (and process): id, role, region, process_id."""
        return self.backoffice.scenarios.open_task(self.number, task, process)

    def complete(self, process: str | None, task: str, data: dict[str, Any]) -> None:
        """Complete the oldest open task of that id (and process) as a clerk of its lane."""
        self._fresh()
        row = self.task(process, task)
        assert row is not None, f"no open task {process}/{task}; open: {self.open_names()}"
        actor = Actor(f"clerk-{row.role}", row.role, row.region)
        self.backoffice.cases.complete_task(row.id, data, actor)

    def run(self, steps: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        for process, task, data in steps:
            self.complete(process, task, data)

    def at(self, iso: str) -> int:
        """Move the clock to an instant and fire what fell due; returns the timers fired."""
        current_clock().freeze(local(iso))
        self._fresh()
        return self.backoffice.cases.fire_due_timers()

    def conclude(self) -> dict[str, Any]:
        """The case's variables once the transfers are finished: the insurances' results
        (`*_result`, `*_reasons`, ...) reach the bundle's data when its handling ends (办结
        follows the last transfer; the review came before them, seed 000 十四)."""
        if self.task(BUNDLE, "review") is not None:  # a case on a version before the reorder
            self.complete(BUNDLE, "review", REVIEW_PASSED)
        return self.data()

    # -- reading -------------------------------------------------------------------------
    def case(self) -> Case:
        with self.backoffice.db.sessions() as session:
            return session.execute(select(Case).where(Case.number == self.number)).scalar_one()

    def data(self) -> dict[str, Any]:
        """The case's variables as the case pages see them (restored from the database).

        Outcomes such as `outcome`, `transfer_results` and `*_reasons` live only there."""
        found = snapshot(self.backoffice.cases, self.number)
        assert found is not None
        return found.data

    def recorded(self) -> dict[str, Any]:
        """What every part of the case recorded, the transfer-out participant's runs included
        (their variables, such as its limit warnings, are not the case's own data)."""
        found = snapshot(self.backoffice.cases, self.number)
        assert found is not None
        return found.recorded

    def tasks(self, task: str | None = None, *states: str) -> list[HumanTask]:
        """Task rows of the case (optionally one task id, optionally in given states)."""
        with self.backoffice.db.sessions() as session:
            query = (
                select(HumanTask)
                .join(Case, Case.id == HumanTask.case_id)
                .where(Case.number == self.number)
                .order_by(HumanTask.id)
            )
            if task is not None:
                query = query.where(HumanTask.task_spec == task)
            if states:
                query = query.where(HumanTask.state.in_(states))
            return list(session.execute(query).scalars())

    def open_names(self) -> list[str]:
        """Open tasks as sorted "process/task" names."""
        return sorted(f"{t.process_id}/{t.task_spec}" for t in self.tasks(None, "open", "claimed"))

    def timers(self, kind: str | None = None) -> list[Timer]:
        with self.backoffice.db.sessions() as session:
            query = (
                select(Timer)
                .join(Case, Case.id == Timer.case_id)
                .where(Case.number == self.number)
                .order_by(Timer.id)
            )
            if kind is not None:
                query = query.where(Timer.kind == kind)
            return list(session.execute(query).scalars())

    def timer(self, kind: str) -> Timer:
        """The one timer row of that kind (element id)."""
        found = self.timers(kind)
        assert len(found) == 1, f"{len(found)} timers {kind}: {found}"
        return found[0]

    def timer_row(self, timer_id: int) -> Timer:
        with self.backoffice.db.sessions() as session:
            found = session.get(Timer, timer_id)
            assert found is not None
            return found

    def pending_timers(self) -> list[str]:
        return sorted(
            t.kind for t in self.timers() if t.fired_at is None and t.cancelled_at is None
        )

    def events(self, kind: str | None = None) -> list[AuditEvent]:
        with self.backoffice.db.sessions() as session:
            query = (
                select(AuditEvent)
                .join(Case, Case.id == AuditEvent.case_id)
                .where(Case.number == self.number)
                .order_by(AuditEvent.seq)
            )
            if kind is not None:
                query = query.where(AuditEvent.kind == kind)
            return list(session.execute(query).scalars())

    def fired(self) -> list[str]:
        """Kinds of the timer_fired audit events, in order."""
        return [e.data["kind"] for e in self.events("timer_fired")]

    def statuses(self) -> list[str]:
        """Every status the case went through, in order (from the audit log)."""
        changes = self.events("case_status_changed")
        return [changes[0].data["old"], *(e.data["new"] for e in changes)] if changes else []


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def check_runs_out_at_end_of(
    d: CaseDriver, kind: str, due_day: str, *, working_days: int | None = None
) -> Timer:
    """The pending timer `kind` runs out at the end of `due_day` (Asia/Shanghai): it has not
    fired at 23:59 that day, has fired one second after midnight, and fires only once."""
    pending = [
        t
        for t in d.timers(kind)
        if t.fired_at is None and t.cancelled_at is None and working_days in (None, t.working_days)
    ]
    assert len(pending) == 1, (
        f"pending {kind} timers: {[(t.due_at, t.working_days) for t in pending]}"
    )
    timer = pending[0]
    assert timer.due_at == end_of_day(due_day)
    if working_days is not None:
        assert timer.working_days == working_days

    d.at(f"{due_day}T23:59:00+08:00")
    assert d.timer_row(timer.id).fired_at is None, f"{kind} fired before the end of {due_day}"

    after = f"{next_day(due_day)}T00:00:01+08:00"
    d.at(after)
    fired = d.timer_row(timer.id)
    assert fired.fired_at == local(after)
    assert fired.cancelled_at is None

    d.at(f"{next_day(due_day)}T00:00:02+08:00")
    firings = [e for e in d.events("timer_fired") if e.data["task"] == timer.task_uuid]
    assert len(firings) == 1
    assert firings[0].data["kind"] == kind
    return fired
