"""Working-day timers through the real engine, the real store and the real scheduler."""

from __future__ import annotations

import ast
import json
import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from lxml import etree

from app.bootstrap import Backoffice
from app.engine.lanes import lane_role
from app.entrypoints.scheduler import TimerScheduler
from app.features.cases.service import Actor
from app.kernel import workdays
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import case_row, events, scenario, tasks, timers


def _submit(office: Backoffice) -> str:
    story = scenario("bundle_all_three_success")
    return office.applications.submit(
        story["application"], Actor("portal", "applicant")
    ).case_number


def _committed(office: Backoffice, number: str):  # type: ignore[no-untyped-def]
    return next(t for t in timers(office, number) if t.kind == "timer_committed")


def test_committed_limit_fires_once_at_end_of_ninth_working_day(backoffice: Backoffice) -> None:
    # Accepted Monday 2026-09-28; National Day 10-01..10-07 and the 调休 Saturday 10-10
    # make the 9th working day Thursday 2026-10-15.
    freeze("2026-09-28T09:00:00+08:00")
    number = _submit(backoffice)
    row = case_row(backoffice, number)
    assert row.committed_due == date(2026, 10, 15)
    timer = _committed(backoffice, number)
    assert timer.due_at == datetime.fromisoformat("2026-10-15T23:59:59.999999+08:00")

    freeze("2026-10-15T23:59:00+08:00")
    backoffice.cases.fire_due_timers()  # step limits (e.g. the 5-day unemployment review) may fire
    assert _committed(backoffice, number).fired_at is None
    assert not case_row(backoffice, number).warned

    freeze("2026-10-16T00:00:01+08:00")
    assert backoffice.cases.fire_due_timers() >= 1
    assert backoffice.cases.fire_due_timers() == 0  # idempotent: nothing fires twice
    assert _committed(backoffice, number).fired_at is not None
    fired = [
        e for e in events(backoffice, number, "timer_fired") if e.data["kind"] == "timer_committed"
    ]
    assert len(fired) == 1
    row = case_row(backoffice, number)
    assert row.warned and not row.overdue
    assert row.status not in ("refused", "cancelled")
    assert any(
        t.task_spec == "escalate_committed" and t.role == "supervisor"
        for t in tasks(backoffice, number, "open")
    )


def test_timer_due_while_stopped_fires_once_when_the_scheduler_starts(database_url: str) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    office = Backoffice(settings_for(database_url), clock=current_clock())
    number = _submit(office)
    office.close()  # the service is down ...

    freeze("2026-10-20T10:00:00+08:00")  # ... while the committed limit passes
    restarted = Backoffice(settings_for(database_url), clock=current_clock())
    scheduler = TimerScheduler(restarted, BackgroundScheduler())
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while _committed(restarted, number).fired_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert _committed(restarted, number).fired_at is not None

    # A second start (e.g. another restart) finds nothing left to fire.
    again = TimerScheduler(restarted, BackgroundScheduler())
    again.start()
    time.sleep(0.5)
    again.shutdown()
    fired = [
        e for e in events(restarted, number, "timer_fired") if e.data["kind"] == "timer_committed"
    ]
    assert len(fired) == 1
    restarted.close()


