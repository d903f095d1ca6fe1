"""Replay safety of the province reading of the pension temporary account (国办发〔2009〕66号
第五条第（二）项): a temporary account decided on a version before it (户籍 city ≠ transfer-in
city, even within Zhejiang) still replays identically."""

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
from tests.processes.driver import PENSION_CONTACT_TEMPORARY, PENSION_TEMPORARY_ACCOUNT

# The line of accept_app that, from the version introducing the province reading on, turns it on.
FLAG = "\npension_temporary_account_by_province = True"
CONTACT = {"process": "pension_transfer", "task": "contact_letter"}


def submit_within_zhejiang(office: Backoffice) -> str:
    """An Anhui 户籍 man of 54 moving 杭州 → 越城: a temporary account only by the city reading."""
    application = copy.deepcopy(scenario("pension_temporary_account")["application"])
    application["transfer_out_region"] = "330100"
    number = office.applications.submit(application, Actor("portal", "applicant")).case_number
    pass_review(office, number)  # the bundle's 审核 comes first (seed 000 十四)
    return number


def test_a_temporary_account_decided_by_the_city_reading_replays_identically(
    database_url: str, tmp_path: Path
) -> None:
    with office_on_copied_processes(database_url, tmp_path) as office:
        freeze("2026-09-28T09:00:00+08:00")
        # The current version refuses a temporary account for a move within Zhejiang ...
        current = submit_within_zhejiang(office)
        with pytest.raises(ValidationFailed):
            complete(office, current, {**CONTACT, "data": PENSION_CONTACT_TEMPORARY})

        # ... a version before the province reading required it for the same facts.
        deploy_before(office, "pension_transfer", FLAG, "临时账户按省判定之前的版本")
        earlier = submit_within_zhejiang(office)
        complete(office, earlier, {**CONTACT, "data": PENSION_CONTACT_TEMPORARY})
        complete(office, earlier, {"task": "temporary_account", "data": PENSION_TEMPORARY_ACCOUNT})

        replayed = Replayer(office).replay(earlier)
        assert replayed.identical, replayed.line()
        assert replayed.line().startswith("identical ")
