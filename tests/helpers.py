"""Small helpers shared by tests: load scenarios, read rows, complete tasks by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.store.models import AuditEvent, Case, HumanTask, Timer

SCENARIOS = Path(__file__).resolve().parent / "processes" / "scenarios"


def scenario(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def case_row(office: Backoffice, number: str) -> Case:
    with office.db.sessions() as session:
        return session.execute(select(Case).where(Case.number == number)).scalar_one()


def tasks(office: Backoffice, number: str, *states: str) -> list[HumanTask]:
    with office.db.sessions() as session:
        query = (
            select(HumanTask).join(Case, Case.id == HumanTask.case_id).where(Case.number == number)
        )
        if states:
            query = query.where(HumanTask.state.in_(states))
        return list(session.execute(query.order_by(HumanTask.id)).scalars())


def timers(office: Backoffice, number: str) -> list[Timer]:
    with office.db.sessions() as session:
        query = select(Timer).join(Case, Case.id == Timer.case_id).where(Case.number == number)
        return list(session.execute(query.order_by(Timer.id)).scalars())


def events(office: Backoffice, number: str, kind: str | None = None) -> list[AuditEvent]:
    with office.db.sessions() as session:
        query = (
            select(AuditEvent)
            .join(Case, Case.id == AuditEvent.case_id)
            .where(Case.number == number)
        )
        if kind:
            query = query.where(AuditEvent.kind == kind)
        return list(session.execute(query.order_by(AuditEvent.seq)).scalars())


def complete(office: Backoffice, number: str, step: dict[str, Any]) -> None:
    """Complete the open task named in a scenario step as a clerk of its role and region."""
    task = office.scenarios.open_task(number, step["task"], step.get("process"))
    assert task is not None, (
        f"no open task {step['task']} in {office.scenarios.open_task_names(number)}"
    )
    office.cases.complete_task(
        task.id, step.get("data", {}), Actor("clerk", task.role, task.region)
    )


def pass_review(office: Backoffice, number: str) -> None:
    """Pass the bundle's 审核 with the happy-path scenario's data when it is open: it comes
    right after acceptance, before any transfer starts (seed 000 十四)."""
    if office.scenarios.open_task(number, "review", "one_thing_bundle") is None:
        return
    [step] = [s for s in scenario("bundle_all_three_success")["steps"] if s.get("task") == "review"]
    complete(office, number, step)


def events_of_kind(office: Backoffice, kind: str) -> list[AuditEvent]:
    with office.db.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        return list(session.execute(query).scalars())
