"""Test support for replay safety: forms/ as deployed before a field existed, a diagram as
deployed before a rule's flag existed, and a case of one insurance to record a completion on."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.config import ROOT
from tests.conftest import current_clock, settings_for
from tests.helpers import pass_review, scenario


def forms_without(folder: Path, form: str, fields: Iterable[str]) -> Path:
    """A copy of forms/ in `folder` whose `form` neither has nor requires `fields` (nor
    constrains them in its conditional branches)."""
    fields = set(fields)
    shutil.copytree(ROOT / "forms", folder)
    path = folder / form
    schema = json.loads(path.read_text(encoding="utf-8"))
    for name in fields:
        del schema["properties"][name]
    for branch in schema.get("allOf", []):
        then = branch["then"]
        then["required"] = [f for f in then.get("required", []) if f not in fields]
        for name in fields:
            then.get("properties", {}).pop(name, None)
        if not then.get("properties", True):
            del then["properties"]
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return folder


def submit_one(office: Backoffice, insurance: str) -> str:
    """The scenario's online application for one insurance only, its 审核 passed (seed 000
    十四: the review comes before the transfers); its case number."""
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    application["insurances"] = [insurance]
    number = office.applications.submit(application, Actor("portal", "applicant")).case_number
    pass_review(office, number)
    return number


@contextmanager
def office_on_copied_processes(database_url: str, tmp_path: Path) -> Iterator[Backoffice]:
    """A Backoffice reading a copy of processes/, so that a test can deploy an earlier
    version of a diagram without touching the working tree."""
    settings = settings_for(database_url)
    settings.processes_dir = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", settings.processes_dir)
    office = Backoffice(settings, clock=current_clock())
    try:
        yield office
    finally:
        office.close()


def deploy_before(office: Backoffice, process: str, flag: str, note: str) -> None:
    """Deploy `process` as it was before `flag` (the script line that turns a rule on)."""
    path = office.settings.processes_dir / f"{process}.bpmn"
    xml = path.read_text(encoding="utf-8")
    assert xml.count(flag) == 1
    path.write_text(xml.replace(flag, ""), encoding="utf-8")
    office.deployments.deploy([path], note, "policy_a")
