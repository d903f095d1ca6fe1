"""Replay safety of the labour-contract check (浙江2017 第六条（一））: completions recorded on a
diagram version before the rule (no contract fields) still replay identically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from app.errors import ValidationFailed
from app.services.backoffice import Backoffice
from app.services.replay import Replayer
from tests.audit.earlier_forms import submit_one
from tests.conftest import freeze, settings_for
from tests.helpers import complete
from tests.processes.driver import UNEMPLOYMENT_OUT_OK_BENEFIT

# The line of receive that, from the version introducing the rule on, turns the check on.
FLAG = (
    "\nunemployment_labour_contract_required = not "
    "(application.get('unemployment') or {}).get('receiving_benefit', False)"
)
OUT_REVIEW = {"process": "unemployment_transfer", "task": "out_review"}
# The review as entered before the rule; the 失业原因 came later and is not for employed workers.
BEFORE_RULE = {k: v for k, v in UNEMPLOYMENT_OUT_OK_BENEFIT.items() if k != "unemployment_cause"}


def test_a_review_recorded_before_the_contract_rule_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    settings = settings_for(database_url)
    settings.processes_dir = folder
    office = Backoffice(settings)
    try:
        freeze("2026-09-28T09:00:00+08:00")
        # The current version refuses an employed worker's approval without the contract ...
        current = submit_one(office, "unemployment")
        with pytest.raises(ValidationFailed):
            complete(office, current, {**OUT_REVIEW, "data": BEFORE_RULE})

        # ... a version without the rule (as deployed before it) accepted the same input.
        path = folder / "unemployment_transfer.bpmn"
        xml = path.read_text(encoding="utf-8")
        assert xml.count(FLAG) == 1
        path.write_text(xml.replace(FLAG, ""), encoding="utf-8")
        office.deployments.deploy([path], "劳动合同核验之前的版本", "policy_a")
        earlier = submit_one(office, "unemployment")
        complete(office, earlier, {**OUT_REVIEW, "data": BEFORE_RULE})

        replayed = Replayer(office).replay(earlier)
        assert replayed.identical, replayed.line()
        assert replayed.line().startswith("identical ")
    finally:
        office.close()
