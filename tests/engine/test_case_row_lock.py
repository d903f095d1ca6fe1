"""The case row's optimistic lock on its own (design: one use case = one transaction): a writer
whose case version changed underneath writes nothing, even when no task row conflicts.

The task-level guard (`state IN ('open', 'claimed')`) stops two completions of the *same*
task; these tests complete *different* tasks of one case, so only the version condition of
the case row's UPDATE stands between the second writer and a lost update."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.repository import read_case
from app.features.cases.service import Actor
from app.kernel.errors import Conflict
from app.store import case_rows
from app.store.models import Case
from tests.conftest import current_clock, settings_for
from tests.helpers import case_row, complete, events, pass_review, scenario, tasks

STORY = scenario("bundle_all_three_success")


def _step(task: str, process: str | None = None) -> dict[str, Any]:
    return next(s for s in STORY["steps"] if s.get("task") == task and s.get("process") == process)


def _case(office: Backoffice) -> str:
    number: str = office.applications.submit(
        STORY["application"], Actor("portal", "applicant")
    ).case_number
    pass_review(office, number)
    return number


def test_an_update_with_a_stale_version_writes_nothing(backoffice: Backoffice) -> None:
    number = _case(backoffice)
    case_id = case_row(backoffice, number).id
    with backoffice.db.sessions() as session:
        stale = read_case(session, case_id)
    assert stale is not None
    # Another writer moves the case on (a different task than any the stale reader holds).
    complete(backoffice, number, _step("contact_letter", "pension_transfer"))
    current = case_row(backoffice, number)
    assert current.version == stale.version + 1

    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        written = case_rows.update_case(
            conn, case_id, stale.version, {"status": "forged", "version": stale.version + 1}
        )
    assert written is False
    after = case_row(backoffice, number)
    assert (after.status, after.version) == (current.status, current.version)

    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        assert case_rows.update_case(conn, case_id, current.version, {"warned": current.warned})


def _interleaving_hook(
    original: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None,
    meanwhile: Callable[[], None],
) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
    """A task hook that, the first time, lets another writer commit while this use case is
    inside its transaction (case row read, workflow loaded, nothing written yet)."""
    done = threading.Event()

    def hook(before: dict[str, Any], form: dict[str, Any], now: datetime) -> dict[str, Any]:
        if not done.is_set():
            done.set()
            other = threading.Thread(target=meanwhile)
            other.start()
            other.join(timeout=60)
            assert not other.is_alive()
        return original(before, form, now) if original else {}

    return hook


@pytest.mark.postgres
def test_two_writers_on_different_tasks_of_one_case(postgres_url: str) -> None:
    """Two workers (two runtimes, as two gunicorn processes) complete two parallel tasks of one
    case at the same time: the one that commits second is refused with a conflict and leaves
    no trace; retried, it goes through and both completions are in the workflow."""
    setup = Backoffice(settings_for(postgres_url), clock=current_clock())
    number = _case(setup)
    pension = setup.scenarios.open_task(number, "contact_letter", "pension_transfer")
    unemployment = setup.scenarios.open_task(number, "out_review", "unemployment_transfer")
    assert pension is not None and unemployment is not None
    setup.close()

    first, second = (
        Backoffice(settings_for(postgres_url), clock=current_clock()) for _ in range(2)
    )
    errors: list[BaseException] = []

    def pension_clerk_commits() -> None:
        try:
            second.cases.complete_task(
                pension.id,
                _step("contact_letter", "pension_transfer")["data"],
                Actor("pension_clerk", pension.role, pension.region),
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    key = ("unemployment_transfer", "out_review")
    first.cases.task_hooks[key] = _interleaving_hook(
        first.cases.task_hooks.get(key), pension_clerk_commits
    )
    data = _step("out_review")["data"]
    actor = Actor("unemployment_clerk", unemployment.role, unemployment.region)
    try:
        with pytest.raises(Conflict):
            first.cases.complete_task(unemployment.id, data, actor)
        assert errors == []
        # The loser wrote nothing: its task is still open, only the winner's completion logged.
        assert {t.id for t in tasks(first, number, "completed")} >= {pension.id}
        assert unemployment.id in {t.id for t in tasks(first, number, "open")}
        completed = [e.data["spec"] for e in events(first, number, "task_completed")]
        assert completed.count("out_review") == 0

        first.cases.complete_task(unemployment.id, data, actor)  # the retry
        done = {(t.process_id, t.task_spec) for t in tasks(first, number, "completed")}
        assert {("pension_transfer", "contact_letter"), key} <= done
        # Both subprocesses moved on in the stored workflow: nothing was lost.
        fresh = Backoffice(settings_for(postgres_url), clock=current_clock())
        try:
            names = fresh.scenarios.open_task_names(number)
            assert fresh.scenarios.open_task(number, "contact_letter", "pension_transfer") is None
            assert fresh.scenarios.open_task(number, "out_review", "unemployment_transfer") is None
            assert names
            with fresh.db.sessions() as session:
                version = session.execute(
                    select(Case.version).where(Case.number == number)
                ).scalar_one()
            assert version == case_row(first, number).version
        finally:
            fresh.close()
    finally:
        first.close()
        second.close()
