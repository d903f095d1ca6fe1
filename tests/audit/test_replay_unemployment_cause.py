"""Replay safety of the 失业原因 rule (2021 通知 第三条（一））: an unemployed person's review
recorded on a diagram version before the rule (no cause) still replays identically."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from tests.audit.earlier_forms import deploy_before, office_on_copied_processes
from tests.conftest import freeze
from tests.helpers import complete, pass_review, scenario
from tests.processes.driver import UNEMPLOYMENT_OUT_OK_BENEFIT

# The line of receive that, from the version introducing the rule on, turns the check on.
FLAG = (
    "\nunemployment_cause_required = "
    "(application.get('status') or {}).get('employment') == 'unemployed'"
)
OUT_REVIEW = {"process": "unemployment_transfer", "task": "out_review"}
WITHOUT_CAUSE = {k: v for k, v in UNEMPLOYMENT_OUT_OK_BENEFIT.items() if k != "unemployment_cause"}


def submit_recipient(office: Backoffice) -> str:
    """A benefit recipient going back to the 户籍 place, unemployment only."""
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    application["insurances"] = ["unemployment"]
    application["status"]["employment"] = "unemployed"
    application["unemployment"]["receiving_benefit"] = True
    application["unemployment"]["benefit_at_hukou"] = True
    number = office.applications.submit(application, Actor("portal", "applicant")).case_number
    pass_review(office, number)  # the bundle's 审核 comes first (seed 000 十四)
    return number


def test_a_review_recorded_before_the_cause_rule_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    with office_on_copied_processes(database_url, tmp_path) as office:
        freeze("2026-09-28T09:00:00+08:00")
        # The current version refuses an unemployed person's approval without the cause ...
        current = submit_recipient(office)
        with pytest.raises(ValidationFailed):
            complete(office, current, {**OUT_REVIEW, "data": WITHOUT_CAUSE})

        # ... a version without the rule (as deployed before it) accepted the same input.
        deploy_before(office, "unemployment_transfer", FLAG, "失业原因之前的版本")
        earlier = submit_recipient(office)
        complete(office, earlier, {**OUT_REVIEW, "data": WITHOUT_CAUSE})

        replayed = Replayer(office).replay(earlier)
        assert replayed.identical, replayed.line()
