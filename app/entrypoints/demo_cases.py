"""Demo cases standing in every stage: refused, awaiting correction, in review (审核 comes right
after acceptance, seed 000 十四), in transfer, concluded, and one past its committed limit
(warned, with a supervisor task)."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from app.rules.id_number import check_character
from app.store.models import Case

BASE_SCENARIO = ROOT / "tests" / "processes" / "scenarios" / "bundle_all_three_success.json"
NAMES = ["王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄伟", "周婷"]


def demo_id(birth: str, serial: int, male: bool) -> str:
    """A valid GB 11643 number for region 330602 (demo data only)."""
    sequence = f"{serial:02d}{1 if male else 2}"
    first17 = f"330602{birth}{sequence}"
    return first17 + check_character(first17)


# Where the window case of the demo is mailed (邮寄送达 needs an address).
EXPRESS_ADDRESS = {
    "recipient": "黄伟",
    "phone": "13800000006",
    "address": "浙江省绍兴市越城区解放北路100号",
}


def _application(index: int, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(BASE_SCENARIO.read_text(encoding="utf-8"))["application"]
    application = copy.deepcopy(base)
    application["applicant"]["name"] = NAMES[index % len(NAMES)]
    application["applicant"]["id_number"] = demo_id(
        f"19{85 + index % 10}0{1 + index % 9}15", index, index % 2 == 0
    )
    application["applicant"]["phone"] = f"1380000{index:04d}"
    for path, value in changes.items():
        node = application
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return application


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = json.loads(BASE_SCENARIO.read_text(encoding="utf-8"))["steps"]
    return steps


def _through(steps: list[dict[str, Any]], process: str | None, task: str) -> int:
    """How many scenario steps to run to have done `task` (of `process`) — counts shift
    whenever a diagram gains a step, names do not."""
    return 1 + next(
        i
        for i, step in enumerate(steps)
        if step.get("task") == task and process in (None, step.get("process"))
    )


def load_cases(backoffice: Backoffice) -> list[str]:
    with backoffice.db.sessions() as session:
        if session.execute(select(func.count()).select_from(Case)).scalar_one():
            return ["demo cases: database already has cases, none added"]
    # The demo's past is played on a runtime of its own whose clock goes back in time; the
    # deployment's clock (shared and forward-only when simulated) is never moved.
    now = backoffice.clock.now()
    demo = Backoffice(backoffice.settings, clock=Clock())
    runner = demo.scenarios
    steps = _steps()
    lines = []

    def run(label: str, days_ago: int, application: dict[str, Any], done: int) -> None:
        demo.clock.freeze(now - timedelta(days=days_ago))
        submitted = demo.applications.submit(application, Actor("demo", "applicant"))
        for step in steps[:done]:
            demo.clock.advance(timedelta(hours=2))
            task = runner.open_task(submitted.case_number, step["task"], step.get("process"))
            if task is None:
                break
            demo.cases.complete_task(task.id, step["data"], Actor("demo", task.role, task.region))
        lines.append(f"demo case {submitted.case_number}: {label}")

    try:
        run("不予受理（已退休）", 3, _application(0, status__retired=True), 0)
        run("一次性告知，待申请人补正", 2, _application(1, channel="window", materials=[]), 0)
        run("已受理，待审核", 1, _application(2), 0)
        run(
            "转出地已办理养老、医疗转出",
            4,
            _application(3),
            _through(steps, "medical_transfer", "transfer_out"),
        )
        run("审核通过，三险转移办理中", 5, _application(4), _through(steps, None, "review"))
        run("已办结（电子送达）", 10, _application(5), len(steps))
        run(
            "仅医疗保险，窗口申请，快递送达",
            2,
            _application(
                6,
                insurances=["medical"],
                channel="window",
                delivery="express",
                delivery_address=EXPRESS_ADDRESS,
            ),
            0,
        )
        run(
            "超过承诺时限（已督办预警）",
            20,
            _application(7),
            _through(steps, "medical_transfer", "contact_letter"),
        )
    finally:
        demo.close()
    fired = backoffice.cases.fire_due_timers()
    lines.append(f"demo timers fired: {fired}")
    return lines
