"""Readable diagrams: in every diagram's DI no label box overlaps a shape or another label.

A label's box is where bpmn-js draws it: the BPMNLabel bounds, with the text wrapped at the
bounds' width (11px labels, line height 1.2), so a label too narrow for its text grows down.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from app.engine.parsing import NS
from app.kernel.config import ROOT

NS_DC = {**NS, "dc": "http://www.omg.org/spec/DD/20100524/DC"}
PROCESSES = sorted((ROOT / "processes").glob("*.bpmn"))
FONT = 11  # bpmn-js external labels: the default 12px less one
LINE = FONT * 1.2
CONTAINERS = {"lane", "participant"}


@dataclass(frozen=True)
class Box:
    what: str
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


def text_width(text: str) -> float:
    """Width of a line at 11px: wide (CJK) characters are square, others about half."""
    return sum(FONT if unicodedata.east_asian_width(c) in "WF" else FONT * 0.55 for c in text)


def lines(text: str, width: float) -> int:
    """How many lines the text takes wrapped at width (wrapping anywhere, as CJK text does)."""
    count, current = 1, 0.0
    for char in text:
        step = text_width(char)
        if current and current + step > width:
            count, current = count + 1, 0.0
        current += step
    return count


def _bounds(node: etree._Element) -> tuple[float, float, float, float]:
    b = node.find("dc:Bounds", NS_DC)
    assert b is not None
    return (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))


def boxes(path: Path) -> tuple[list[Box], list[Box]]:
    """(shapes, labels) of a diagram: flow node shapes, and every drawn label's box."""
    root = etree.parse(str(path)).getroot()
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    shapes: list[Box] = []
    labels: list[Box] = []
    for di in list(root.iterfind(".//bpmndi:BPMNShape", NS)) + list(
        root.iterfind(".//bpmndi:BPMNEdge", NS)
    ):
        element = elements[di.get("bpmnElement")]
        kind = etree.QName(element).localname
        if kind in CONTAINERS or di.get("isExpanded") == "true":
            continue
        if etree.QName(di).localname == "BPMNShape":
            shapes.append(Box(f"shape {element.get('id')}", *_bounds(di)))
        label = di.find("bpmndi:BPMNLabel", NS)
        name = (element.get("name") or "").strip()
        if label is None or not name:
            continue
        x, y, w, h = _bounds(label)
        h = max(h, lines(name, w) * LINE)
        labels.append(Box(f"label of {element.get('id')} ({name})", x, y, w, h))
    return shapes, labels


def overlaps(path: Path) -> list[str]:
    shapes, labels = boxes(path)
    found = []
    for i, label in enumerate(labels):
        for shape in shapes:
            if label.overlaps(shape):
                found.append(f"{label.what} overlaps {shape.what}")
        for other in labels[i + 1 :]:
            if label.overlaps(other):
                found.append(f"{label.what} overlaps {other.what}")
    return found


def external_labels_missing(path: Path) -> list[str]:
    """Named events, gateways and flows whose label position the diagram leaves to the tool."""
    root = etree.parse(str(path)).getroot()
    named = {
        e.get("id")
        for e in root.iter()
        if isinstance(e.tag, str)
        and e.get("name")
        and (
            etree.QName(e).localname.endswith(("Event", "Gateway"))
            or etree.QName(e).localname == "sequenceFlow"
        )
    }
    placed = {
        di.get("bpmnElement")
        for di in root.iter()
        if isinstance(di.tag, str) and di.find("bpmndi:BPMNLabel", NS) is not None
    }
    return sorted(named - placed)


@pytest.mark.parametrize("path", PROCESSES, ids=lambda p: p.stem)
def test_no_label_overlaps_a_shape_or_another_label(path: Path) -> None:
    assert external_labels_missing(path) == []
    assert overlaps(path) == []


def test_the_check_sees_an_overlap(tmp_path: Path) -> None:
    """A label moved onto its neighbour's shape is reported (the check is not vacuous)."""
    source = ROOT / "processes" / "pension_transfer.bpmn"
    tree = etree.parse(str(source))
    gateway = tree.find(".//bpmndi:BPMNShape[@bpmnElement='gw_eligible']", NS)
    task = tree.find(".//bpmndi:BPMNShape[@bpmnElement='contact_letter']/dc:Bounds", NS_DC)
    assert gateway is not None and task is not None
    label = gateway.find("bpmndi:BPMNLabel/dc:Bounds", NS_DC)
    assert label is not None
    label.set("x", task.get("x"))
    label.set("y", task.get("y"))
    moved = tmp_path / "pension_transfer.bpmn"
    tree.write(str(moved))
    assert any("gw_eligible" in o and "contact_letter" in o for o in overlaps(moved))
