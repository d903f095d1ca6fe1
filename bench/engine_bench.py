"""Engine throughput: the same bundle run in memory, then through the services with every
user-task completion committed to SQLite (contracts §8 line `engine`)."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.clock import clock
from app.config import ROOT, Settings
from app.engine.host import Engine, SpecSet
from app.rules.acceptance import decide
from app.services.applications import start_data
from app.services.backoffice import Backoffice
from app.services.cases import Actor
from app.store.migrate import upgrade

SCENARIO = ROOT / "tests" / "processes" / "scenarios" / "bundle_all_three_success.json"
BUNDLES = 60


def _scenario() -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(SCENARIO.read_text(encoding="utf-8"))
    return scenario


def _task_steps(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in scenario["steps"] if "task" in step]


def in_memory(bundles: int) -> float:
    scenario = _scenario()
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in sorted((ROOT / "processes").glob("*.bpmn"))])
    specs = SpecSet(
        parser.get_spec("one_thing_bundle"), parser.get_subprocess_specs("one_thing_bundle")
    )
    engine = Engine()
    application = scenario["application"]
    data = start_data(application, decide(application, today=datetime.now().date()))
    data["case_number"] = "bench"
    steps = _task_steps(scenario)
    started = time.perf_counter()
    for _ in range(bundles):
        workflow = engine.new_workflow(specs, data)
        engine.run(workflow)
        for step in steps:
            ready = next(
                t
                for t in engine.ready_user_tasks(workflow)
                if t.spec_name == step["task"] and t.process_id == step.get("process", t.process_id)
            )
            engine.complete_user_task(workflow, ready.uuid, dict(step.get("data", {})))
        assert workflow.completed or not engine.ready_user_tasks(workflow)
    return bundles / (time.perf_counter() - started)


def persisted(bundles: int) -> float:
    scenario = _scenario()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        office = Backoffice(Settings(database_url=url, scheduler=False, secret_key="bench"))
        office.deployments.deploy_directory("bench", "bench")
        steps = _task_steps(scenario)
        runner = office.scenarios
        started = time.perf_counter()
        for _ in range(bundles):
            submitted = office.applications.submit(
                scenario["application"], Actor("bench", "applicant")
            )
            for step in steps:
                task = runner.open_task(submitted.case_number, step["task"], step.get("process"))
                assert task is not None, step["task"]
                office.cases.complete_task(task.id, step.get("data", {}), Actor("bench", "system"))
        elapsed = time.perf_counter() - started
        office.close()
    return bundles / elapsed


def run() -> dict[str, Any]:
    clock.freeze(datetime.fromisoformat(_scenario().get("start", "2026-09-28T09:00:00+08:00")))
    in_memory(5)  # warm-up: imports, caches
    memory_rate = in_memory(BUNDLES)
    persisted_rate = persisted(BUNDLES)
    return {
        "bench": "engine",
        "in_memory_bundles_per_s": round(memory_rate, 1),
        "persisted_bundles_per_s": round(persisted_rate, 1),
        "ratio": round(persisted_rate / memory_rate, 3),
        "bundles": BUNDLES,
        "database": "sqlite",
    }
