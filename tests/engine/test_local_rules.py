"""Wenzhou's local medical rules act on real cases: refunds refused elsewhere, pre-credit computed."""

from __future__ import annotations

import copy

import pytest

from app.bootstrap import Backoffice
from app.documents.regions import REGIONS
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from tests.conftest import freeze
from tests.helpers import complete, events, pass_review, scenario


def _medical_only(transfer_in: str, transfer_out: str) -> dict:  # type: ignore[type-arg]
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    application.update(
        insurances=["medical"], transfer_in_region=transfer_in, transfer_out_region=transfer_out
    )
    return application


def _steps() -> dict[str, dict]:  # type: ignore[type-arg]
    steps = scenario("bundle_all_three_success")["steps"]
    return {s["task"]: s for s in steps if s.get("process") == "medical_transfer"}


def _certify(backoffice: Backoffice, number: str, transfer_out: str) -> None:
    """Suspend and certify at the transfer-out region (its name is in the 凭证号), then the
    联系函 citing that certificate; the bundle's 审核 passed first (seed 000 十四)."""
    pass_review(backoffice, number)
    steps = copy.deepcopy(_steps())
    certificate = f"（浙）（{REGIONS[transfer_out].name}）（2026）第 000001 号"
    for name in ("suspend_and_certify", "contact_letter"):
        steps[name]["data"]["medical_certificate_number"] = certificate
        complete(backoffice, number, steps[name])


def test_refund_is_refused_where_the_transfer_out_region_has_no_such_rule(
    backoffice: Backoffice,
) -> None:
    freeze("2026-11-02T09:00:00+08:00")
    number = backoffice.applications.submit(
        _medical_only("330602", "330100"), Actor("p", "applicant")
    ).case_number
    steps = _steps()
    _certify(backoffice, number, "330100")
    refund = copy.deepcopy(steps["transfer_out"])
    refund["data"]["medical_account_handling"] = "refunded"
    with pytest.raises(ValidationFailed) as error:
        complete(backoffice, number, refund)
    assert error.value.errors[0].field == "/medical_account_handling"


def test_wenzhou_allows_refund_and_precredits_the_rest_of_the_year(backoffice: Backoffice) -> None:
    freeze("2026-11-02T09:00:00+08:00")
    # Out of Wenzhou: refund allowed. Into Wenzhou: pre-credit by age for Nov + Dec.
    out_of_wenzhou = backoffice.applications.submit(
        _medical_only("330602", "330304"), Actor("p", "applicant")
    ).case_number
    steps = _steps()
    _certify(backoffice, out_of_wenzhou, "330304")
    refund = copy.deepcopy(steps["transfer_out"])
    refund["data"]["medical_account_handling"] = "refunded"
    complete(backoffice, out_of_wenzhou, refund)
    done = [
        e
        for e in events(backoffice, out_of_wenzhou, "task_completed")
        if e.data["spec"] == "transfer_out"
    ]
    assert "medical_local_rules" in done[0].data["derived"]

    into_wenzhou = backoffice.applications.submit(
        _medical_only("330304", "330602"), Actor("p", "applicant")
    ).case_number
    _certify(backoffice, into_wenzhou, "330602")
    for name in ("transfer_out", "balance_arrival", "transfer_in"):
        complete(backoffice, into_wenzhou, steps[name])
    done = [
        e
        for e in events(backoffice, into_wenzhou, "task_completed")
        if e.data["spec"] == "transfer_in"
    ]
    assert "medical_precredit_months" in done[0].data["derived"]
    data = backoffice.documents.context(into_wenzhou)
    assert data["medical_precredit_months"] == 2 and data["medical_precredit_age"] == 36
