"""The diagrams and forms in the repository: all valid (schema, SpiffWorkflow, our lint rules,
DI for every element), every user task has a lane and a form, every form belongs to a task."""

from __future__ import annotations

import re

from lxml import etree

from app.engine import parsing
from app.kernel.config import ROOT

PROCESSES = sorted((ROOT / "processes").glob("*.bpmn"))


def test_every_diagram_validates() -> None:
    assert [p.stem for p in PROCESSES] == [
        "medical_transfer",
        "one_thing_bundle",
        "pension_transfer",
        "unemployment_transfer",
    ]
    assert parsing.validate(PROCESSES, ROOT / "forms", set()) == []


def test_every_form_belongs_to_a_user_task_and_every_task_has_one() -> None:
    referenced = set()
    for path in PROCESSES:
        tree = etree.parse(str(path))
        for task in tree.iterfind(".//bpmn:userTask", parsing.NS):
            prop = task.find(
                f".//spiffworkflow:property[@name='{parsing.FORM_PROPERTY}']", parsing.NS
            )
            assert prop is not None, f"{path.name}: {task.get('id')} has no form"
            referenced.add(prop.get("value"))
    # Forms deployed from the modeler keep a content hash in their name (older versions' forms
    # stay for the cases pinned to them); the working copies are the plain names.
    working_copies = {
        p.name
        for p in (ROOT / "forms").glob("*.json")
        if not re.search(r"\.[0-9a-f]{10}\.json$", p.name)
    }
    assert working_copies == referenced
