"""No module-level mutable state is written after start-up (issue 13): a whole bundle, a clock
move, timers, a replay and a second runtime leave every module-level container of `app` as it
was. What a runtime needs to remember lives on the runtime (or in the database)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from datetime import datetime
from typing import Any

import app
from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.kernel.clock import Clock
from tests.conftest import settings_for
from tests.processes.driver import run_scenario

MUTABLE = (dict, list, set, bytearray)


def _all_app_modules() -> list[Any]:
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if info.name.endswith("draft_sandbox") or ".web" in info.name:
            continue  # the sandbox child and the Flask views are entry points, not runtime state
        importlib.import_module(info.name)
    return [m for name, m in sorted(sys.modules.items()) if name.startswith("app.") and m]


def _state() -> dict[str, str]:
    found = {}
    for module in _all_app_modules():
        for name, value in vars(module).items():
            if isinstance(value, MUTABLE) and not name.startswith("__"):
                found[f"{module.__name__}.{name}"] = repr(value)
    return found


def test_running_cases_and_a_replay_in_two_runtimes_changes_no_module_level_state(
    database_url: str,
) -> None:
    before = _state()
    assert len(before) > 20  # tables of codes, labels, schemas: they exist, and stay put
    clock = Clock()
    clock.freeze(datetime.fromisoformat("2026-09-28T09:00:00+08:00"))
    office = Backoffice(settings_for(database_url), clock=clock)
    other = Backoffice(settings_for(database_url), clock=Clock())
    try:
        result = run_scenario(office, "bundle_all_three_success")
        assert result.passed, result.failures
        clock.freeze(datetime.fromisoformat("2026-12-31T09:00:00+08:00"))
        office.cases.fire_due_timers()
        assert Replayer(other).replay(result.case_number).identical
    finally:
        office.close()
        other.close()
    after = _state()
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert changed == []
