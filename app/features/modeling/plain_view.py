"""What policy staff read instead of code: a process's Chinese name and each timer's limit in
words ("15 个工作日（medical.transfer_in，瓯海区 15）"), from the diagram and limits.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from app.documents.regions import REGIONS

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
_NAME = r"[A-Za-z_]\w*"
_KEY = r"""['"]([^'"]+)['"]"""
# The timer expressions the validator allows (engine.parsing.ALLOWED_TIMER_CALLS), by shape.
_BY_LIMIT = re.compile(rf"^deadline\(\s*({_NAME})\s*,\s*limit\(\s*{_KEY}\s*,\s*({_NAME})\s*\)")
_LIMIT_DEADLINE = re.compile(rf"^limit_deadline\(\s*({_NAME})\s*,\s*{_KEY}\s*,\s*({_NAME})")
_FIXED = re.compile(rf"^deadline\(\s*({_NAME})\s*,\s*(\d+)\s*[,)]")
_MONTHS = re.compile(rf"^month_deadline\(\s*({_NAME}(?:\(\))?)\s*,\s*(\d+)\s*\)")
_PERIOD = re.compile(r"""^['"]?P(\d+)D['"]?$""")

# The process variables timers start from, in words (the rest are shown as they are).
START_LABELS = {
    "accepted_at": "受理之日",
    "decided_at": "作出决定之日",
    "now()": "到达该环节之日",
    "medical_accepted_at": "医保受理之日",
    "medical_contact_letter_received_at": "收到联系函之日",
    "medical_info_received_at": "收到信息表和余额之日",
    "pension_accepted_at": "养老受理之日",
    "pension_letter_received_at": "收到联系函之日",
    "pension_funds_received_at": "收到关系和资金之日",
    "unemployment_requested_at": "申请之日",
    "unemployment_letter_received_at": "收到联系函之日",
}
SIDES = {
    "transfer_in": "转入地经办机构",
    "transfer_out": "转出地经办机构",
    "bundle": "“一件事”受理窗口（转入地）",
    "legacy": "仅旧版本流程使用",
}


@dataclass(frozen=True)
class LimitInfo:
    """One named limit of limits.json: its default, each region's own value, whose steps it
    times and the law it comes from."""

    key: str
    default: int | None
    regions: dict[str, int | None]
    side: str
    source: str

    @property
    def text(self) -> str:
        head = "默认不设时限" if self.default is None else days(self.default)
        own = [f"{short_name(code)} {_value(v)}" for code, v in self.regions.items()]
        return f"{head}（{'，'.join([self.key, *own])}）"


@dataclass(frozen=True)
class TimerLimit:
    """A timer of a diagram as policy staff read it."""

    element_id: str
    name: str  # the timer's own name (its id when it has none)
    task: str  # the name of the step it is attached to ("" for a free-standing timer)
    start: str  # from when it counts, in words
    text: str  # the limit in words
    key: str | None  # the limits.json name it reads, if any
    side: str
    source: str
    expression: str


def days(n: int) -> str:
    return "即办（当日）" if n == 0 else f"{n} 个工作日"


def _value(v: int | None) -> str:
    return "不设" if v is None else str(v)


def short_name(code: str) -> str:
    """瓯海区 for 温州市瓯海区 (the district is what a policy officer says); the code when the
    region is unknown."""
    region = REGIONS.get(code)
    if region is None:
        return code
    name = str(region.name)
    head, _, tail = name.rpartition("市")
    return tail if head and tail else name


def load_limits(path: Path) -> dict[str, LimitInfo]:
    """Every limit named in limits.json (its "default"), with the regions that set their own."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    regional: dict[str, dict[str, Any]] = data.get("regions", {})
    binds: dict[str, str] = data.get("binds", {})
    legacy: dict[str, str] = data.get("legacy", {})
    sources: dict[str, str] = data.get("sources", {})
    result: dict[str, LimitInfo] = {}
    for key, default in data.get("default", {}).items():
        result[key] = LimitInfo(
            key,
            None if default is None else int(default),
            {
                code: None if values[key] is None else int(values[key])
                for code, values in sorted(regional.items())
                if key in values
            },
            SIDES.get(binds.get(key) or ("legacy" if key in legacy else ""), ""),
            str(sources.get(key, "")),
        )
    return result


def process_name(xml: str, process_id: str) -> str:
    """The name of the <bpmn:process> with this id ("" when it has none or the XML is bad)."""
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return ""
    for process in root.iterfind("bpmn:process", NS):
        if process.get("id") == process_id:
            return str(process.get("name") or "")
    return ""


def timer_limits(xml: str, limits: dict[str, LimitInfo]) -> list[TimerLimit]:
    """Every timer of the diagram, in document order, with its limit in words."""
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []
    names = {el.get("id"): el.get("name") or "" for el in root.iter() if el.get("id")}
    found = []
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event = definition.getparent()
        expression = " ".join(
            (child.text or "").strip() for child in definition if isinstance(child.tag, str)
        ).strip()
        task = names.get(event.get("attachedToRef"), "") or ""
        name = event.get("name") or event.get("id")
        found.append(_describe(str(event.get("id")), str(name), expression, limits, task))
    return found


def _describe(
    element_id: str, name: str, expression: str, limits: dict[str, LimitInfo], task: str
) -> TimerLimit:
    start, text, key = _parse(expression, limits)
    info = limits.get(key or "")
    side = info.side if info else ""
    source = info.source if info else ""
    return TimerLimit(element_id, name, task, start, text, key, side, source, expression)


def _parse(expression: str, limits: dict[str, LimitInfo]) -> tuple[str, str, str | None]:
    """(from when, the limit in words, the limits.json name) of a timer expression."""
    match = _BY_LIMIT.match(expression) or _LIMIT_DEADLINE.match(expression)
    if match:
        start, key = match.group(1), match.group(2)
        info = limits.get(key)
        return _start(start), info.text if info else f"时限表中没有 {key}", key
    fixed = _FIXED.match(expression)
    if fixed:
        return _start(fixed.group(1)), f"{days(int(fixed.group(2)))}（固定，不随地区变化）", None
    months = _MONTHS.match(expression)
    if months:
        return _start(months.group(1)), f"{months.group(2)} 个月（到期日为休息日的顺延）", None
    period = _PERIOD.match(expression)
    if period:
        return "到达该环节之时", f"{period.group(1)} 个自然日", None
    return "", "（表达式）", None


def _start(variable: str) -> str:
    return START_LABELS.get(variable, variable)
