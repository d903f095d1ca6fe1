"""Every task hook (a rule run when a user task completes) names a user task that exists in the
current diagram of its process: renaming an element in the modeler cannot silently drop a rule."""

from __future__ import annotations

from lxml import etree

from app.bootstrap import Backoffice
from app.kernel.config import ROOT

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _user_tasks(process_id: str) -> set[str]:
    tree = etree.parse(str(ROOT / "processes" / f"{process_id}.bpmn"))
    return {node.get("id") for node in tree.iter(f"{BPMN}userTask")}


def test_every_task_hook_is_on_a_user_task_of_the_deployed_diagrams(
    backoffice: Backoffice,
) -> None:
    hooks = backoffice.cases.task_hooks
    assert len(hooks) >= 10  # acceptance, transfer rules, local rules
    missing = sorted(
        f"{process}/{element}" for process, element in hooks if element not in _user_tasks(process)
    )
    assert missing == []
