"""`processes versions|diff|migrate` on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.features.modeling.drafts import ModelingService
from tests.conftest import freeze, settings_for
from tests.helpers import case_row
from tests.modeling.support import medical_case, shorter_contact_letter

MEDICAL = "medical_transfer"


def test_versions_diff_and_migrate(
    database_url: str, folders: tuple[Path, Path], make_app: Any
) -> None:
    settings = settings_for(database_url)
    settings.processes_dir, settings.forms_dir = folders
    app = make_app(settings)
    office = app.extensions["backoffice"]
    runner = app.test_cli_runner()
    freeze("2026-09-28T09:00:00+08:00")
    number = medical_case(office)
    modeling = ModelingService.for_backoffice(office, four_eyes=False)
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    modeling.save_draft(
        draft_id, shorter_contact_letter(modeling.draft(draft_id).bpmn_xml), {}, "policy_a"
    )
    modeling.deploy(draft_id, "联系函10个工作日", "policy_a")

    listed = runner.invoke(args=["processes", "versions", MEDICAL])
    assert listed.exit_code == 0
    assert listed.output.splitlines()[0].startswith(f"{MEDICAL} version 2 ")
    assert "policy_a" in listed.output and "联系函10个工作日" in listed.output

    diff = runner.invoke(args=["processes", "diff", MEDICAL, "1", "2"])
    assert diff.exit_code == 0
    assert "~ timer_contact_letter boundaryEvent" in diff.output
    assert "deadline(medical_accepted_at, 10)" in diff.output
    assert runner.invoke(args=["processes", "diff", MEDICAL, "1", "9"]).exit_code == 1

    dry = runner.invoke(args=["processes", "migrate", MEDICAL, "1", "2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{number} safe: 时限 联系函时限届满" in dry.output
    assert dry.output.splitlines()[-1] == "1 running case(s): 1 safe, 0 refused"
    pinned = case_row(office, number).pinned[MEDICAL]

    real = runner.invoke(args=["processes", "migrate", MEDICAL, "1", "2", "--by", "policy_b"])
    assert real.exit_code == 0, real.output
    assert real.output.splitlines()[-1] == "1 running case(s): 1 migrated, 0 refused"
    assert case_row(office, number).pinned[MEDICAL] != pinned
