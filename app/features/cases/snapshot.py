"""One case as the applicant-facing views need it: its row, its task rows, its workflow data.

Only for single-case pages and API calls: lists never load workflows (they read rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.features.cases.repository import CaseRecord, read_case
from app.store.models import Case, HumanTask

if TYPE_CHECKING:
    from app.features.cases.service import CaseService

INSURANCES = ("pension", "medical", "unemployment")


@dataclass(frozen=True)
class PartResult:
    """A finished insurance transfer (its call activity completed): result and written reasons."""

    result: str  # completed | refused | ineligible
    reasons: list[str]
    data: dict[str, Any]


@dataclass
class CaseSnapshot:
    case: CaseRecord
    data: dict[str, Any]  # the bundle's variables (application, decision, results, dates)
    results: dict[str, PartResult] = field(default_factory=dict)  # by insurance
    tasks: list[HumanTask] = field(default_factory=list)  # every task row, oldest first
    # What every part's steps recorded so far, running subprocesses included.
    recorded: dict[str, Any] = field(default_factory=dict)

    @property
    def insurances(self) -> list[str]:
        return [i for i in self.case.insurances.split(",") if i]

    def open_tasks(self) -> list[HumanTask]:
        return [t for t in self.tasks if t.state in ("open", "claimed")]


def case_id_for(cases: CaseService, number: str) -> int | None:
    with cases.db.sessions() as session:
        found: int | None = session.execute(
            select(Case.id).where(Case.number == number)
        ).scalar_one_or_none()
    return found


def snapshot(cases: CaseService, number: str) -> CaseSnapshot | None:
    """The case with that number, read from the hot cache's workflow when it is current, else
    restored and left in the cache (the clerk's next step on the case then needs no restore)."""
    case_id = case_id_for(cases, number)
    if case_id is None:
        return None
    with cases.db.sessions() as session:
        record = read_case(session, case_id)
        assert record is not None
        # Taken, so no use case shares it while it is read; put back (newer kept) below.
        entry = cases.workflows.take(case_id)
        if entry is None or entry.version != record.version:
            if entry is not None:
                cases.workflows.put(case_id, entry)
            entry = cases.store.load(session, record, None)
        tasks = list(
            session.execute(
                select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
            ).scalars()
        )
    try:
        return _read(cases, record, entry.workflow, tasks)
    finally:
        cases.workflows.put(case_id, entry)


def _read(cases: CaseService, record: CaseRecord, workflow: Any, tasks: list[Any]) -> CaseSnapshot:
    data = cases.engine.data(workflow)
    results: dict[str, PartResult] = {}
    for sub in workflow.subprocesses.values():
        insurance = str(sub.spec.name).removesuffix("_transfer")
        if insurance in INSURANCES and sub.completed:
            part = dict(sub.data)
            reasons = part.get(f"{insurance}_reasons") or []
            results[insurance] = PartResult(
                str(part.get(f"{insurance}_result", "")),
                [str(r) for r in reasons] if isinstance(reasons, list) else [str(reasons)],
                part,
            )
    return CaseSnapshot(record, data, results, tasks, cases.engine.case_data(workflow))
