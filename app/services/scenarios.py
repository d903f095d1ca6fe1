"""Runs a scenario (application, task inputs, clock moves, expected outcome) through the services.

Scenarios are data: the process tests, the demo loader, the benchmark and policy staff's
"test before deploy" all use the same runner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.clock import clock
from app.store import case_rows
from app.store.models import Case, HumanTask

from .applications import ApplicationService
from .cases import Actor, CaseService

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """ISO-8601 durations of days/hours/minutes/seconds (P3D, PT2H, P1DT30M)."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration like P3D or PT2H: {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class ScenarioResult:
    case_number: str
    status: str
    passed: bool
    failures: list[str] = field(default_factory=list)


class ScenarioRunner:
    def __init__(self, applications: ApplicationService, cases: CaseService) -> None:
        self.applications = applications
        self.cases = cases

    def run(self, scenario: dict[str, Any]) -> ScenarioResult:
        if "start" in scenario:
            clock.freeze(datetime.fromisoformat(scenario["start"]))
        submitted = self.applications.submit(
            scenario["application"], Actor("scenario", "applicant")
        )
        number = submitted.case_number
        failures: list[str] = []
        for index, step in enumerate(scenario.get("steps", []), start=1):
            if "advance" in step:
                clock.advance(parse_duration(step["advance"]))
                self.cases.fire_due_timers()
            elif "at" in step:
                clock.freeze(datetime.fromisoformat(step["at"]))
                self.cases.fire_due_timers()
            elif "task" in step:
                task = self.open_task(number, step["task"], step.get("process"))
                if task is None:
                    failures.append(
                        f"step {index}: no open task {step['task']!r} "
                        f"(open: {', '.join(self.open_task_names(number)) or 'none'})"
                    )
                    break
                actor = Actor("scenario", task.role, task.region)
                self.cases.complete_task(task.id, step.get("data", {}), actor)
        status = self.status(number)
        expected = scenario.get("expect", {})
        if "status" in expected and expected["status"] != status:
            failures.append(f"expected status {expected['status']!r}, got {status!r}")
        if "open_tasks" in expected:
            open_names = sorted(self.open_task_names(number))
            if sorted(expected["open_tasks"]) != open_names:
                failures.append(
                    f"expected open tasks {sorted(expected['open_tasks'])}, got {open_names}"
                )
        return ScenarioResult(number, status, not failures, failures)

    def open_task(self, number: str, spec_name: str, process: str | None = None) -> Any:
        """The oldest open task with that id (and process): a row with id, role, region."""
        with self.cases.db.sessions() as session:
            found = case_rows.open_tasks_named(session.connection(), number, spec_name)
        return next((row for row in found if process in (None, row.process_id)), None)

    def open_task_names(self, number: str) -> list[str]:
        with self.cases.db.sessions() as session:
            return list(
                session.execute(
                    select(HumanTask.task_spec)
                    .join(Case, Case.id == HumanTask.case_id)
                    .where(Case.number == number, HumanTask.state.in_(("open", "claimed")))
                    .order_by(HumanTask.id)
                ).scalars()
            )

    def status(self, number: str) -> str:
        with self.cases.db.sessions() as session:
            return str(
                session.execute(select(Case.status).where(Case.number == number)).scalar_one()
            )
