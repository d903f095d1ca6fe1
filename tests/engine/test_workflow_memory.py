"""Bounded memory: a workflow the hot cache drops is freed at once, without a full collection
(issue 14 §4), and the cache's size is a setting it reports."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.entrypoints.tuning import GC_THRESHOLDS
from app.features.cases.service import Actor
from app.kernel.config import Settings
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import case_row, complete, scenario

APPLICANT = Actor("applicant", "applicant")


@pytest.fixture
def small_cache(database_url: str) -> Iterator[Backoffice]:
    office = Backoffice(
        dataclasses.replace(settings_for(database_url), workflow_cache_size=2),
        clock=current_clock(),
    )
    yield office
    office.close()


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only reference counting frees anything while the test runs."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _submit(office: Backoffice, name: str = "bundle_all_three_success") -> str:
    return office.applications.submit(scenario(name)["application"], APPLICANT).case_number


def _hot_workflow(office: Backoffice, number: str) -> weakref.ref[Any]:
    """A weak reference to the case's cached workflow (taken and put straight back)."""
    case_id = case_row(office, number).id
    entry = office.workflows.take(case_id)
    assert entry is not None, "the case's workflow should be hot right after its use case"
    ref = weakref.ref(entry.workflow)
    office.workflows.put(case_id, entry)
    return ref


def test_an_evicted_workflow_is_freed_without_the_collector(
    small_cache: Backoffice, no_collector: None
) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    first = _submit(small_cache)
    ref = _hot_workflow(small_cache, first)
    task_ref = weakref.ref(next(iter(ref().tasks.values())))  # type: ignore[union-attr]
    _submit(small_cache)
    assert ref() is not None  # still cached: capacity 2
    _submit(small_cache)  # evicts the first case's workflow
    assert ref() is None, "the evicted workflow is still alive: its cycles were not broken"
    assert task_ref() is None
    stats = small_cache.workflows.stats()
    assert stats == {"size": 2, "capacity": 2, "evicted": 1, "released": 1}
    assert small_cache.workflows.size() == 2


def test_an_evicted_case_runs_on_from_the_database(small_cache: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    first = _submit(small_cache)
    _submit(small_cache)
    _submit(small_cache)
    assert small_cache.workflows.stats()["evicted"] == 1
    review = next(s for s in scenario("bundle_all_three_success")["steps"] if "task" in s)
    complete(small_cache, first, review)  # restored from its rows, runs on
    assert small_cache.scenarios.open_task_names(first)


def test_a_completed_workflow_is_freed_without_the_collector(
    small_cache: Backoffice, no_collector: None
) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    script = scenario("bundle_review_refused_before_transfer")
    number = _submit(small_cache, "bundle_review_refused_before_transfer")
    steps = [s for s in script["steps"] if "task" in s]
    for step in steps[:-1]:
        complete(small_cache, number, step)
    ref = _hot_workflow(small_cache, number)
    complete(small_cache, number, steps[-1])
    assert case_row(small_cache, number).completed_at is not None
    assert ref() is None, "the completed workflow is still alive: its cycles were not broken"
    assert small_cache.workflows.size() == 0


def test_with_the_apps_collector_thresholds_evictions_leave_no_garbage(
    small_cache: Backoffice,
) -> None:
    """With the app's thresholds (not disabled): what eviction drops is not left for the
    collector either; a full collection afterwards finds no workflow."""
    freeze("2026-09-28T09:00:00+08:00")
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        gc.collect()
        refs = []
        for _ in range(6):
            number = _submit(small_cache)
            refs.append(_hot_workflow(small_cache, number))
        alive = [ref for ref in refs if ref() is not None]
        assert len(alive) == 2  # exactly the cached ones
    finally:
        gc.set_threshold(*before)


def test_the_cache_size_is_a_setting(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("SECRET_KEY", "test")
    assert Settings.from_env().workflow_cache_size == 1000  # the documented default
    monkeypatch.setenv("WORKFLOW_CACHE_SIZE", "25")
    assert Settings.from_env().workflow_cache_size == 25
    office = Backoffice(
        dataclasses.replace(settings_for(database_url), workflow_cache_size=25),
        clock=current_clock(),
    )
    try:
        assert office.workflows.stats()["capacity"] == 25
    finally:
        office.close()