def test_unloaded_year_gives_flagged_provisional_deadline_then_recomputed(
    database_url: str, tmp_path: Path, make_app: Any
) -> None:
    gap_year = max(workdays.loaded_years()) + 1
    try:
        workdays.add_working_days(date(gap_year, 1, 5), 1)
        raise AssertionError("an unloaded year must raise CalendarGapError")
    except workdays.CalendarGapError as gap:
        assert gap.year == gap_year

    # Accepted in December of the last loaded year: the 45-day legal limit ends in gap_year.
    freeze(f"{gap_year - 1}-12-01T10:00:00+08:00")
    app = make_app(settings_for(database_url))
    office: Backoffice = app.extensions["backoffice"]
    submitted = _submit(office)
    row = case_row(office, submitted)
    assert row.deadlines_provisional is True
    legal = next(t for t in timers(office, submitted) if t.kind == "timer_legal")
    assert legal.provisional is True
    provisional_due = legal.due_at

    # Loading the year's schedule (a holiday in the first week) recomputes the deadline.
    schedule = tmp_path / "schedule.json"
    schedule.write_text(
        json.dumps(
            [
                {"date": f"{gap_year}-01-01", "kind": "rest", "note": "元旦（测试用通知）"},
                {"date": f"{gap_year}-01-04", "kind": "rest", "note": "元旦调休（测试用通知）"},
                {"date": f"{gap_year}-01-05", "kind": "rest", "note": "元旦调休（测试用通知）"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(schedule)])
    assert result.exit_code == 0, result.output
    assert "recomputed" in result.output
    legal = next(t for t in timers(office, submitted) if t.kind == "timer_legal")
    assert legal.provisional is False
    assert legal.due_at > provisional_due  # the new rest days push it later
    row = case_row(office, submitted)
    assert row.deadlines_provisional is False
    assert row.legal_due == workdays.local_date(legal.due_at)
    assert any(e.kind == "timer_rescheduled" for e in events(office, submitted))
    assert current_clock().simulated


# -- A region's limits bind its own agency (seed 002 八、十一、十二; 浙江2017 第六条（二）) ---------

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# The region variable each binding looks its limits up by; the bundle's window is at the
# transfer-in place (seed 000: 越城 receives the bundle).
SIDE_REGION = {
    "transfer_out": "transfer_out_region",
    "transfer_in": "transfer_in_region",
    "bundle": "transfer_in_region",
}
# (function name, position of the key, position of the region) of every limit lookup.
LIMIT_CALLS = {"limit": (0, 1), "has_limit": (0, 1), "limit_deadline": (1, 2)}


def _limit_lookups(source: str) -> list[tuple[str, ast.expr]]:
    found = []
    for node in ast.walk(ast.parse(source.strip(), mode="exec")):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            positions = LIMIT_CALLS.get(node.func.id)
            if positions is None:
                continue
            key_at, region_at = positions
            key = node.args[key_at]
            assert isinstance(key, ast.Constant), ast.unparse(node)
            found.append((str(key.value), node.args[region_at]))
    return found


def _expressions(tree: Any) -> list[tuple[Any, str]]:
    """Every Python text of a diagram: timer expressions, conditions, scripts."""
    result = []
    for tag in ("timeDate", "timeDuration", "timeCycle", "conditionExpression", "script"):
        for node in tree.iter(f"{_BPMN}{tag}"):
            result.append((node, node.text or ""))
    return result


def _lane_side(tree: Any) -> dict[str, str]:
    """transfer_out for nodes in an *_out_clerk lane, transfer_in for other agency lanes."""
    sides = {}
    for lane in tree.iter(f"{_BPMN}lane"):
        side = "transfer_out" if lane_role(lane).endswith("_out_clerk") else "transfer_in"
        for ref in lane.iter(f"{_BPMN}flowNodeRef"):
            sides[ref.text] = side
    return sides


def test_every_limit_key_states_the_side_it_binds() -> None:
    data = json.loads((PROCESSES / "limits.json").read_text("utf-8"))
    for key in data["default"]:
        assert (key in data["binds"]) != (key in data["legacy"]), key
        assert data["binds"].get(key, "bundle") in SIDE_REGION, key
        assert key in data["sources"], key


def test_every_diagram_looks_a_limit_up_by_the_region_of_the_side_it_binds() -> None:
    """Guard: a limit keyed to the wrong side (Hangzhou's 即办 by the transfer-in region, as
    before) or a legacy key in a current diagram fails here."""
    data = json.loads((PROCESSES / "limits.json").read_text("utf-8"))
    binds, legacy = data["binds"], data["legacy"]
    checked = 0
    for path in sorted(PROCESSES.glob("*.bpmn")):
        tree = etree.parse(str(path))
        lanes = _lane_side(tree)
        for node, text in _expressions(tree):
            for key, region in _limit_lookups(text):
                where = f"{path.name}: {text.strip()}"
                assert key not in legacy, f"{where}: {key} is kept only for old versions"
                assert key in binds, f"{where}: {key} states no side in limits.json binds"
                assert isinstance(region, ast.Name), f"{where}: region must be a case variable"
                assert region.id == SIDE_REGION[binds[key]], (
                    f"{where}: {key} binds {binds[key]}, looked up by {region.id}"
                )
                # A step timer times that step's agency: its lane says which side that is.
                event = node.getparent().getparent()
                step = event.get("attachedToRef")
                if step is not None and binds[key] != "bundle":
                    assert lanes[step] == binds[key], f"{where}: on {step} ({lanes[step]})"
                checked += 1
    assert checked >= 20


def test_no_diagram_counts_months_with_an_iso_duration() -> None:
    """民法典 第二百零一至二百零三条: "1个月内" is month_deadline(start, n), not 'P1M'."""
    for path in sorted(PROCESSES.glob("*.bpmn")):
        text = path.read_text("utf-8")
        assert not re.search(r"timeDuration[^>]*>\s*['\"]P\d+[MY]", text), path.name
        assert not re.search(r"'P\d+M'", text), path.name
