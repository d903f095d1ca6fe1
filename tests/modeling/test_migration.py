"""Migrating running cases between versions: a dry run first, then one audited transaction per
case; unsafe cases (a removed element with a live token or a record) are refused with the reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.audit.chain import walk
from app.features.modeling.drafts import ModelingService
from app.features.modeling.migration import MigrationService
from app.store.models import Timer
from tests.conftest import current_clock, freeze
from tests.helpers import case_row, complete, events, events_of_kind, scenario, tasks, timers
from tests.modeling.support import (
    edit,
    medical_case,
    remove_element,
    retarget,
    shorter_contact_letter,
)
from tests.processes.driver import (
    MEDICAL_CONTACT_OK,
    MEDICAL_CORRECT_LETTER,
    MEDICAL_OUT_LETTER_CORRECTION,
)

MEDICAL = "medical_transfer"
START = "2026-09-28T09:00:00+08:00"


def _deploy(modeling: ModelingService, change: Any, note: str) -> int:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    modeling.save_draft(draft_id, change(modeling.draft(draft_id).bpmn_xml), {}, "policy_a")
    return modeling.deploy(draft_id, note, "policy_a").version


def _timer_due(office: Backoffice, number: str, kind: str) -> str:
    [timer] = [
        t
        for t in timers(office, number)
        if t.kind == kind and t.fired_at is None and not t.cancelled_at
    ]
    return timer.due_at.date().isoformat()


def _step(task: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"task": task, "process": MEDICAL, "data": data}


def test_bulk_migration_dry_run_then_real_run(
    office: Backoffice, modeling: ModelingService
) -> None:
    freeze(START)
    numbers = [medical_case(office) for _ in range(50)]
    finished = medical_case(office)
    for step in scenario("bundle_only_medical_express")["steps"][2:]:  # reviewed, suspended
        complete(office, finished, step)
    assert case_row(office, finished).completed_at is not None
    v1 = case_row(office, numbers[0]).pinned[MEDICAL]
    assert _deploy(modeling, shorter_contact_letter, "联系函10个工作日") == 2
    migrations = MigrationService(office)

    plan = migrations.plan(MEDICAL, 1, 2)
    assert plan.dry_run and (len(plan.items), plan.safe, plan.refused) == (50, 50, 0)
    assert plan.items[0].changes == [
        "时限 联系函时限届满（timer_contact_letter）：到期 2026-10-23 23:59 → 2026-10-16 23:59"
    ]
    # Nothing written by the dry run.
    assert {case_row(office, n).pinned[MEDICAL] for n in numbers} == {v1}
    assert _timer_due(office, numbers[0], "timer_contact_letter") == "2026-10-23"
    assert events_of_kind(office, "case_migrated") == []

    report = migrations.migrate(MEDICAL, 1, 2, "policy_a")
    assert (report.migrated, report.refused) == (50, 0)
    v2 = case_row(office, numbers[0]).pinned[MEDICAL]
    assert v2 != v1 and {case_row(office, n).pinned[MEDICAL] for n in numbers} == {v2}
    assert case_row(office, finished).pinned[MEDICAL] == v1  # finished cases are history
    for number in (numbers[0], numbers[-1]):
        assert _timer_due(office, number, "timer_contact_letter") == "2026-10-16"
        [letter] = tasks(office, number, "open")
        assert letter.due_at.date().isoformat() == "2026-10-16"
        [event] = events(office, number, "case_migrated")
        assert (event.actor, event.data["from_version"], event.data["to_version"]) == (
            "policy_a",
            1,
            2,
        )
        assert event.data["pinned"]["new"][MEDICAL] == v2
    assert len(events_of_kind(office, "case_migrated")) == 50
    [summary] = events_of_kind(office, "process_migration_completed")
    assert (summary.data["migrated"], summary.data["refused"]) == (50, 0)
    with office.db.sessions() as session:
        assert walk(session).ok

    # A migrated case is restored from the database on the new version and runs to the end.
    office.workflows.clear()
    for step in scenario("bundle_only_medical_express")["steps"][2:]:  # reviewed, suspended
        complete(office, numbers[7], step)
    assert case_row(office, numbers[7]).status == "concluded"
    # Running again finds nothing left on version 1.
    assert migrations.plan(MEDICAL, 1, 2).items == []


def test_migration_refuses_cases_with_a_live_token_or_a_record_on_a_removed_task(
    office: Backoffice, modeling: ModelingService
) -> None:
    freeze(START)
    waiting_letter = medical_case(office)  # at contact_letter: safe
    in_correction = medical_case(office)  # token on correct_letter: unsafe
    corrected = medical_case(office)  # correct_letter done, back at transfer_out: unsafe
    for number in (in_correction, corrected):
        complete(office, number, _step("contact_letter", MEDICAL_CONTACT_OK))
        complete(office, number, _step("transfer_out", MEDICAL_OUT_LETTER_CORRECTION))
    complete(office, corrected, _step("correct_letter", MEDICAL_CORRECT_LETTER))

    def without_correct_letter(xml: str) -> str:
        def change(root: Any) -> None:
            # The transfer-in side resends at once when the reply asks for a correction.
            retarget(root, "f_reply_letter_correction", "gw_letter_sent_merge")
            remove_element(root, "correct_letter")
            remove_element(root, "f_correct_letter_resend")

        return edit(xml, change)

    assert _deploy(modeling, without_correct_letter, "联系函更正改由系统自动重发") == 2
    migrations = MigrationService(office)
    plan = {item.case_number: item for item in migrations.plan(MEDICAL, 1, 2).items}
    assert plan[waiting_letter].safe
    assert not plan[in_correction].safe
    [reason] = plan[in_correction].reasons
    assert "correct_letter" in reason and "进行中的令牌" in reason
    assert not plan[corrected].safe and "已办理的环节" in plan[corrected].reasons[0]

    before = {n: case_row(office, n) for n in (in_correction, corrected)}
    report = migrations.migrate(MEDICAL, 1, 2, "policy_a")
    assert (report.migrated, report.refused) == (1, 2)
    assert len(events(office, waiting_letter, "case_migrated")) == 1
    for number, row in before.items():
        after = case_row(office, number)
        assert (after.pinned, after.version) == (row.pinned, row.version), "refused case changed"
        [refusal] = events(office, number, "case_migration_refused")
        assert refusal.data["reasons"] == plan[number].reasons
    # The refused case still works on its own version.
    complete(office, in_correction, _step("correct_letter", MEDICAL_CORRECT_LETTER))
    assert [t.task_spec for t in tasks(office, in_correction, "open")] == ["transfer_out"]


def test_a_shortened_limit_that_already_ran_out_fires_on_migration(
    office: Backoffice, modeling: ModelingService
) -> None:
    freeze(START)
    number = medical_case(office)
    _deploy(modeling, shorter_contact_letter, "联系函10个工作日")
    freeze("2026-10-20T09:00:00+08:00")  # past the new limit (10-16), before the old (10-23)
    office.cases.fire_due_timers()  # the scheduler's work: the bundle's committed limit (10-15)
    assert sorted(t.task_spec for t in tasks(office, number, "open")) == [
        "contact_letter",
        "escalate_committed",
    ]
    [item] = MigrationService(office).plan(MEDICAL, 1, 2).items
    assert "时限 联系函时限届满（timer_contact_letter） 已触发或取消" in item.changes
    assert any("新增待办任务 督办" in change for change in item.changes)
    MigrationService(office).migrate(MEDICAL, 1, 2, "policy_a")
    open_tasks = sorted(t.task_spec for t in tasks(office, number, "open"))
    assert open_tasks == ["contact_letter", "escalate_committed", "escalate_step"]
    with office.db.sessions() as session:
        fired = (
            session.execute(
                select(Timer).where(
                    Timer.kind == "timer_contact_letter", Timer.fired_at.is_not(None)
                )
            )
            .scalars()
            .all()
        )
    assert [t.fired_at for t in fired] == [current_clock().now()]
