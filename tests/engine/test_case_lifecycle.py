"""The engine host end to end: start, persist, reload, advance; bad data; concurrent clerks."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.audit.chain import walk
from app.features.cases.service import Actor
from app.kernel.errors import Conflict, Forbidden, ValidationFailed
from app.store.models import AuditEvent
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import case_row, complete, events, pass_review, scenario, tasks


def test_case_started_persisted_reloaded_in_new_process_and_advanced(database_url: str) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    first = Backoffice(settings_for(database_url), clock=current_clock())
    story = scenario("bundle_all_three_success")
    submitted = first.applications.submit(story["application"], Actor("portal", "applicant"))
    number = submitted.case_number
    assert submitted.decision.decision == "accepted"
    open_names = sorted(t.task_spec for t in tasks(first, number, "open"))
    assert open_names == ["review"]  # 审核 before the transfers (seed 000 十四)
    first.close()

    # A new Backoffice is a new process: empty caches, workflow restored from its stored parts.
    second = Backoffice(settings_for(database_url), clock=current_clock())
    steps = [s for s in story["steps"] if "task" in s]
    for step in steps[:3]:
        complete(second, number, step)
    second.close()

    third = Backoffice(settings_for(database_url), clock=current_clock())
    for step in steps[3:]:
        third.workflows.clear()  # every step restores from the database
        complete(third, number, step)
    row = case_row(third, number)
    assert row.status == "concluded"
    assert row.completed_at is not None
    assert tasks(third, number, "open", "claimed") == []
    with third.db.sessions() as session:
        report = walk(session)
        count, problem = report.count, report.problem
    assert problem is None and count > 20
    third.close()


def test_invalid_task_data_gives_field_errors_and_changes_nothing(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    number = backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("portal", "applicant")
    ).case_number
    pass_review(backoffice, number)  # 审核 before the transfers (seed 000 十四)
    task = backoffice.scenarios.open_task(number, "suspend_and_certify", "medical_transfer")
    before_case = case_row(backoffice, number)
    before_events = len(events(backoffice, number))
    with pytest.raises(ValidationFailed) as error:
        backoffice.cases.complete_task(
            task.id,
            {"medical_insurance_suspended": "yes", "extra": 1},
            Actor("c", task.role, task.region),
        )
    fields = {e.field for e in error.value.errors}
    assert "/medical_insurance_suspended" in fields
    assert all(e.message for e in error.value.errors)
    after_case = case_row(backoffice, number)
    assert after_case.version == before_case.version
    assert len(events(backoffice, number)) == before_events
    assert (
        backoffice.scenarios.open_task(number, "suspend_and_certify", "medical_transfer").id
        == task.id
    )


def test_wrong_role_or_region_is_forbidden(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    number = backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("portal", "applicant")
    ).case_number
    pass_review(backoffice, number)
    task = backoffice.scenarios.open_task(
        number, "transfer_out", "medical_transfer"
    ) or backoffice.scenarios.open_task(number, "suspend_and_certify", "medical_transfer")
    with pytest.raises(Forbidden):
        backoffice.cases.complete_task(
            task.id, {"medical_eligible": True}, Actor("x", "pension_clerk", task.region)
        )
    with pytest.raises(Forbidden):
        backoffice.cases.complete_task(
            task.id, {"medical_eligible": True}, Actor("x", task.role, "330304")
        )


def test_two_clerks_complete_the_same_task_one_wins_one_gets_conflict(database_url: str) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    setup = Backoffice(settings_for(database_url), clock=current_clock())
    story = scenario("bundle_all_three_success")
    number = setup.applications.submit(
        story["application"], Actor("portal", "applicant")
    ).case_number
    pass_review(setup, number)
    task = setup.scenarios.open_task(number, "suspend_and_certify", "medical_transfer")
    data = next(s["data"] for s in story["steps"] if s.get("process") == "medical_transfer")
    setup.close()

    # Two processes (two Backoffice instances, each with its own cache and connections).
    clerks = [Backoffice(settings_for(database_url), clock=current_clock()) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work(office: Backoffice, name: str) -> None:
        office.workflows.clear()
        barrier.wait()
        try:
            office.cases.complete_task(task.id, data, Actor(name, task.role, task.region))
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=work, args=(c, f"clerk{i}")) for i, c in enumerate(clerks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]

    check = Backoffice(settings_for(database_url), clock=current_clock())
    assert len(events(check, number, "task_completed")) == 2  # the review, then one of the two
    # The case went on exactly once: one contact_letter task for medical, not two.
    medical_next = [t for t in tasks(check, number, "open") if t.process_id == "medical_transfer"]
    assert [t.task_spec for t in medical_next] == ["contact_letter"]
    with check.db.sessions() as session:
        assert walk(session).ok
        total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert total > 0
    for office in [*clerks, check]:
        office.close()
