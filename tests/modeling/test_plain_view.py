"""Policy staff read limits and problems in words (issue 15 item 7): each timer's limit with the
regions that set their own, process names in Chinese, validation messages without paths."""

from __future__ import annotations

import json
from pathlib import Path

from app.engine.parsing import Problem
from app.features.modeling.plain_view import load_limits, process_name, timer_limits
from app.features.modeling.problem_text import ProblemWording, message_zh
from app.kernel.config import ROOT

PROCESSES = ROOT / "processes"


def _timers(process_id: str, limits_path: Path = PROCESSES / "limits.json") -> dict[str, str]:
    xml = (PROCESSES / f"{process_id}.bpmn").read_text(encoding="utf-8")
    return {t.element_id: t.text for t in timer_limits(xml, load_limits(limits_path))}


def test_a_timer_shows_its_default_name_and_each_regions_own_value(tmp_path: Path) -> None:
    timers = _timers("medical_transfer")
    assert timers["timer_transfer_in"] == "15 个工作日（medical.transfer_in，瓯海区 15）"
    assert (
        timers["timer_contact_letter_committed"] == "默认不设时限（medical.in.committed，瓯海区 5）"
    )
    # The figure is data: a region's change in limits.json shows at once, no code involved.
    data = json.loads((PROCESSES / "limits.json").read_text(encoding="utf-8"))
    data["regions"]["330304"]["medical.transfer_in"] = 5
    data["regions"].setdefault("330100", {})["medical.transfer_in"] = None
    changed = tmp_path / "limits.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert (
        _timers("medical_transfer", changed)["timer_transfer_in"]
        == "15 个工作日（medical.transfer_in，杭州市 不设，瓯海区 5）"
    )


def test_every_timer_of_every_diagram_reads_in_words() -> None:
    for path in sorted(PROCESSES.glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        found = timer_limits(xml, load_limits(PROCESSES / "limits.json"))
        assert found, path.name
        for timer in found:
            assert timer.text not in ("（表达式）", "") and "没有" not in timer.text, timer
            assert timer.start and not timer.start.endswith("_at"), timer
    unemployment = _timers("unemployment_transfer")
    assert unemployment["timer_transfer_funds"].startswith("1 个月")
    assert _timers("one_thing_bundle")["timer_deliver_on_site"].startswith("即办")


def test_process_names_are_chinese() -> None:
    for path in sorted(PROCESSES.glob("*.bpmn")):
        name = process_name(path.read_text(encoding="utf-8"), path.stem)
        assert name and all(not c.isascii() or c in '"' for c in name), (path.stem, name)


def test_validation_problems_read_in_chinese_by_step_name_without_paths() -> None:
    xml = (PROCESSES / "medical_transfer.bpmn").read_text(encoding="utf-8")
    wording = ProblemWording(xml)
    problem = Problem(
        "/tmp/sitransfer-draft-x/processes/medical_transfer.bpmn",
        231,
        "f_contact_refuse",
        "Python syntax error: invalid syntax",
    )
    assert wording.text(problem) == "「不符合」：条件、时限或脚本的 Python 写法有误：语法无效"
    assert wording.detail(problem) == "f_contact_refuse: Python syntax error: invalid syntax"
    missing = Problem("processes/x.bpmn", 3, "", "form a.json does not exist in forms/")
    assert message_zh(missing) == "引用的表单 a.json 不存在"
    unknown = Problem("/srv/app/processes/x.bpmn", 1, "", "bpmnlint: label-required")
    assert "/" not in ProblemWording("").text(unknown)
    form = Problem("forms/medical_transfer.contact_letter.json", 0, "contact_letter", "表单太大")
    assert ProblemWording(xml).text(form) == "表单（所属任务 「审核并发出联系函」）：表单太大"
