"""Deploy-time validation: bad diagrams are rejected with FILE:LINE: element-id: message."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.engine import parsing
from app.engine.bpmnlint import BpmnLint
from app.kernel.config import ROOT
from app.store.models import ProcessVersion
from tests.conftest import settings_for

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<id>[^:]+): (?P<message>.+)$")

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_1" name="受理窗口">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="role" value="window_clerk" />
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="核对">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="{target}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d1"><bpmndi:BPMNPlane id="p1" bpmnElement="{pid}">
    <bpmndi:BPMNShape id="s_lane" bpmnElement="Lane_1" isHorizontal="true"><dc:Bounds x="40" y="40" width="420" height="160" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_start" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_check" bpmnElement="check"><dc:Bounds x="200" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_done" bpmnElement="done"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="e1" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="e2" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _write(
    folder: Path, pid: str = "probe", form: str = "probe.check.json", target: str = "done"
) -> Path:
    path = folder / f"{pid}.bpmn"
    path.write_text(GOOD.replace("{pid}", pid).replace("{form}", form).replace("{target}", target))
    return path


def _versions(backoffice: Backoffice) -> int:
    with backoffice.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one())


@pytest.fixture
def forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "probe.check.json").write_text('{"type": "object", "title": "核对"}')
    return folder


def _settings_with_forms(database_url: str, forms: Path):  # type: ignore[no-untyped-def]
    settings = settings_for(database_url)
    settings.forms_dir = forms
    return settings


def test_valid_file_deploys_and_prints_version(
    database_url: str, tmp_path: Path, forms: Path, make_app: Any
) -> None:
    path = _write(tmp_path)
    app = make_app(_settings_with_forms(database_url, forms))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["processes", "validate", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["processes", "deploy", str(path), "--note", "首次部署"])
    assert result.exit_code == 0, result.output
    assert re.match(r"^probe version 1 [0-9a-f]{64}$", result.output.strip())


@pytest.mark.parametrize(
    ("mutation", "element", "fragment"),
    [
        ("malformed", "-", "malformed XML"),
        ("dangling", "f2", "targetRef"),
        ("no_form", "check", "form"),
        ("bad_condition", "f2", "Python syntax error"),
        ("no_lane", "check", "lane"),
        ("no_role", "Lane_1", "lane has no role"),
        ("unknown_role", "Lane_1", "not a known role"),
        ("not_standard", "start", "bpmnlint no-disconnected"),
    ],
)
def test_bad_diagram_is_rejected_and_nothing_deployed(
    database_url: str,
    tmp_path: Path,
    forms: Path,
    mutation: str,
    element: str,
    fragment: str,
    make_app: Any,
) -> None:
    path = _write(tmp_path)
    text = path.read_text()
    if mutation == "malformed":
        text = text.replace("</bpmn:process>", "</bpmn:proces>")
    elif mutation == "dangling":
        text = text.replace('targetRef="done" />', 'targetRef="nowhere" />')
    elif mutation == "no_form":
        text = text.replace('value="probe.check.json"', 'value="missing.json"')
    elif mutation == "bad_condition":
        text = text.replace(
            '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="done" />',
            '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="done">'
            "<bpmn:conditionExpression>ok ==</bpmn:conditionExpression></bpmn:sequenceFlow>",
        )
    elif mutation == "no_lane":
        text = text.replace("<bpmn:flowNodeRef>check</bpmn:flowNodeRef>", "")
    elif mutation == "no_role":
        text = text.replace('name="role" value="window_clerk"', 'name="note" value="window_clerk"')
    elif mutation == "not_standard":  # runs as it is; only bpmnlint sees the missing reference
        text = text.replace("<bpmn:outgoing>f1</bpmn:outgoing>", "")
    elif mutation == "unknown_role":
        text = text.replace('value="window_clerk"', 'value="windows_clerk"')
    path.write_text(text)
    app = make_app(_settings_with_forms(database_url, forms))
    backoffice: Backoffice = app.extensions["backoffice"]
    before = _versions(backoffice)
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(path), "--note", "x"])
    assert result.exit_code == 1
    lines = [LINE.match(line) for line in result.output.strip().splitlines()]
    assert lines and all(lines), result.output
    assert any(m["id"] == element and fragment in m["message"] for m in lines if m), result.output
    assert all(m["file"] == str(path) and int(m["line"]) > 0 for m in lines if m), result.output
    assert _versions(backoffice) == before


def test_a_lane_label_is_for_people_and_its_role_property_says_who_works_it(
    tmp_path: Path, forms: Path
) -> None:
    """Renaming a lane changes no task's role; changing the role property does."""
    path = _write(tmp_path)
    path.write_text(path.read_text().replace('name="受理窗口"', 'name="综合受理窗口（新名称）"'))
    assert parsing.validate([path], forms, set()) == []
    spec = parsing.parse([path], extra_dirs=[])["probe"]
    assert json.loads(spec.spec_json)["spec"]["task_specs"]["check"]["lane"] == "window_clerk"
    path.write_text(path.read_text().replace('value="window_clerk"', 'value="reviewer"'))
    spec = parsing.parse([path], extra_dirs=[])["probe"]
    assert json.loads(spec.spec_json)["spec"]["task_specs"]["check"]["lane"] == "reviewer"


def test_bpmnlint_that_cannot_run_is_a_problem_not_a_pass(tmp_path: Path) -> None:
    path = _write(tmp_path)
    assert BpmnLint(ROOT).check([path]) == []
    [problem] = BpmnLint(ROOT, node=str(tmp_path / "no-node")).check([path])
    assert problem.file == str(path) and problem.line == 1
    assert problem.message.startswith("bpmnlint could not run: Node.js (node) not found")
