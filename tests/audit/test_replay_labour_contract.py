"""Replay safety of the labour-contract check (浙江2017 第六条（一））: completions recorded on a
diagram version before the rule (no contract fields) still replay identically."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.features.audit.replay import Replayer
from app.kernel.errors import ValidationFailed
from tests.audit.earlier_forms import deploy_before, office_on_copied_processes, submit_one
from tests.conftest import freeze
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
    with office_on_copied_processes(database_url, tmp_path) as office:
        freeze("2026-09-28T09:00:00+08:00")
        # The current version refuses an employed worker's approval without the contract ...
        current = submit_one(office, "unemployment")
        with pytest.raises(ValidationFailed):
            complete(office, current, {**OUT_REVIEW, "data": BEFORE_RULE})

        # ... a version without the rule (as deployed before it) accepted the same input.
        deploy_before(office, "unemployment_transfer", FLAG, "劳动合同核验之前的版本")
        earlier = submit_one(office, "unemployment")
        complete(office, earlier, {**OUT_REVIEW, "data": BEFORE_RULE})

        replayed = Replayer(office).replay(earlier)
        assert replayed.identical, replayed.line()
        assert replayed.line().startswith("identical ")
