"""Checking a draft before it is deployed: the validator's problems and the sandbox scenarios."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.engine import parsing
from app.engine.bpmnlint import BpmnLint
from app.engine.parsing import Problem
from app.features.modeling import draft_forms
from app.features.modeling.deployments import DeploymentRejected, DeploymentService
from app.features.modeling.draft_forms import check_form
from app.features.modeling.policy_scenarios import ScenarioLibrary, ScenarioOutcome, run_in_sandbox
from app.features.modeling.process_catalog import DraftView, ProcessCatalog
from app.kernel.config import ROOT
from app.store.models import ProcessVersion


class DraftChecks(ProcessCatalog):
    """Validation and scenario runs on a copy of processes/ and forms/ with the draft in."""

    deployments: DeploymentService
    scenarios: ScenarioLibrary
    sandbox_timeout: float

    # -- validation and tests --------------------------------------------------------------
    def validate_draft(self, draft_id: int) -> list[Problem]:
        """The checks of `processes validate`, on the draft with its edited forms."""
        draft = self.draft(draft_id)
        with tempfile.TemporaryDirectory(prefix="sitransfer-draft-") as tmp:
            processes, forms = self._workspace(draft, Path(tmp), draft.forms)
            return self._validate(draft, processes, forms)

    def run_scenarios(self, draft_id: int) -> list[ScenarioOutcome]:
        """Every scenario (built-in and saved) against the draft, in a throwaway database."""
        draft = self.draft(draft_id)
        with tempfile.TemporaryDirectory(prefix="sitransfer-sandbox-") as tmp:
            work = Path(tmp)
            processes, forms = self._workspace(draft, work, draft.forms)
            problems = self._validate(draft, processes, forms)
            if problems:
                raise DeploymentRejected(problems)
            return run_in_sandbox(
                work,
                processes,
                forms,
                self.scenarios.overrides(),
                self.scenarios.all(),
                self.sandbox_timeout,
            )

    def _workspace(self, draft: DraftView, root: Path, forms: dict[str, Any]) -> tuple[Path, Path]:
        """processes/ and forms/ as they would be after deploying the draft: the newest
        deployed version of every other process, the live forms plus the draft's."""
        processes = root / "processes"
        processes.mkdir()
        # Every file: diagrams and their data (limits.json and whatever else lives there).
        for path in self.processes_dir.iterdir():
            if path.is_file() and not path.name.startswith("."):
                shutil.copyfile(path, processes / path.name)
        with self.db.sessions() as session:
            newest = select(
                ProcessVersion.process_id, func.max(ProcessVersion.version).label("v")
            ).group_by(ProcessVersion.process_id)
            for process_id, version in session.execute(newest).all():
                xml = session.execute(
                    select(ProcessVersion.bpmn_xml).where(
                        ProcessVersion.process_id == process_id, ProcessVersion.version == version
                    )
                ).scalar_one()
                (processes / f"{process_id}.bpmn").write_text(xml, encoding="utf-8")
        (processes / f"{draft.process_id}.bpmn").write_text(draft.bpmn_xml, encoding="utf-8")
        form_dir = root / "forms"
        shutil.copytree(self.forms_dir, form_dir)
        for name, schema in forms.items():
            (form_dir / name).write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
        return processes, form_dir

    def _validate(self, draft: DraftView, processes: Path, forms: Path) -> list[Problem]:
        path = processes / f"{draft.process_id}.bpmn"
        shown = f"processes/{draft.process_id}.bpmn"
        problems = [
            Problem(
                shown if p.file == str(path) else p.file.replace(str(forms), "forms"),
                p.line,
                p.element_id,
                p.message.replace(str(path), shown),
            )
            for p in parsing.validate(
                [path], forms, self.deployments.deployed_ids(), BpmnLint(ROOT).check
            )
        ]
        users = draft_forms.form_users(draft.bpmn_xml)
        for name, schema in draft.forms.items():
            for error in check_form(name, schema):
                problems.append(Problem(f"forms/{name}", 0, users.get(name, ""), error.message))
        return problems
