"""受理审查 at the window (one_thing_bundle#acceptance_review) is decided by the same rules as
the online channel (seed 000 十、十一、十二、十四): the clerk cannot accept what the rules
refuse or what lacks materials, a refusal names every reason, and a resubmission after
一次性告知 is decided with everything the first decision knew. Prohibition 2 (seed 000
十一（二）) is the pension temporary-account rule and refuses only pension applications.

Every test drives the real diagram through the services, restoring the case at each step."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.features.intake.applications import start_data
from app.kernel.errors import ValidationFailed
from app.rules.acceptance import decide
from app.rules.id_number import check_character
from tests.processes.driver import (
    MEDICAL_SUCCESS,
    START,
    CaseDriver,
    application,
    local,
    run_scenario,
)

BUNDLE = "one_thing_bundle"
MEDICAL = "medical_transfer"
REVIEW = "acceptance_review"


def id_number(region: str, birth: date, *, male: bool = True) -> str:
    first17 = f"{region}{birth:%Y%m%d}01{3 if male else 4}"
    return first17 + check_character(first17)


# A man from Chengdu (户籍 outside Zhejiang) first insured in Zhejiang in 2012 at 52:
# seed 000 十一（二） names him; it is the pension temporary-account rule.
LATE_FIRST_INSURED = {
    "applicant": {
        "id_number": id_number("510104", date(1960, 1, 1)),
        "hukou_region": "510104",
        "hukou_type": "rural",
    },
    "status": {"first_insured_in_zhejiang": "2012-05-01"},
}


def window(**changes: Any) -> dict[str, Any]:
    return application(channel="window", delivery="on_site", **changes)


def snapshot(d: CaseDriver) -> tuple[Any, ...]:
    """Everything a refused completion must leave as it was."""
    case = d.case()
    return (
        (case.status, case.decision, case.version, case.updated_at, case.accepted_at),
        [(t.id, t.task_spec, t.state, t.assignee) for t in d.tasks()],
        [(t.id, t.kind, t.fired_at, t.cancelled_at) for t in d.timers()],
        [(e.seq, e.kind) for e in d.events()],
        d.data(),
    )


def refused_completion(d: CaseDriver, data: dict[str, Any]) -> ValidationFailed:
    """Complete the open acceptance review; it must be refused and change nothing."""
    before = snapshot(d)
    row = d.task(BUNDLE, REVIEW)
    with pytest.raises(ValidationFailed) as caught:
        d.backoffice.cases.complete_task(row.id, data, Actor("clerk", row.role, row.region))
    assert snapshot(d) == before
    return caught.value


def errors(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


# -- 予以受理 only when the rules accept ----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason", "words"),
    [
        ({"status": {"retired": True}}, "retired", "退休人员不予办理"),
        (LATE_FIRST_INSURED, "late_first_insured_out_of_province", "外省户籍人员不予办理"),
        ({"medical": {"account_overdrawn": True}}, "medical_account_overdrawn", "透支"),
        ({"transfer_out_region": "330603"}, "same_region", "同一统筹地区"),
    ],
    ids=["retired", "late-first-insured", "medical-overdrawn", "same-pooling-region"],
)
def test_the_clerk_cannot_accept_what_the_rules_refuse(
    backoffice: Backoffice, changes: dict[str, Any], reason: str, words: str
) -> None:
    d = CaseDriver(backoffice).submit(window(**changes))
    assert d.submitted is not None and d.submitted.decision.reasons == [reason]
    assert d.open_names() == [f"{BUNDLE}/{REVIEW}"]

    exc = refused_completion(d, {"decision": "accepted", "acceptance_note": "予以受理"})
    message = errors(exc)["/decision"]
    assert "不能予以受理" in message and words in message
    assert d.case().status == "submitted" and d.case().accepted_at is None

    # The refusal the rules call for goes through.
    d.complete(BUNDLE, REVIEW, {"decision": "refused", "reasons": [reason]})
    case = d.case()
    assert (case.status, case.accepted_at) == ("refused", None)
    assert d.data()["reasons"] == [reason]
    # The 不予受理决定书 is delivered like any decision (000 十九): only the delivery is open.
    assert d.open_names() == [f"{BUNDLE}/deliver_on_site"]
    assert [t.kind for t in d.timers()] == ["timer_deliver_on_site"]


def test_the_clerk_cannot_accept_when_materials_are_missing(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(window(materials=[]))
    exc = refused_completion(d, {"decision": "accepted"})
    assert "联办申请表" in errors(exc)["/decision"]
    assert d.timers() == []  # no limit started


def test_a_correction_notice_lists_every_missing_material(backoffice: Backoffice) -> None:
    agent = {"kind": "employer", "name": "绍兴某某有限公司", "credit_code": "91330602MA2BCDEF1X"}
    d = CaseDriver(backoffice).submit(window(materials=[], agent=agent))
    exc = refused_completion(
        d,
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
    )
    assert "加盖单位公章" in errors(exc)["/missing_materials"]
    d.complete(
        BUNDLE,
        REVIEW,
        {
            "decision": "correction_required",
            "missing_materials": ["missing:application_form", "missing:stamped_id_copy"],
        },
    )
    assert d.case().status == "correction_required"


def test_no_correction_notice_for_a_case_the_rules_refuse(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(window(materials=[], status={"retired": True}))
    exc = refused_completion(
        d,
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
    )
    assert "退休人员不予办理" in errors(exc)["/decision"]


def test_a_refusal_names_every_reason_the_rules_find(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(
        window(status={"retired": True}, medical={"account_overdrawn": True})
    )
    exc = refused_completion(d, {"decision": "refused", "reasons": ["retired"]})
    assert "透支" in errors(exc)["/reasons"]
    d.complete(
        BUNDLE, REVIEW, {"decision": "refused", "reasons": ["retired", "medical_account_overdrawn"]}
    )
    assert d.case().status == "refused"


def test_a_refusal_the_application_does_not_show_needs_the_facts_in_the_note(
    backoffice: Backoffice,
) -> None:
    """The clerk may find at the window what the form does not say (e.g. the person has
    retired after all); such a refusal still needs a §4 code, and the facts found in writing."""
    d = CaseDriver(backoffice).submit(window())
    exc = refused_completion(d, {"decision": "refused", "reasons": ["retired"]})
    assert "审查意见" in errors(exc)["/acceptance_note"]
    exc = refused_completion(
        d, {"decision": "refused", "reasons": ["invalid_application"], "acceptance_note": "x"}
    )
    assert "/reasons" in errors(exc)
    d.complete(
        BUNDLE,
        REVIEW,
        {"decision": "refused", "reasons": ["retired"], "acceptance_note": "核验退休证：已退休"},
    )
    assert d.case().status == "refused"


# -- the resubmission keeps what the first decision knew -------------------------------------


def test_a_resubmission_still_needs_the_id_card_the_system_lacks(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice)
    d.submit(window(materials=[]))  # sets the clock; this case is not used
    submitted = backoffice.applications.submit(
        window(materials=[]), Actor("window", "window_clerk", "330602"), system_has_id_data=False
    )
    d = CaseDriver(backoffice, submitted.case_number)
    missing = ["missing:id_card", "missing:application_form"]
    assert submitted.decision.missing_materials == missing
    d.complete(BUNDLE, REVIEW, {"decision": "correction_required", "missing_materials": missing})

    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["application_form"]})
    data = d.data()
    assert data["decision"] == "correction_required"
    assert data["missing_materials"] == ["missing:id_card"]
    # ... and the clerk cannot accept it either.
    exc = refused_completion(d, {"decision": "accepted"})
    assert "居民身份证" in errors(exc)["/decision"]

    d.complete(
        BUNDLE, REVIEW, {"decision": "correction_required", "missing_materials": missing[:1]}
    )
    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["id_card"]})
    assert d.data()["decision"] == "accepted"
    d.complete(BUNDLE, REVIEW, {"decision": "accepted"})
    assert d.case().status == "accepted"


def test_a_case_started_before_the_recheck_replays_as_recorded(backoffice: Backoffice) -> None:
    """Cases whose start data carries no acceptance facts were decided before this rule: their
    recorded acceptance reviews are not re-judged (replay stays identical)."""
    app = window(status={"retired": True})
    d = CaseDriver(backoffice).submit(window())  # sets the clock
    data = start_data(app, decide(app, today=date(2026, 9, 28)))
    data.pop("acceptance_facts")
    started = backoffice.cases.start_case(data, Actor("window", "window_clerk", "330602"))
    d = CaseDriver(backoffice, started.number)
    d.complete(BUNDLE, REVIEW, {"decision": "accepted"})
    assert d.case().status == "accepted"


# -- acceptance condition 2 and prohibition 2 apply where their rules do ----------------------


def test_a_benefit_recipient_moving_elsewhere_than_the_hukou_place_is_refused(
    backoffice: Backoffice,
) -> None:
    recipient = application(
        insurances=["unemployment"],
        transfer_out_region="330100",
        transfer_in_region="330304",  # 温州市瓯海区; 户籍 330602 绍兴市越城区
        status={"employment": "unemployed"},
        unemployment={"receiving_benefit": True, "benefit_at_hukou": True},
    )
    d = CaseDriver(backoffice).submit(recipient)
    assert d.submitted is not None
    assert d.submitted.decision.reasons == ["unemployed_not_returning_to_hukou"]
    assert d.case().status == "refused"


def test_a_benefit_recipients_pension_only_application_is_accepted(
    backoffice: Backoffice,
) -> None:
    recipient = application(
        insurances=["pension"],
        transfer_in_region="330304",
        status={"employment": "unemployed"},
        unemployment={"receiving_benefit": True, "benefit_at_hukou": False},
    )
    d = CaseDriver(backoffice).submit(recipient)
    assert d.submitted is not None and d.submitted.decision.decision == "accepted"
    assert d.open_names() == ["pension_transfer/contact_letter"]


def test_prohibition_2_refuses_a_pension_application(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"], **LATE_FIRST_INSURED))
    assert d.submitted is not None
    assert d.submitted.decision.reasons == ["late_first_insured_out_of_province"]


@pytest.mark.parametrize("insurances", [["medical"], ["unemployment"], ["medical", "unemployment"]])
def test_prohibition_2_does_not_refuse_medical_or_unemployment(
    backoffice: Backoffice, insurances: list[str]
) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=insurances, **LATE_FIRST_INSURED))
    assert d.submitted is not None
    assert (d.submitted.decision.decision, d.submitted.decision.reasons) == ("accepted", [])
    assert d.case().accepted_at == local(START)


def test_medical_only_application_of_a_late_first_insured_person_transfers(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["medical"], **LATE_FIRST_INSURED))
    assert d.open_names() == [f"{MEDICAL}/suspend_and_certify"]
    d.run(MEDICAL_SUCCESS)
    assert d.conclude()["medical_result"] == "completed"


# -- scenario files ----------------------------------------------------------------------------


def test_window_retiree_scenario(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "bundle_window_retiree_clerk_cannot_accept")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert d.case().status == "refused"
    assert [t.state for t in d.tasks(REVIEW)] == ["completed"]
    clerk = [e for e in d.events("decision_made") if e.data.get("by") == "clerk"]
    assert [e.data["decision"] for e in clerk] == ["refused"]


def test_medical_only_late_first_insured_scenario(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "bundle_medical_only_late_first_insured_out_of_province")
    assert result.passed, result.failures
    assert CaseDriver(backoffice, result.case_number).case().status == "concluded"
