"""Reads BPMN files: validates them (schema, SpiffWorkflow, our lint rules) and parses specs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from . import state
from .collaboration import message_started
from .lanes import RoleLaneParser, role_problem

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FORM_PROPERTY = "formJsonSchemaFilename"
# deadline: working days; limit_deadline: a working-day limit of the side's region, if any;
# month_deadline: "n个月内" as the law counts months (民法典 第二百零一至二百零三条).
ALLOWED_TIMER_CALLS = ("deadline(", "limit_deadline(", "month_deadline(")
# Calendar periods in days or weeks may be quoted ISO-8601 durations ('P7D'). Months and years
# may not: SpiffWorkflow's 'P1M' adds the start month's day count in UTC at the start's clock
# time, which is not how a "1个月内" limit ends; such limits call month_deadline(start, n).
CALENDAR_PERIOD = re.compile(r"""^(['"])P(\d+[WD])+\1$""")


@dataclass(frozen=True)
class Problem:
    """One validation finding, printed as FILE:LINE: element-id: message."""

    file: str
    line: int | str
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.element_id or '-'}: {self.message}"


@dataclass
class ParsedProcess:
    """A process ready to store as a version: source, hash, parsed spec and what it calls."""

    process_id: str
    path: Path
    xml: str
    sha256: str
    spec_json: bytes
    calls: list[str] = field(default_factory=list)


def _lint(path: Path, tree: Any, forms_dir: Path, known_processes: set[str]) -> list[Problem]:
    """Our rules on top of the BPMN schema: lanes, forms, timers, expressions, call targets."""
    problems: list[Problem] = []
    name = str(path)

    def add(node: Any, message: str) -> None:
        problems.append(Problem(name, node.sourceline or 0, node.get("id", ""), message))

    processes = tree.findall("bpmn:process", NS)
    if path.stem not in {p.get("id") for p in processes}:
        problems.append(
            Problem(
                name,
                1,
                path.stem,
                f"no process with id {path.stem!r} (id must equal the file name)",
            )
        )
    shapes = {s.get("bpmnElement") for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    for process in processes:
        laned = {ref.text for ref in process.iterfind(".//bpmn:flowNodeRef", NS)}
        node_ids = {n.get("id") for n in process.iter() if n.get("id")}
        for lane in process.iterfind(".//bpmn:lane", NS):
            if (why := role_problem(lane)) is not None:
                add(lane, why)
        for task in process.iterfind(".//bpmn:userTask", NS):
            # A task inside an embedded subprocess takes the subprocess's lane.
            ancestors = {a.get("id") for a in task.iterancestors()}
            if task.get("id") not in laned and not ancestors & laned:
                add(task, "user task is not in a lane (the lane's role works it)")
            prop = task.find(f".//spiffworkflow:property[@name='{FORM_PROPERTY}']", NS)
            if prop is None or not prop.get("value"):
                add(task, "user task has no form (spiffworkflow property formJsonSchemaFilename)")
            else:
                form_path = forms_dir / prop.get("value")
                if not form_path.exists():
                    add(task, f"form {prop.get('value')} does not exist in forms/")
                else:
                    try:
                        json.loads(form_path.read_text(encoding="utf-8"))
                    except ValueError as exc:
                        add(task, f"form {prop.get('value')} is not valid JSON: {exc}")
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in node_ids:
                    add(flow, f"{end} {flow.get(end)!r} names no element of this process")
            cond = flow.find("bpmn:conditionExpression", NS)
            if cond is not None and cond.text:
                problems.extend(_compile(name, flow, cond.text.strip(), "eval"))
            if flow.get("id") not in edges:
                add(flow, "sequence flow has no diagram edge (BPMN DI)")
        for script in process.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
            problems.extend(_compile(name, script.getparent(), script.text or "", "exec"))
        for timer in process.iterfind(".//bpmn:timerEventDefinition", NS):
            event = timer.getparent()
            for expr in timer:
                if etree.QName(expr).localname == "timeCycle":
                    add(event, "repeating timers (timeCycle) are not supported: a limit is a date")
                    continue
                text = (expr.text or "").strip()
                problems.extend(_compile(name, event, text, "eval"))
                if not text.startswith(ALLOWED_TIMER_CALLS) and not CALENDAR_PERIOD.match(text):
                    add(
                        event,
                        "timer must call deadline(start, n), limit_deadline(start, key, region) or "
                        "month_deadline(start, n), or be a period in days like 'P7D'",
                    )
        for call in process.iterfind(".//bpmn:callActivity", NS):
            target = call.get("calledElement")
            if target not in known_processes:
                add(call, f"called process {target!r} is not deployed or in processes/")
        for node in process.iter():
            tag = etree.QName(node).localname if isinstance(node.tag, str) else ""
            if (
                tag
                in {
                    "userTask",
                    "scriptTask",
                    "serviceTask",
                    "callActivity",
                    "subProcess",
                    "exclusiveGateway",
                    "parallelGateway",
                    "inclusiveGateway",
                    "startEvent",
                    "endEvent",
                    "boundaryEvent",
                    "intermediateCatchEvent",
                    "intermediateThrowEvent",
                    "task",
                    "manualTask",
                }
                and node.get("id") not in shapes
            ):
                add(node, "element has no diagram shape (BPMN DI)")
    return problems


def _compile(file: str, node: Any, source: str, mode: str) -> list[Problem]:
    try:
        compile(source, f"<{node.get('id')}>", mode)
    except SyntaxError as exc:
        return [
            Problem(
                file, node.sourceline or 0, node.get("id", ""), f"Python syntax error: {exc.msg}"
            )
        ]
    return []


def validate(
    paths: list[Path],
    forms_dir: Path,
    deployed: set[str] | None = None,
    standard: Callable[[list[Path]], list[Problem]] | None = None,
) -> list[Problem]:
    """Everything that would stop these files from being deployed; empty when they are fine.
    standard: a further check of the files that are well-formed BPMN (bpmnlint)."""
    problems: list[Problem] = []
    trees: dict[Path, Any] = {}
    for path in paths:
        try:
            trees[path] = etree.parse(str(path)).getroot()
        except OSError as exc:
            problems.append(Problem(str(path), 0, "", f"cannot read file: {exc}"))
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(str(path), exc.lineno or 0, "", f"malformed XML: {exc.msg}"))
    known = set(deployed or set())
    for tree in trees.values():
        known |= {p.get("id") for p in tree.findall("bpmn:process", NS)}
    well_formed: list[Path] = []
    for path, tree in trees.items():
        try:
            VALIDATOR.validate(tree, str(path))
        except ValidationException as exc:
            problems.append(Problem(str(path), exc.line_number, exc.id, f"BPMN schema: {exc}"))
            continue
        problems.extend(_lint(path, tree, forms_dir, known))
        well_formed.append(path)
    if standard is not None:
        problems.extend(standard(well_formed))
    if problems:
        return problems
    try:
        parse(paths, extra_dirs=[])
    except (ValidationException, SpiffWorkflowException) as exc:
        file = getattr(exc, "file_name", "") or str(paths[0])
        problems.append(
            Problem(file, getattr(exc, "line_number", 0), getattr(exc, "id", ""), str(exc))
        )
    return problems


def parse(paths: list[Path], extra_dirs: list[Path]) -> dict[str, ParsedProcess]:
    """Parse the given files (with any other files they call from extra_dirs) into specs."""
    parser = RoleLaneParser(validator=VALIDATOR)
    wanted = {p.resolve() for p in paths}
    stems = {p.stem for p in paths}
    for directory in extra_dirs:
        for other in sorted(directory.glob("*.bpmn")):
            # A file being deployed replaces the working copy of the same process.
            if other.resolve() not in wanted and other.stem not in stems:
                parser.add_bpmn_file(str(other))
    parser.add_bpmn_files([str(p) for p in paths])
    result: dict[str, ParsedProcess] = {}
    for path in paths:
        xml = path.read_text(encoding="utf-8")
        process_id = path.stem
        spec = parser.get_spec(process_id)
        embedded, calls = _subprocesses(parser, spec)
        # The file's message-started participants (a transfer's transfer-out agency) are
        # versioned with the file's process: stored with it, pinned with it.
        for participant in _participants(parser, xml, process_id):
            embedded[participant.name] = participant
            more, more_calls = _subprocesses(parser, participant)
            embedded.update(more)
            calls |= more_calls
        payload = {
            "spec": state.spec_to_dict(spec),
            "embedded": {name: state.spec_to_dict(s) for name, s in embedded.items()},
        }
        result[process_id] = ParsedProcess(
            process_id=process_id,
            path=path,
            xml=xml,
            sha256=hashlib.sha256(xml.encode("utf-8")).hexdigest(),
            spec_json=state.dumps(payload),
            calls=sorted(calls),
        )
    return result


def _subprocesses(parser: Any, spec: Any) -> tuple[dict[str, Any], set[str]]:
    """Embedded subprocess specs belong to this version; call activities name other processes."""
    embedded: dict[str, Any] = {}
    calls: set[str] = set()
    pending = [spec]
    while pending:
        current = pending.pop()
        for task_spec in current.task_specs.values():
            if isinstance(task_spec, CallActivity):
                calls.add(task_spec.spec)
            elif isinstance(task_spec, SubWorkflowTask) and task_spec.spec not in embedded:
                sub = parser.get_spec(task_spec.spec)
                embedded[task_spec.spec] = sub
                pending.append(sub)
    return embedded, calls


def _participants(parser: Any, xml: str, process_id: str) -> list[Any]:
    """The other executable processes of a file that start on a message only."""
    root = etree.fromstring(xml.encode("utf-8"))
    found = []
    for process in root.findall("bpmn:process", NS):
        other = process.get("id")
        if other == process_id or process.get("isExecutable") != "true":
            continue
        spec = parser.get_spec(other)
        if message_started(spec):
            found.append(spec)
    return found
