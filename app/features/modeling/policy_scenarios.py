"""Test scenarios for drafts: the built-in ones (tests/processes/scenarios) and those policy staff
save, and running them in a separate sandbox process (app.entrypoints.draft_sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.features.worklist.paging import Page
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from app.kernel.errors import FieldError, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import CalendarOverride, PolicyScenario

SCENARIOS_DIR = ROOT / "tests" / "processes" / "scenarios"
BUILT_IN = "内置"


@dataclass(frozen=True)
class ScenarioOutcome:
    name: str
    source: str
    passed: bool
    status: str = ""
    case_number: str = ""
    failures: list[str] = field(default_factory=list)


def check_scenario(body: Any) -> list[FieldError]:
    """The scenario format of app.features.modeling.scenarios, checked before it is stored."""
    if not isinstance(body, dict):
        return [FieldError("body", "场景必须是 JSON 对象")]
    errors = []
    if not isinstance(body.get("application"), dict):
        errors.append(FieldError("body/application", "缺少申请表 application（对象）"))
    steps = body.get("steps", [])
    if not isinstance(steps, list):
        errors.append(FieldError("body/steps", "steps 必须是数组"))
        steps = []
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or not ({"task", "advance", "at"} & set(step)):
            errors.append(
                FieldError(f"body/steps/{index}", "每一步须为 task（办理任务）、advance 或 at 之一")
            )
    if "start" in body:
        try:
            if datetime.fromisoformat(str(body["start"])).tzinfo is None:
                raise ValueError
        except ValueError:
            errors.append(FieldError("body/start", "start 须为带时区的 ISO 时间"))
    if not isinstance(body.get("expect", {}), dict):
        errors.append(FieldError("body/expect", "expect 必须是对象"))
    return errors


class ScenarioLibrary:
    def __init__(self, db: Database, clock: Clock, scenarios_dir: Path = SCENARIOS_DIR) -> None:
        self.db = db
        self.clock = clock
        self.scenarios_dir = scenarios_dir

    def all(self) -> list[dict[str, Any]]:
        """Every scenario to run: {"name", "source", "body"}, built-in ones first."""
        found: list[dict[str, Any]] = []
        if self.scenarios_dir.is_dir():
            for path in sorted(self.scenarios_dir.glob("*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                found.append(
                    {"name": body.get("name") or path.stem, "source": BUILT_IN, "body": body}
                )
        with self.db.sessions() as session:
            for row in session.execute(
                select(PolicyScenario).order_by(PolicyScenario.id)
            ).scalars():
                found.append(
                    {"name": row.name, "source": f"保存（{row.created_by}）", "body": row.body}
                )
        return found

    def saved(self, page: int = 1, per_page: int = 50) -> Page:
        page = max(1, page)
        with self.db.sessions() as session:
            total = session.execute(select(func.count()).select_from(PolicyScenario)).scalar_one()
            rows = (
                session.execute(
                    select(PolicyScenario)
                    .order_by(PolicyScenario.id.desc())
                    .limit(per_page)
                    .offset((page - 1) * per_page)
                )
                .scalars()
                .all()
            )
        return Page(list(rows), page, per_page, int(total))

    def save(self, process_id: str, name: str, body: Any, actor: str) -> int:
        errors = []
        if not (name or "").strip():
            errors.append(FieldError("name", "请填写场景名称"))
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError as exc:
                errors.append(FieldError("body", f"不是合法的 JSON：{exc}"))
                body = {}
        errors.extend(check_scenario(body))
        if errors:
            raise ValidationFailed("场景未保存：内容有误", errors)
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            row = PolicyScenario(
                process_id=process_id,
                name=name.strip()[:200],
                body=body,
                created_by=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            audit.add("policy_scenario_saved", actor, now, None, scenario=row.id, name=row.name)
            audit.flush(session)
            return int(row.id)

    def overrides(self) -> list[list[Any]]:
        """The live calendar overrides, so the sandbox counts working days the same way."""
        with self.db.sessions() as session:
            return [
                [row.day.isoformat(), row.is_work, row.note]
                for row in session.execute(select(CalendarOverride)).scalars()
            ]


def run_in_sandbox(
    work: Path,
    processes: Path,
    forms: Path,
    overrides: list[list[Any]],
    scenarios: list[dict[str, Any]],
    timeout: float,
) -> list[ScenarioOutcome]:
    """Run the scenarios in a separate process on a throwaway database in `work`."""
    request = {
        "processes_dir": str(processes),
        "forms_dir": str(forms),
        "overrides": overrides,
        "scenarios": scenarios,
    }
    (work / "request.json").write_text(json.dumps(request, ensure_ascii=False), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        subprocess.run(
            [sys.executable, "-m", "app.entrypoints.draft_sandbox", str(work)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [_failed(s, "运行超时") for s in scenarios]
    result_path = work / "result.json"
    answer: dict[str, Any] = (
        json.loads(result_path.read_text(encoding="utf-8"))
        if result_path.exists()
        else {"error": "测试进程未返回结果"}
    )
    if "error" in answer:
        return [_failed(s, f"测试环境出错：{answer['error']}") for s in scenarios]
    return [
        ScenarioOutcome(
            r["name"], r["source"], r["passed"], r["status"], r["case_number"], r["failures"]
        )
        for r in answer["results"]
    ]


def _failed(scenario: dict[str, Any], message: str) -> ScenarioOutcome:
    return ScenarioOutcome(scenario["name"], scenario["source"], False, failures=[message])
