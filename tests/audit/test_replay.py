"""Replay (contracts §7): a case re-executed from its recorded inputs on its pinned versions
reproduces every recorded state (`identical N steps`); a changed recorded input is reported as
a divergence at the step where it was applied."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.bootstrap import Backoffice
from app.features.audit.case_history import CaseAudit
from app.features.audit.replay import Replayer
from app.features.audit.replay_records import CaseHistory
from app.features.cases.repository import read_case
from app.features.cases.service import Actor
from app.features.modeling.calendar import DayEntry
from app.features.modeling.migration import MigrationService
from app.kernel import workdays
from app.kernel.config import ROOT
from app.store.models import CaseInput
from tests.audit.support import alter, tampering
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import SCENARIOS, case_row, complete, events, scenario, timers

SCENARIO_NAMES = sorted(p.stem for p in SCENARIOS.glob("*.json"))


def _steps(office: Backoffice, number: str) -> list[Any]:
    return [e for e in events(office, number) if "state_hash" in e.data]


def _replay(office: Backoffice, number: str) -> Any:
    return Replayer(office).replay(number)


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_every_scenario_replays_identically_step_for_step(
    backoffice: Backoffice, name: str
) -> None:
    result = backoffice.scenarios.run(scenario(name))
    recorded = _steps(backoffice, result.case_number)
    tasks_done = sum(1 for s in scenario(name)["steps"] if "task" in s and not s.get("refused"))
    assert len(recorded) >= 1 + tasks_done
    replayed = _replay(backoffice, result.case_number)
    assert replayed.line() == f"identical {len(recorded)} steps"
    assert [s.event.seq for s in replayed.steps] == [e.seq for e in recorded]


def test_demo_cases_replay_identically_through_the_cli(demo_app: Flask) -> None:
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["audit", "replay", "--all"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "replayed 8 cases: 8 identical, 0 diverged"
    assert all(": identical " in line for line in lines[:-1])
    office = demo_app.extensions["backoffice"]
    one = runner.invoke(args=["audit", "replay", "330602-2026-000006"])
    assert one.exit_code == 0
    assert one.output.strip() == f"identical {len(_steps(office, '330602-2026-000006'))} steps"
    # The case past its committed limit replays its timer firing too.
    kinds = {e.kind for e in _steps(office, "330602-2026-000008")}
    assert "timer_fired" in kinds


def _submit(office: Backoffice, **changes: Any) -> str:
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    application.update(changes)
    return office.applications.submit(application, Actor("portal", "applicant")).case_number


def test_timer_firings_and_escalations_replay_at_their_recorded_times(
    backoffice: Backoffice,
) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    number = _submit(backoffice, insurances=["medical"])
    for step in scenario("bundle_only_medical_express")["steps"][:2]:  # review, suspend
        complete(backoffice, number, step)
    freeze("2026-10-16T00:00:01+08:00")  # the committed limit (9 working days) has passed
    assert backoffice.cases.fire_due_timers() >= 1
    freeze("2026-10-26T10:00:00+08:00")  # and the medical contact-letter step limit
    backoffice.cases.fire_due_timers()
    assert case_row(backoffice, number).warned
    kinds = [e.kind for e in _steps(backoffice, number)]
    assert kinds.count("timer_fired") == 2
    assert _replay(backoffice, number).line() == f"identical {len(kinds)} steps"


def test_a_rescheduled_provisional_deadline_replays(database_url: str, make_app: Any) -> None:
    gap_year = max(workdays.loaded_years()) + 1
    freeze(f"{gap_year - 1}-12-01T10:00:00+08:00")
    app = make_app(settings_for(database_url))
    office: Backoffice = app.extensions["backoffice"]
    number = _submit(office)
    assert case_row(office, number).deadlines_provisional
    office.calendar.set_days(
        [DayEntry(date(gap_year, 1, 5), False, "元旦调休（测试用通知）")], actor="tests"
    )
    assert office.cases.recompute_provisional(Actor("tests", "admin")) >= 1
    kinds = [e.kind for e in _steps(office, number)]
    assert "timer_rescheduled" in kinds
    # The moved due times are in the stored workflow, not only in the timer rows.
    with office.db.sessions() as session:
        record = read_case(session, case_row(office, number).id)
        assert record is not None
        restored = office.cases.store.load(session, record, None).workflow
    armed = [t for t in timers(office, number) if t.fired_at is None and t.cancelled_at is None]
    assert sorted(t.due_at for t in office.engine.waiting_timers(restored)) == sorted(
        t.due_at for t in armed
    )
    # The case started under the old calendar: replay computes its first deadlines with the
    # overrides in force then, and puts today's calendar back afterwards.
    assert _replay(office, number).line() == f"identical {len(kinds)} steps"
    assert office.working_calendar.is_year_loaded(gap_year)
    assert not office.working_calendar.is_working_day(date(gap_year, 1, 5))


def _correction_then_supplement(office: Backoffice) -> str:
    freeze("2026-09-28T09:00:00+08:00")
    number = _submit(office, channel="window", materials=[])
    decision = {
        "decision": "correction_required",
        "missing_materials": ["missing:application_form"],
    }
    complete(office, number, {"task": "acceptance_review", "data": decision})
    freeze("2026-10-09T10:00:00+08:00")
    supplement = {"supplemented_materials": ["application_form"]}
    complete(office, number, {"task": "supplement_materials", "data": supplement})
    complete(office, number, {"task": "acceptance_review", "data": {"decision": "accepted"}})
    return number


def test_replay_recomputes_the_decision_with_the_same_service_hook(
    backoffice: Backoffice,
) -> None:
    number = _correction_then_supplement(backoffice)
    recorded = _steps(backoffice, number)
    [supplement] = [e for e in recorded if e.data.get("spec") == "supplement_materials"]
    assert "decision" in supplement.data["derived"]
    replayer = Replayer(backoffice)
    assert replayer.replay(number).line() == f"identical {len(recorded)} steps"

    replayer.hooks = {}  # without the hook the resubmission keeps the old decision
    result = replayer.replay(number)
    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.seq) == (
        recorded.index(supplement) + 1,
        supplement.seq,
    )


def _changed(history: CaseHistory, index: int, **data: Any) -> CaseHistory:
    events = list(history.events)
    event = events[index]
    inner = {**event.data["data"], **data}
    events[index] = dataclasses.replace(event, data={**event.data, "data": inner})
    return dataclasses.replace(history, events=events)


def test_a_changed_recorded_input_diverges_at_its_step(backoffice: Backoffice) -> None:
    number = backoffice.scenarios.run(scenario("bundle_all_three_success")).case_number
    replayer = Replayer(backoffice)
    history = replayer.load(number)
    steps = [e for e in history.events if "state_hash" in e.data]
    # The fifth step: a task completion in the middle of the case (the medical 联系函).
    target = steps[4]
    assert target.kind == "task_completed" and target.data["spec"] == "contact_letter"
    index = history.events.index(target)
    first_key = "medical_contact_letter_number"
    value = target.data["data"][first_key]
    other = (not value) if isinstance(value, bool) else f"{value}-X"
    result = replayer.replay_history(_changed(history, index, **{first_key: other}))
    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.seq) == (5, target.seq)
    assert result.divergence.reason == "state_mismatch"
    assert len(result.steps) == 5 and [s.identical for s in result.steps] == [1, 1, 1, 1, 0]
    line = result.line()
    assert line.startswith(f"diverged at step 5 (event {target.seq} task_completed {target.label})")
    assert "expected tasks [" in line and "actual tasks [" in line


def test_a_recorded_input_the_rules_refuse_diverges_without_a_crash(
    backoffice: Backoffice,
) -> None:
    number = backoffice.scenarios.run(scenario("bundle_all_three_success")).case_number
    replayer = Replayer(backoffice)
    history = replayer.load(number)
    steps = [e for e in history.events if "state_hash" in e.data]
    [target] = [e for e in steps if e.data.get("spec") == "contact_letter" and "medical" in e.label]
    other = "（浙）（杭州市）（2026）第 000999 号"  # not the certificate issued before it
    result = replayer.replay_history(
        _changed(history, history.events.index(target), medical_certificate_number=other)
    )
    assert result.divergence is not None
    assert (result.divergence.seq, result.divergence.reason) == (target.seq, "input_refused")
    assert "medical_certificate_number" in result.line()


def test_a_changed_decision_shows_the_different_path(backoffice: Backoffice) -> None:
    number = backoffice.scenarios.run(scenario("bundle_only_medical_express")).case_number
    replayer = Replayer(backoffice)
    history = replayer.load(number)
    [review] = [
        e for e in history.events if e.kind == "task_completed" and e.data["spec"] == "review"
    ]
    changed = _changed(
        history, history.events.index(review), review_passed=False, review_opinion="材料不全"
    )
    result = replayer.replay_history(changed)
    assert result.divergence is not None and result.divergence.seq == review.seq
    # Recorded: on to the transfers; replayed with a failed review: refused before any
    # transfer (seed 000 十四), the decision waiting for express delivery.
    assert "suspend_and_certify" in result.divergence.expected
    assert "deliver_express" in result.divergence.actual
    assert (
        result.divergence.expected.split(" state ")[0]
        != result.divergence.actual.split(" state ")[0]
    )


def test_a_missing_recorded_step_is_reported_at_the_next_step(backoffice: Backoffice) -> None:
    number = backoffice.scenarios.run(scenario("pension_temporary_account")).case_number
    replayer = Replayer(backoffice)
    history = replayer.load(number)
    steps = [e for e in history.events if "state_hash" in e.data]
    dropped = [e for e in history.events if e is not steps[1]]
    result = replayer.replay_history(dataclasses.replace(history, events=dropped))
    assert result.divergence is not None
    assert result.divergence.reason == "task_not_ready"
    assert (result.divergence.step, result.divergence.seq) == (2, steps[2].seq)


def test_edited_event_data_in_the_database_diverges_in_the_cli(
    demo_app: Flask, database_url: str
) -> None:
    office = demo_app.extensions["backoffice"]
    number = "330602-2026-000005"
    steps = _steps(office, number)
    target = next(e for e in steps[1:] if e.kind == "task_completed")
    position = steps.index(target) + 1
    data = {**target.data, "data": {**target.data["data"], "note": "改动过的记录"}}
    with tampering(database_url) as conn:
        alter(conn, target.seq, data=data)
    result = demo_app.test_cli_runner().invoke(args=["audit", "replay", number])
    assert result.exit_code == 1
    assert result.output.startswith(f"diverged at step {position} (event {target.seq} "), (
        result.output
    )
    every = demo_app.test_cli_runner().invoke(args=["audit", "replay", "--all"])
    assert every.exit_code == 1
    assert every.output.strip().splitlines()[-1] == "replayed 8 cases: 7 identical, 1 diverged"


def test_altered_start_data_is_caught_by_its_recorded_digest(
    backoffice: Backoffice, database_url: str
) -> None:
    number = backoffice.scenarios.run(scenario("bundle_only_medical_express")).case_number
    case_id = case_row(backoffice, number).id
    with backoffice.db.sessions() as session:
        data = session.execute(
            select(CaseInput.data).where(CaseInput.case_id == case_id, CaseInput.kind == "start")
        ).scalar_one()
    data["application"]["medical"]["account_balance"] = "99999.99"
    with backoffice.db.transaction() as session:
        session.execute(
            update(CaseInput)
            .where(CaseInput.case_id == case_id, CaseInput.kind == "start")
            .values(data=data)
        )
    result = _replay(backoffice, number)
    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.reason) == (1, "input_mismatch")


def test_replay_cli_usage(demo_app: Flask) -> None:
    runner = demo_app.test_cli_runner()
    missing = runner.invoke(args=["audit", "replay", "330602-2026-999999"])
    assert missing.exit_code == 1 and "no case 330602-2026-999999" in missing.output
    assert runner.invoke(args=["audit", "replay"]).exit_code == 2
    assert runner.invoke(args=["audit", "replay", "x", "--all"]).exit_code == 2


def test_replay_leaves_the_app_clock_as_it_found_it(backoffice: Backoffice) -> None:
    number = backoffice.scenarios.run(scenario("pension_temporary_account")).case_number
    at = freeze("2027-03-01T08:00:00+08:00")
    assert _replay(backoffice, number).identical
    assert current_clock().simulated and current_clock().now() == at
    current_clock().unfreeze()
    assert _replay(backoffice, number).identical
    assert not current_clock().simulated


def test_snapshots_show_tokens_path_data_and_deadlines(backoffice: Backoffice) -> None:
    number = backoffice.scenarios.run(scenario("bundle_only_medical_express")).case_number
    result = Replayer(backoffice).replay(number, snapshots=True)
    first, last = result.steps[0].snapshot, result.steps[-1].snapshot
    assert first is not None and last is not None
    # 审核 first (seed 000 十四): no transfer has started when the case is created.
    assert {"process": "sub_handling", "element": "review"}.items() <= next(
        t for t in first.tokens if t["element"] == "review"
    ).items()
    assert {t["element"] for t in first.timers} >= {"timer_committed", "timer_legal"}
    assert "contact_letter" not in first.visited.get("medical_transfer", [])
    assert "contact_letter" in last.visited["medical_transfer"]
    assert last.tokens == [] and last.timers == []
    assert first.data["one_thing_bundle"]["case_number"] == number


def test_a_case_advanced_on_the_real_clock_replays_identically(backoffice: Backoffice) -> None:
    assert not current_clock().simulated
    number = _submit(backoffice, insurances=["medical"])
    steps = scenario("bundle_only_medical_express")["steps"]
    # The 凭证号 carries the year of issue: today's on the real clock.
    year = workdays.local_date(current_clock().now()).year
    certificate = f"（浙）（杭州市）（{year}）第 000123 号"
    complete(backoffice, number, steps[0])  # the bundle's review
    for step in steps[1:3]:
        data = {**step["data"], "medical_certificate_number": certificate}
        complete(backoffice, number, {"task": step["task"], "data": data})
    assert _replay(backoffice, number).identical


def test_scenario_files_exist() -> None:
    # Guards the parametrisation above against an empty or moved scenario folder.
    assert len(SCENARIO_NAMES) >= 5
    assert all(json.loads(Path(SCENARIOS / f"{n}.json").read_text("utf-8")) for n in SCENARIO_NAMES)


CONTACT_LETTER_LIMIT = (
    "deadline(medical_accepted_at, limit('medical.contact_letter', transfer_in_region))"
)


def test_a_migrated_case_replays_onto_its_new_version(database_url: str, tmp_path: Path) -> None:
    # Deploying writes nothing to processes/, but the new file must be the one parsed there.
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    settings = settings_for(database_url)
    settings.processes_dir = folder
    office = Backoffice(settings, clock=current_clock())
    try:
        freeze("2026-09-28T09:00:00+08:00")
        number = _submit(office, insurances=["medical"])
        path = folder / "medical_transfer.bpmn"
        xml = path.read_text(encoding="utf-8")
        assert CONTACT_LETTER_LIMIT in xml
        path.write_text(
            xml.replace(CONTACT_LETTER_LIMIT, "deadline(medical_accepted_at, 10)"),
            encoding="utf-8",
        )
        [deployed] = office.deployments.deploy([path], "联系函10个工作日", "policy_a")
        report = MigrationService(office).migrate(
            "medical_transfer", deployed.version - 1, deployed.version, "policy_a"
        )
        assert report.migrated == 1
        freeze("2026-10-09T10:00:00+08:00")
        complete(office, number, scenario("bundle_only_medical_express")["steps"][0])
        kinds = [e.kind for e in _steps(office, number)]
        assert kinds == ["case_created", "case_migrated", "task_completed"]
        assert _replay(office, number).line() == "identical 3 steps"
        # The auditor sees the diagrams of both versions the case ran on.
        view = CaseAudit(office).view(number, "330602")
        medical = [d.version for d in view.diagrams if d.process_id == "medical_transfer"]
        assert medical == [deployed.version - 1, deployed.version]
        assert view.replay.identical
    finally:
        office.close()
