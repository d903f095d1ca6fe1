"""Runs a scenario (application, task inputs, clock moves, expected outcome) through the services.

Scenarios are data (contracts §9): the process tests, the demo loader, the benchmark, policy
staff's "test before deploy" and `flask scenarios run` all use the same runner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.features.cases.documents import CaseDocuments
from app.features.cases.service import Actor, CaseService
from app.features.intake.applications import ApplicationService
from app.kernel import workdays
from app.kernel.errors import ValidationFailed
from app.store import case_rows
from app.store.models import AuditEvent, Case, HumanTask, Timer

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
OPEN_STATES = ("open", "claimed")
JSON_KEYS = (
    "passed",
    "failures",
    "case_number",
    "status",
    "decision",
    "reasons",
    "results",
    "open_tasks",
    "timers",
    "events",
    "documents",
)


def parse_duration(text: str) -> timedelta:
    """ISO-8601 durations of days/hours/minutes/seconds (P3D, PT2H, P1DT30M)."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration like P3D or PT2H: {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def beijing(value: datetime | None) -> str | None:
    """An instant as ISO-8601 with +08:00 (contracts §9), or None."""
    return value.astimezone(workdays.TZ).isoformat() if value is not None else None


@dataclass
class ScenarioResult:
    """The case's final state after a scenario, and what did not match its expectations."""

    case_number: str
    status: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    decision: str = ""
    reasons: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)
    open_tasks: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """In the key order of contracts §9."""
        found = asdict(self)
        return {key: found[key] for key in JSON_KEYS}


class ScenarioRunner:
    def __init__(
        self,
        applications: ApplicationService,
        cases: CaseService,
        documents: CaseDocuments,
        insurance_results: Callable[[str], dict[str, str]],
    ) -> None:
        self.applications = applications
        self.cases = cases
        self.clock = cases.clock
        self.documents = documents
        # Per insurance, the result code GET /api/cases/{n} shows (PortalService.status).
        self.insurance_results = insurance_results

    def run(self, scenario: dict[str, Any]) -> ScenarioResult:
        if "start" in scenario:
            self.clock.freeze(datetime.fromisoformat(scenario["start"]))
        submitted = self.applications.submit(
            scenario["application"], Actor("scenario", "applicant")
        )
        number = submitted.case_number
        failures = self._steps(number, scenario.get("steps", []))
        result = self.final_state(number)
        result.decision = submitted.decision.decision
        result.reasons = list(submitted.decision.reasons)
        result.failures = failures + unmet(scenario.get("expect", {}), result)
        result.passed = not result.failures
        return result

    def _steps(self, number: str, steps: list[dict[str, Any]]) -> list[str]:
        for index, step in enumerate(steps, start=1):
            if "advance" in step:
                self.clock.advance(parse_duration(step["advance"]))
                self.cases.fire_due_timers()
            elif "at" in step:
                self.clock.freeze(datetime.fromisoformat(step["at"]))
                self.cases.fire_due_timers()
            elif "task" in step:
                failure = self._complete(number, index, step)
                if failure:
                    return [failure]
        return []

    def _complete(self, number: str, index: int, step: dict[str, Any]) -> str | None:
        task = self.open_task(number, step["task"], step.get("process"))
        if task is None:
            open_names = ", ".join(self.open_task_names(number)) or "none"
            return f"step {index}: no open task {step['task']!r} (open: {open_names})"
        actor = Actor("scenario", task.role, task.region)
        before = self._fingerprint(number)
        try:
            self.cases.complete_task(task.id, step.get("data", {}), actor)
        except ValidationFailed as exc:
            if not step.get("refused"):
                details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
                return f"step {index}: {step['task']} refused: {exc.message} ({details})"
            if self._fingerprint(number) != before:
                return f"step {index}: the refused completion of {step['task']} changed the case"
            return None
        if step.get("refused"):
            return f"step {index}: {step['task']} was completed but should have been refused"
        return None

    def _fingerprint(self, number: str) -> tuple[Any, ...]:
        """What a refused completion must leave untouched: case row version, tasks, events."""
        with self.cases.db.sessions() as session:
            case_id, version = session.execute(
                select(Case.id, Case.version).where(Case.number == number)
            ).one()
            tasks = session.execute(
                select(func.count(), func.max(HumanTask.id)).where(
                    HumanTask.case_id == case_id, HumanTask.state.in_(OPEN_STATES)
                )
            ).one()
            events = session.execute(
                select(func.count()).where(AuditEvent.case_id == case_id)
            ).scalar_one()
        return (version, tuple(tasks), events)

    def final_state(self, number: str) -> ScenarioResult:
        """Status, per-insurance results, open tasks, timers, events and documents of a case."""
        with self.cases.db.sessions() as session:
            case = session.execute(select(Case).where(Case.number == number)).scalar_one()
            tasks = session.execute(
                select(HumanTask)
                .where(HumanTask.case_id == case.id, HumanTask.state.in_(OPEN_STATES))
                .order_by(HumanTask.id)
            ).scalars()
            open_tasks = [
                {
                    "task": t.task_spec,
                    "process": t.process_id,
                    "role": t.role,
                    "region": t.region,
                    "due": beijing(t.due_at),
                }
                for t in tasks
            ]
            timer_rows = list(
                session.execute(
                    select(Timer).where(Timer.case_id == case.id).order_by(Timer.id)
                ).scalars()
            )
            events = list(
                session.execute(
                    select(AuditEvent.kind)
                    .where(AuditEvent.case_id == case.id)
                    .order_by(AuditEvent.seq)
                ).scalars()
            )
            status = str(case.status)
        processes = self.cases.task_processes(number, [t.task_uuid for t in timer_rows])
        timers = [
            {
                "element": t.kind,
                "process": process,
                "due": beijing(t.due_at),
                "fired": t.fired_at is not None,
            }
            for t, process in zip(timer_rows, processes, strict=True)
        ]
        documents = sorted({ref.kind for ref in self.documents.available(number)})
        return ScenarioResult(
            case_number=number,
            status=status,
            passed=True,
            results=self.insurance_results(number),
            open_tasks=open_tasks,
            timers=timers,
            events=events,
            documents=documents,
        )

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
                    .where(Case.number == number, HumanTask.state.in_(OPEN_STATES))
                    .order_by(HumanTask.id)
                ).scalars()
            )

    def status(self, number: str) -> str:
        with self.cases.db.sessions() as session:
            return str(
                session.execute(select(Case.status).where(Case.number == number)).scalar_one()
            )


def unmet(expected: dict[str, Any], result: ScenarioResult) -> list[str]:
    """The expectations of contracts §9 that the final state does not meet."""
    failures = []
    if "status" in expected and expected["status"] != result.status:
        failures.append(f"expected status {expected['status']!r}, got {result.status!r}")
    if "open_tasks" in expected:
        got = sorted(t["task"] for t in result.open_tasks)
        if sorted(expected["open_tasks"]) != got:
            failures.append(f"expected open tasks {sorted(expected['open_tasks'])}, got {got}")
    if "results" in expected and expected["results"] != result.results:
        failures.append(f"expected results {expected['results']}, got {result.results}")
    if "documents" in expected and sorted(set(expected["documents"])) != result.documents:
        failures.append(
            f"expected documents {sorted(set(expected['documents']))}, got {result.documents}"
        )
    return failures
