"""Replay safety of the balance-arrival step and the amount check at transfer-in (规程 第七条):
a transfer-in completed on a version before them (no arrival step, any credited amount) still
replays identically."""

from __future__ import annotations

import copy
from pathlib import Path

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.kernel.config import ROOT
from tests.audit.earlier_forms import submit_one
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import complete, scenario

MEDICAL = "medical_transfer"
FIXTURE = Path(__file__).parent / "fixtures" / "medical_transfer_before_balance_arrival.bpmn"


def test_a_transfer_in_recorded_before_the_arrival_step_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "processes"
    folder.mkdir()
    settings = settings_for(database_url)
    settings.processes_dir = ROOT / "processes"
    office = Backoffice(settings, clock=current_clock())
    try:
        freeze("2026-09-28T09:00:00+08:00")
        # The diagram as deployed before the step (a copy kept with the tests): the 信息表 and
        # the balance arrive together when the transfer-out step completes.
        earlier = FIXTURE.read_text(encoding="utf-8")
        assert 'id="balance_arrival"' not in earlier
        path = folder / "medical_transfer.bpmn"
        path.write_text(earlier, encoding="utf-8")
        # (Its lanes carry their roles as today's files do; it predates the bpmnlint check.)
        office.deployments.deploy([path], "余额到账登记之前的版本", "policy_a", standard=False)
        number = submit_one(office, "medical")
        steps = [
            copy.deepcopy(s)
            for s in scenario("bundle_all_three_success")["steps"]
            if s.get("process") == MEDICAL and s["task"] != "balance_arrival"
        ]
        # That version took any credited amount: 1,000.00 against a 信息表 of 1,234.56.
        steps[-1]["data"]["medical_credited_amount"] = "1000.00"
        for step in steps:
            complete(office, number, step)

        replayed = Replayer(office).replay(number)
        assert replayed.identical, replayed.line()
        assert replayed.line().startswith("identical ")
    finally:
        office.close()
