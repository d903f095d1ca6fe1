"""What changed between two BPMN documents, element by element (names, lanes, forms, timers...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.engine.lanes import lane_role

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
FORM_PROPERTY = "formJsonSchemaFilename"

# The attributes a policy officer cares about, in display order, with their Chinese labels.
FIELDS: dict[str, str] = {
    "type": "类型",
    "name": "名称",
    "container": "所属（子）流程",
    "lane": "泳道（岗位）",
    "form": "表单",
    "timer": "时限表达式",
    "condition": "条件",
    "source": "起点",
    "target": "终点",
    "default": "默认流向",
    "called": "调用流程",
    "message": "消息",
    "attached": "附着于",
    "interrupting": "中断活动",
    "script": "脚本",
    "properties": "扩展属性",
    "documentation": "说明",
}
# Children of a process that are not elements of their own for the diff.
_SKIP = {"laneSet", "documentation", "extensionElements", "incoming", "outgoing"}
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


class BpmnDiffError(ValueError):
    """One of the documents is not well-formed XML."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # added | removed | changed
    type: str
    name: str
    changes: tuple[FieldChange, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.element_id,
            "kind": self.kind,
            "type": self.type,
            "name": self.name,
            "changes": [c.__dict__ for c in self.changes],
        }


@dataclass
class BpmnDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def all(self) -> list[ElementChange]:
        return [*self.added, *self.removed, *self.changed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [c.as_dict() for c in self.added],
            "removed": [c.as_dict() for c in self.removed],
            "changed": [c.as_dict() for c in self.changed],
        }

    def lines(self) -> list[str]:
        """The diff as plain text, one line per element (and one per changed field)."""
        out: list[str] = []
        for item in self.added:
            out.append(f"+ {item.element_id} {item.type} {item.name}".rstrip())
        for item in self.removed:
            out.append(f"- {item.element_id} {item.type} {item.name}".rstrip())
        for item in self.changed:
            out.append(f"~ {item.element_id} {item.type} {item.name}".rstrip())
            for change in item.changes:
                out.append(
                    f"    {change.label}: {change.old or '（无）'} → {change.new or '（无）'}"
                )
        return out


def parse_xml(xml: str | bytes) -> Any:
    """Parse untrusted XML without entities or network access (drafts come from a browser)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnDiffError(f"XML 格式错误（第 {exc.lineno} 行）：{exc.msg}") from exc


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _text(node: Any) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def describe(xml: str | bytes) -> dict[str, dict[str, str]]:
    """Every element of every process (and lane and message) by id, with the fields of FIELDS."""
    root = parse_xml(xml)
    messages = {
        m.get("id"): m.get("name") or m.get("id") for m in root.iterfind("bpmn:message", NS)
    }
    result: dict[str, dict[str, str]] = {}
    for message_id, name in messages.items():
        result[message_id] = {"type": "message", "name": name or ""}
    for process in root.iterfind("bpmn:process", NS):
        lane_of: dict[str, str] = {}
        for lane in process.iterfind(".//bpmn:lane", NS):
            # A lane's label is for people; who works its tasks is its role property.
            role = lane_role(lane)
            result[lane.get("id")] = {"type": "lane", "name": lane.get("name", ""), "lane": role}
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                lane_of[(ref.text or "").strip()] = role
        _describe_container(process, process.get("id"), "", lane_of, messages, result)
    return result


def _describe_container(
    container: Any,
    container_id: str,
    inherited_lane: str,
    lane_of: dict[str, str],
    messages: dict[str, str],
    result: dict[str, dict[str, str]],
) -> None:
    for node in container:
        kind = _local(node)
        if not kind or kind in _SKIP or not node.get("id"):
            continue
        element_id = node.get("id")
        # A node inside an embedded subprocess works in the subprocess's lane.
        lane = lane_of.get(element_id, inherited_lane)
        info = {
            "type": kind,
            "name": node.get("name", ""),
            "container": container_id,
            "lane": lane if kind != "sequenceFlow" else "",
            "documentation": _text(node.find("bpmn:documentation", NS)),
        }
        if kind == "sequenceFlow":
            info["source"] = node.get("sourceRef", "")
            info["target"] = node.get("targetRef", "")
            info["condition"] = _text(node.find("bpmn:conditionExpression", NS))
        if node.get("default"):
            info["default"] = node.get("default", "")
        if kind == "callActivity":
            info["called"] = node.get("calledElement", "")
        if node.get("attachedToRef"):
            info["attached"] = node.get("attachedToRef", "")
            info["interrupting"] = node.get("cancelActivity", "true")
        timer = node.find("bpmn:timerEventDefinition", NS)
        if timer is not None:
            info["timer"] = "; ".join(
                f"{_local(expr)}: {_text(expr)}" for expr in timer if _local(expr) in TIMER_KINDS
            )
        message_ref = node.get("messageRef") or ""
        definition = node.find("bpmn:messageEventDefinition", NS)
        if definition is not None:
            message_ref = definition.get("messageRef") or "（未指定）"
        if message_ref:
            info["message"] = messages.get(message_ref, message_ref)
        script = node.find("bpmn:script", NS)
        if script is not None:
            info["script"] = (script.text or "").strip()
        props = {
            p.get("name"): p.get("value", "")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/*", NS)
        }
        if FORM_PROPERTY in props:
            info["form"] = props.pop(FORM_PROPERTY)
        if props:
            info["properties"] = ", ".join(f"{k}={v}" for k, v in sorted(props.items()))
        result[element_id] = info
        if kind in ("subProcess", "transaction", "adHocSubProcess"):
            _describe_container(node, element_id, lane, lane_of, messages, result)


def diff(old_xml: str | bytes, new_xml: str | bytes) -> BpmnDiff:
    """Elements added, removed and changed from old to new; diagram layout is ignored."""
    old = describe(old_xml)
    new = describe(new_xml)
    result = BpmnDiff()
    for element_id, info in new.items():
        if element_id not in old:
            result.added.append(ElementChange(element_id, "added", info["type"], info["name"]))
    for element_id, info in old.items():
        if element_id not in new:
            result.removed.append(ElementChange(element_id, "removed", info["type"], info["name"]))
            continue
        other = new[element_id]
        changes = tuple(
            FieldChange(key, label, info.get(key, ""), other.get(key, ""))
            for key, label in FIELDS.items()
            if info.get(key, "") != other.get(key, "")
        )
        if changes:
            result.changed.append(
                ElementChange(element_id, "changed", other["type"], other["name"], changes)
            )
    return result
