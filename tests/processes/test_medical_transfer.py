"""medical_transfer.bpmn (规程 人社厅发〔2016〕94号; seeds 000, 001, 003): every path, in a bundle.

suspend_and_certify (transfer-out: 中止参保, 参保(合)凭证) → contact_letter (15 working days from
acceptance) → refused | transfer_out (15 from the letter) → letter correction loop | ineligible |
transfer_in (15 from the 信息表) → information correction loop | completed.
Wenzhou Ouhai (330304, seed 001 十二: legal 15 / committed 5) times the steps Ouhai's own agency
performs: as the transfer-in region its 联系函 and 接续 steps, as the transfer-out region its
transfer-out step; never the other agency's steps.
Every step restores the workflow from the database.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from tests.processes.driver import (
    MEDICAL_BALANCE_ARRIVED,
    MEDICAL_CONTACT_OK,
    MEDICAL_CONTACT_REFUSED,
    MEDICAL_CORRECT_INFO,
    MEDICAL_CORRECT_LETTER,
    MEDICAL_ESCALATE,
    MEDICAL_IN_CORRECTION,
    MEDICAL_IN_OK,
    MEDICAL_OUT_INELIGIBLE,
    MEDICAL_OUT_LETTER_CORRECTION,
    MEDICAL_OUT_OK,
    MEDICAL_SUCCESS,
    MEDICAL_SUSPEND,
    START,
    CaseDriver,
    application,
    check_runs_out_at_end_of,
    end_of_day,
    local,
    run_scenario,
)

MEDICAL = "medical_transfer"
WENZHOU = "330304"  # 温州市瓯海区: medical legal 15 / committed 5 working days (seed 001)


def medical_case(
    backoffice: Backoffice,
    transfer_in_region: str = "330602",
    *,
    suspend: bool = True,
    transfer_out_region: str = "330100",
) -> CaseDriver:
    """A medical-only case; by default the transfer-out agency has already suspended insurance
    and issued the certificate (at the moment of acceptance)."""
    d = CaseDriver(backoffice).submit(
        application(
            insurances=["medical"],
            transfer_in_region=transfer_in_region,
            transfer_out_region=transfer_out_region,
        )
    )
    if suspend:
        d.complete(MEDICAL, "suspend_and_certify", suspend_form(transfer_out_region))
    return d


# The 凭证号 names the issuing (transfer-out) province and pooling region.
CERTIFICATE_NUMBERS = {
    "330304": "（浙）（温州市瓯海区）（2026）第 000123 号",
    "310100": "（沪）（上海市）（2026）第 000123 号",
}


def suspend_form(transfer_out_region: str) -> dict:
    number = CERTIFICATE_NUMBERS.get(transfer_out_region)
    if number is None:
        return MEDICAL_SUSPEND
    return {**MEDICAL_SUSPEND, "medical_certificate_number": number}


def contact_form(transfer_out_region: str) -> dict:
    number = CERTIFICATE_NUMBERS.get(transfer_out_region)
    if number is None:
        return MEDICAL_CONTACT_OK
    return {**MEDICAL_CONTACT_OK, "medical_certificate_number": number}


def medical_rows(d: CaseDriver) -> list[tuple[str, str]]:
    return [(t.task_spec, t.state) for t in d.tasks() if t.process_id == MEDICAL]


def test_transfer_is_completed_by_transfer_in_and_transfer_out_agencies(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice, suspend=False)
    [suspend] = d.tasks("suspend_and_certify")
    assert (suspend.role, suspend.region, suspend.due_at) == ("medical_out_clerk", "330100", None)
    d.complete(MEDICAL, "suspend_and_certify", MEDICAL_SUSPEND)
    [letter] = d.tasks("contact_letter")
    assert (letter.role, letter.region, letter.due_at) == (
        "medical_clerk",
        "330602",
        end_of_day("2026-10-23"),
    )
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    [out] = d.tasks("transfer_out")
    assert (out.role, out.region) == ("medical_out_clerk", "330100")
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    # 规程 第七条: the 信息表 has arrived; the balance is recorded when it arrives.
    [arrival] = d.tasks("balance_arrival")
    assert (arrival.role, arrival.region, arrival.due_at) == ("medical_clerk", "330602", None)
    assert d.tasks("transfer_in") == []
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    [inn] = d.tasks("transfer_in")
    assert (inn.role, inn.region) == ("medical_clerk", "330602")
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)

    assert medical_rows(d) == [
        ("suspend_and_certify", "completed"),
        ("contact_letter", "completed"),
        ("transfer_out", "completed"),
        ("balance_arrival", "completed"),
        ("transfer_in", "completed"),
    ]
    for kind in ("timer_contact_letter", "timer_transfer_out", "timer_transfer_in"):
        assert d.timer(kind).cancelled_at == local(START)
    data = d.conclude()
    assert data["medical_result"] == "completed"
    assert data["medical_reasons"] == []
    assert d.case().status == "concluded"


def test_no_overall_medical_limits_outside_wenzhou(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, suspend=False)
    # Only the bundle's own committed (9) and legal (45) limits: limits.json has 0 here.
    assert sorted((t.kind, t.working_days) for t in d.timers()) == [
        ("timer_committed", 9),
        ("timer_legal", 45),
    ]
    d.complete(MEDICAL, "suspend_and_certify", MEDICAL_SUSPEND)
    assert sorted((t.kind, t.working_days) for t in d.timers()) == [
        ("timer_committed", 9),
        ("timer_contact_letter", 15),
        ("timer_legal", 45),
    ]


def test_both_correction_loops_then_completed(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "medical_both_correction_loops")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)

    assert medical_rows(d) == [
        ("suspend_and_certify", "completed"),
        ("contact_letter", "completed"),
        ("transfer_out", "completed"),  # 联系函信息不全 → back to the transfer-in agency
        ("correct_letter", "completed"),
        ("transfer_out", "completed"),
        ("balance_arrival", "completed"),
        ("transfer_in", "completed"),  # 信息表有误 → back to the transfer-out agency
        ("correct_info", "completed"),
        ("balance_arrival", "completed"),
        ("transfer_in", "completed"),
    ]
    [correct_letter] = d.tasks("correct_letter")
    assert (correct_letter.role, correct_letter.region) == ("medical_clerk", "330602")
    [correct_info] = d.tasks("correct_info")
    assert (correct_info.role, correct_info.region) == ("medical_out_clerk", "330100")

    # Each re-sent letter / table starts the next agency's 15 working days again.
    outs = d.timers("timer_transfer_out")
    assert [t.due_at for t in outs] == [end_of_day("2026-10-23"), end_of_day("2026-11-02")]
    assert [t.cancelled_at for t in outs] == [
        local("2026-10-09T10:00:00+08:00"),
        local("2026-10-12T10:00:00+08:00"),
    ]
    ins = d.timers("timer_transfer_in")
    assert [t.due_at for t in ins] == [end_of_day("2026-11-02"), end_of_day("2026-11-04")]
    assert [t.cancelled_at for t in ins] == [
        local("2026-10-13T10:00:00+08:00"),
        local("2026-10-14T10:00:00+08:00"),
    ]
    assert all(t.fired_at is None for t in d.timers())
    assert d.data()["transfer_results"] == {"medical": "completed"}


def test_letter_correction_loop_can_repeat(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    for _ in range(2):
        d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_LETTER_CORRECTION)
        assert d.open_names() == [f"{MEDICAL}/correct_letter"]
        d.complete(MEDICAL, "correct_letter", MEDICAL_CORRECT_LETTER)
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)
    assert [t.state for t in d.tasks("transfer_out")] == ["completed"] * 3
    assert len(d.timers("timer_transfer_out")) == 3
    assert d.conclude()["medical_result"] == "completed"


def test_information_correction_loop_restarts_the_transfer_in_limit(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_CORRECTION)
    [correct] = d.tasks("correct_info", "open")
    assert (correct.role, correct.region, correct.due_at) == ("medical_out_clerk", "330100", None)
    assert d.pending_timers() == ["timer_committed", "timer_legal"]  # the bundle's only

    d.at("2026-10-12T10:00:00+08:00")
    d.complete(MEDICAL, "correct_info", MEDICAL_CORRECT_INFO)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    # The corrected 信息表 arrives on 10-12: 15 working days from then.
    [first, second] = d.timers("timer_transfer_in")
    assert first.cancelled_at == local("2026-10-09T10:00:00+08:00")
    assert second.due_at == end_of_day("2026-11-02")
    assert [t.due_at for t in d.tasks("transfer_in")] == [
        end_of_day("2026-10-23"),
        end_of_day("2026-11-02"),
    ]
    check_runs_out_at_end_of(d, "timer_transfer_in", "2026-11-02", working_days=15)
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)
    data = d.conclude()
    assert data["medical_result"] == "completed"
    assert data["medical_info_table_number"] == MEDICAL_CORRECT_INFO["medical_info_table_number"]


def test_refused_at_contact_letter_with_written_reasons(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    row = d.task(MEDICAL, "contact_letter")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(
            row.id, {"medical_eligible": False}, Actor("c", row.role, row.region)
        )
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_REFUSED)
    assert medical_rows(d) == [
        ("suspend_and_certify", "completed"),
        ("contact_letter", "completed"),
    ]
    assert d.timer("timer_contact_letter").cancelled_at == local(START)
    data = d.conclude()
    assert data["medical_result"] == "refused"
    assert data["medical_reasons"] == MEDICAL_CONTACT_REFUSED["medical_refusal_reasons"]
    assert data["outcome"] == "not_completed"


def test_ineligible_at_transfer_out_is_reported_to_the_transfer_in_agency(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.at("2026-10-09T10:00:00+08:00")
    row = d.task(MEDICAL, "transfer_out")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(
            row.id, {"medical_out_decision": "ineligible"}, Actor("c", row.role, row.region)
        )
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_INELIGIBLE)

    assert medical_rows(d) == [
        ("suspend_and_certify", "completed"),
        ("contact_letter", "completed"),
        ("transfer_out", "completed"),
    ]
    assert d.timers("timer_transfer_in") == []
    assert d.timer("timer_transfer_out").cancelled_at == local("2026-10-09T10:00:00+08:00")
    data = d.conclude()
    assert data["medical_result"] == "ineligible"
    assert data["medical_reasons"] == MEDICAL_OUT_INELIGIBLE["medical_ineligible_reasons"]
    assert data["transfer_results"] == {"medical": "ineligible"}


@pytest.mark.parametrize(
    ("setup", "kind", "due_day"),
    [
        ([], "timer_contact_letter", "2026-10-23"),
        (
            [("2026-10-09T10:00:00+08:00", "contact_letter", MEDICAL_CONTACT_OK)],
            "timer_transfer_out",
            "2026-10-29",
        ),
        (
            [
                ("2026-09-28T09:00:00+08:00", "contact_letter", MEDICAL_CONTACT_OK),
                ("2026-10-12T10:00:00+08:00", "transfer_out", MEDICAL_OUT_OK),
                ("2026-10-12T10:00:00+08:00", "balance_arrival", MEDICAL_BALANCE_ARRIVED),
            ],
            "timer_transfer_in",
            "2026-11-02",
        ),
    ],
    ids=["contact-letter", "transfer-out", "transfer-in"],
)
def test_step_limit_fires_after_its_15th_working_day_and_escalates(
    backoffice: Backoffice, setup: list[tuple[str, str, dict]], kind: str, due_day: str
) -> None:
    d = medical_case(backoffice)
    for at, task, data in setup:
        d.at(at)
        d.complete(MEDICAL, task, data)
    check_runs_out_at_end_of(d, kind, due_day, working_days=15)

    # The transfer-out agency's limit escalates in the transfer-out participant, to the
    # supervisor of the region that agency is in.
    out_side = kind == "timer_transfer_out"
    step = "escalate_step_out" if out_side else "escalate_step"
    case = d.case()
    [escalation] = d.tasks(step)
    assert (escalation.process_id, escalation.role, escalation.region, escalation.state) == (
        MEDICAL,
        "supervisor",
        case.transfer_out_region if out_side else case.transfer_in_region,
        "open",
    )
    d.complete(MEDICAL, step, MEDICAL_ESCALATE)
    # The step itself is still waiting for its clerk; finish the transfer (suspended already).
    for _process, task, data in MEDICAL_SUCCESS[1 + len(setup) :]:
        d.complete(MEDICAL, task, data)
    assert d.conclude()["medical_result"] == "completed"


# -- Wenzhou Ouhai: its limits bind its own agency's steps (seed 001 十二) -----------------------


def test_wenzhou_committed_limit_fires_after_the_fifth_working_day_a_make_up_saturday(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice, WENZHOU)
    assert sorted((t.kind, t.working_days) for t in d.timers()) == [
        ("timer_committed", 9),  # the bundle
        ("timer_contact_letter", 15),  # 规程 第五条 (and Ouhai's legal 15)
        ("timer_contact_letter_committed", 5),  # Ouhai as transfer-in, seed 001
        ("timer_legal", 45),  # the bundle
    ]
    # 10-10-2026 is a Saturday worked in exchange for the National Day holiday.
    check_runs_out_at_end_of(d, "timer_contact_letter_committed", "2026-10-10", working_days=5)

    [escalation] = d.tasks("escalate_step")
    assert (escalation.process_id, escalation.role, escalation.region) == (
        MEDICAL,
        "supervisor",
        WENZHOU,
    )
    assert [t.state for t in d.tasks("contact_letter")] == ["open"]
    assert d.case().status == "in_transfer"  # the bundle review passed; transferring
    assert d.case().committed_due == date(2026, 10, 15)  # the bundle's own limit is unchanged


def test_wenzhou_legal_limit_fires_after_the_15th_working_day(backoffice: Backoffice) -> None:
    """seed 001 十二「法定时限：15工作日」 times Ouhai's own step: as the transfer-in agency its
    联系函 (limits.json regions/330304, equal to 规程 第五条's 15 from acceptance)."""
    d = medical_case(backoffice, WENZHOU)
    check_runs_out_at_end_of(d, "timer_contact_letter", "2026-10-23", working_days=15)
    assert sorted((t.kind, t.working_days) for t in d.timers() if t.fired_at) == [
        ("timer_committed", 9),  # the bundle's, fired 10-16 (its own supervisor task)
        ("timer_contact_letter", 15),  # Ouhai's legal 15 on its own step
        ("timer_contact_letter_committed", 5),  # Ouhai's committed 5, fired 10-11
    ]
    escalations = [t for t in d.tasks("escalate_step") if t.process_id == MEDICAL]
    assert [(t.region, t.state) for t in escalations] == [(WENZHOU, "open")] * 2
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)
    assert d.conclude()["medical_result"] == "completed"


def test_wenzhou_as_transfer_in_does_not_time_the_transfer_out_step(
    backoffice: Backoffice,
) -> None:
    """Hangzhou (no medical limits of its own) transfers out: only 规程 第六条's 15 days time its
    step; Ouhai's 5 days come back with Ouhai's 接续 step, counted from the 信息表."""
    d = medical_case(backoffice, WENZHOU)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    [out] = d.tasks("transfer_out")
    assert (out.region, out.due_at) == ("330100", end_of_day("2026-10-23"))
    assert d.timers("timer_transfer_out_committed") == []
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)  # the balance, the same day
    [step] = d.tasks("transfer_in")
    assert (step.region, step.due_at) == (WENZHOU, end_of_day("2026-10-15"))
    assert [t.working_days for t in d.timers("timer_transfer_in_committed")] == [5]
    assert [k for k in d.fired() if k.endswith("_committed") and k != "timer_committed"] == []


def test_wenzhou_as_transfer_out_times_its_transfer_out_step_only(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, "330602", transfer_out_region=WENZHOU)
    assert d.timers("timer_contact_letter_committed") == []  # Shaoxing's step
    d.complete(MEDICAL, "contact_letter", contact_form(WENZHOU))
    [out] = d.tasks("transfer_out")
    assert (out.region, out.due_at) == (WENZHOU, end_of_day("2026-10-10"))  # 5, from the letter
    [timer] = d.timers("timer_transfer_out_committed")
    assert timer.working_days == 5
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    assert d.timers("timer_transfer_in_committed") == []  # Shaoxing's 接续: 规程 15 only
    [step] = d.tasks("transfer_in")
    assert step.due_at == end_of_day("2026-10-23")


@pytest.mark.parametrize("regions", [("330100", "330602"), ("310100", "330100")])
def test_no_wenzhou_limit_when_wenzhou_is_on_neither_side(
    backoffice: Backoffice, regions: tuple[str, str]
) -> None:
    out_region, in_region = regions
    d = medical_case(backoffice, in_region, transfer_out_region=out_region)
    d.complete(MEDICAL, "contact_letter", contact_form(out_region))
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    kinds = {t.kind for t in d.timers()}
    assert not {k for k in kinds if k.endswith("_committed") and k != "timer_committed"}


def test_wenzhou_limits_stop_when_the_transfer_is_completed_in_time(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice, WENZHOU)
    d.at("2026-10-09T16:00:00+08:00")
    d.run(MEDICAL_SUCCESS[1:])  # suspended at acceptance
    medical_limits = [
        t
        for t in d.timers()
        if t.kind in {"timer_contact_letter_committed", "timer_transfer_in_committed"}
    ]
    assert len(medical_limits) == 2
    assert all(t.fired_at is None for t in medical_limits)
    assert all(t.cancelled_at == local("2026-10-09T16:00:00+08:00") for t in medical_limits)
    d.at("2026-10-26T09:00:00+08:00")
    assert d.tasks("escalate_step") == []


def test_wenzhou_medical_limit_does_not_flag_the_bundle_case(backoffice: Backoffice) -> None:
    """Only the bundle's own timers flag the case (was a defect in app/: flags by element id only)."""
    d = medical_case(backoffice, WENZHOU)
    d.at("2026-10-11T00:00:01+08:00")
    assert d.fired() == ["timer_contact_letter_committed"]  # Ouhai's 5 working days
    case = d.case()
    assert case.committed_due == date(2026, 10, 15)
    assert case.warned is False


# -- 规程 第四条: suspension and the 参保(合)凭证; seed 003 第六条: register within 3 months -----


def test_suspension_comes_first_and_records_the_registration_date(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, suspend=False)
    assert d.open_names() == [f"{MEDICAL}/suspend_and_certify"]
    d.complete(MEDICAL, "suspend_and_certify", MEDICAL_SUSPEND)
    data = d.backoffice.documents.context(d.number)
    # Suspended on 2026-09-28 (Asia/Shanghai) with no receiving employer: by 2026-12-28.
    assert data["medical_suspended_on"] == "2026-09-28"
    assert data["medical_register_by"] == "2026-12-28"
    assert data["medical_certificate_number"] == MEDICAL_SUSPEND["medical_certificate_number"]
    # The applicant sees it with their progress.
    [medical] = backoffice_status(d)["insurances"]
    assert medical["register_by"] == "2026-12-28"


def test_a_receiving_employer_means_no_registration_date(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, suspend=False)
    d.at("2026-11-30T23:30:00+08:00")  # late evening in Shanghai, still 11-30 there
    d.complete(
        MEDICAL, "suspend_and_certify", {**MEDICAL_SUSPEND, "medical_has_receiving_employer": True}
    )
    data = d.backoffice.documents.context(d.number)
    assert data["medical_suspended_on"] == "2026-11-30"
    assert "medical_register_by" not in data
    [medical] = backoffice_status(d)["insurances"]
    assert medical["register_by"] is None


def test_registration_date_is_clamped_to_the_end_of_february(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, suspend=False)
    d.at("2026-11-30T23:30:00+08:00")
    d.complete(MEDICAL, "suspend_and_certify", MEDICAL_SUSPEND)
    assert d.backoffice.documents.context(d.number)["medical_register_by"] == "2027-02-28"


def test_contact_letter_limit_still_counts_from_acceptance(backoffice: Backoffice) -> None:
    """The suspension step before it must not move the 联系函's 15 working days (规程 第五条)."""
    d = medical_case(backoffice, suspend=False)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(MEDICAL, "suspend_and_certify", MEDICAL_SUSPEND)
    [letter] = d.tasks("contact_letter")
    assert letter.due_at == end_of_day("2026-10-23")
    check_runs_out_at_end_of(d, "timer_contact_letter", "2026-10-23", working_days=15)


def _refused_fields(d: CaseDriver, data: dict) -> list[str]:
    row = d.task(MEDICAL, "suspend_and_certify")
    with pytest.raises(ValidationFailed) as refused:
        d.backoffice.cases.complete_task(row.id, data, Actor("c", row.role, row.region))
    return [e.field for e in refused.value.errors]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"medical_insurance_suspended": False}, "/medical_insurance_suspended"),
        ({"medical_has_arrears": True}, "/medical_arrears_notified"),
        (
            {"medical_has_arrears": True, "medical_arrears_notified": True},
            "/medical_arrears_amount",
        ),
        (
            {
                "medical_has_arrears": True,
                "medical_arrears_notified": True,
                "medical_arrears_amount": "0",
            },
            "/medical_arrears_amount",
        ),
        ({"medical_certificate_balance": "-1"}, "/medical_certificate_balance"),
        ({"medical_certificate_number": "HZ-7"}, "/medical_certificate_number"),
        (
            {"medical_certificate_number": "（浙）（温州市瓯海区）（2026）第 000123 号"},
            "/medical_certificate_number",
        ),
        (
            {"medical_certificate_number": "（浙）（杭州市）（2025）第 000123 号"},
            "/medical_certificate_number",
        ),
        ({"medical_insured_to": "2015-06"}, "/medical_insured_to"),
        ({"medical_benefits_to": "2026-02-30"}, "/medical_benefits_to"),
        (
            {"medical_household_head_id_number": "330602196505051210"},
            "/medical_household_head_id_number",
        ),
    ],
    ids=[
        "not-suspended",
        "arrears-not-told",
        "arrears-without-amount",
        "arrears-of-zero",
        "negative-balance",
        "number-format",
        "number-of-another-region",
        "number-of-another-year",
        "period-ends-before-it-starts",
        "no-such-day",
        "head-id-check-digit",
    ],
)
def test_suspension_form_refuses_bad_input_and_changes_nothing(
    backoffice: Backoffice, changes: dict, field: str
) -> None:
    d = medical_case(backoffice, suspend=False)
    assert field in _refused_fields(d, {**MEDICAL_SUSPEND, **changes})
    assert d.open_names() == [f"{MEDICAL}/suspend_and_certify"]


def test_arrears_are_recorded_with_the_notice(backoffice: Backoffice) -> None:
    d = medical_case(backoffice, suspend=False)
    arrears = {
        "medical_has_arrears": True,
        "medical_arrears_amount": "320.00",
        "medical_arrears_notified": True,
    }
    d.complete(MEDICAL, "suspend_and_certify", {**MEDICAL_SUSPEND, **arrears})
    data = d.backoffice.documents.context(d.number)
    assert {k: data[k] for k in arrears} == arrears


def test_contact_letter_must_cite_the_issued_certificate(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    row = d.task(MEDICAL, "contact_letter")
    other = {
        **MEDICAL_CONTACT_OK,
        "medical_certificate_number": "（浙）（杭州市）（2026）第 000999 号",
    }
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, other, Actor("c", row.role, row.region))
    [error] = refused.value.errors
    assert error.field == "/medical_certificate_number"
    assert MEDICAL_SUSPEND["medical_certificate_number"] in error.message
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    assert d.open_names() == [f"{MEDICAL}/transfer_out"]


def backoffice_status(d: CaseDriver) -> dict:
    return d.backoffice.portal.status(d.number)


def test_the_certificate_survives_a_limit_branch_completing_after_it(
    backoffice: Backoffice,
) -> None:
    """Wenzhou's committed limit on the 联系函 step fires after the suspension: the case's data
    must still hold what the suspension recorded (its last task is on the side path)."""
    d = medical_case(backoffice, WENZHOU)
    d.at("2026-10-11T00:00:01+08:00")
    assert d.fired() == ["timer_contact_letter_committed"]
    data = backoffice.documents.context(d.number)
    assert data["medical_certificate_number"] == MEDICAL_SUSPEND["medical_certificate_number"]
    assert data["medical_register_by"] == "2026-12-28"
    assert data["medical_warning"]["limit"] == "medical.in.committed"  # the side path's, too
    assert ("insurance_certificate", None) in {
        (r.kind, r.insurance) for r in backoffice.documents.available(d.number)
    }


OTHER_SCHEME = "medical_other_scheme_at_new_place"


def test_the_letter_is_not_sent_while_another_scheme_at_the_new_place_is_active(
    backoffice: Backoffice,
) -> None:
    """003 第二条: no enrolment in two basic medical schemes at once. The clerk first ends the
    other enrolment (停保) or refuses in writing; nothing changes while it is still active."""
    d = medical_case(backoffice)
    row = d.task(MEDICAL, "contact_letter")
    version, events = d.case().version, len(d.events())
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(
            row.id, {**MEDICAL_CONTACT_OK, OTHER_SCHEME: "active"}, Actor("c", row.role, row.region)
        )
    [error] = refused.value.errors
    assert error.field == f"/{OTHER_SCHEME}"
    assert error.message.startswith("本人在转入地是否同时参加其他基本医疗保险：")
    assert "尚未停保" in error.message and "停保手续后再发出联系函" in error.message
    assert "书面说明不予转入的理由" in error.message
    assert d.open_names() == [f"{MEDICAL}/contact_letter"]
    assert (d.case().version, len(d.events())) == (version, events)
    assert OTHER_SCHEME not in d.data()

    d.complete(MEDICAL, "contact_letter", {**MEDICAL_CONTACT_OK, OTHER_SCHEME: "ended"})
    assert d.open_names() == [f"{MEDICAL}/transfer_out"]
    assert backoffice.documents.context(d.number)[OTHER_SCHEME] == "ended"


@pytest.mark.parametrize("answer", ["none", "ended"])
def test_the_letter_is_sent_with_no_other_scheme_or_one_ended(
    backoffice: Backoffice, answer: str
) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", {**MEDICAL_CONTACT_OK, OTHER_SCHEME: answer})
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)
    data = d.conclude()
    assert data["medical_result"] == "completed"
    assert data[OTHER_SCHEME] == answer


@pytest.mark.parametrize(
    ("answer", "message"),
    [(None, "必填项缺失"), ("双重参保", "不是允许的选项"), (1, "类型不正确")],
    ids=["unanswered", "not-an-option", "not-text"],
)
def test_sending_the_letter_needs_an_answer_about_other_schemes(
    backoffice: Backoffice, answer: object, message: str
) -> None:
    d = medical_case(backoffice)
    row = d.task(MEDICAL, "contact_letter")
    data = {k: v for k, v in MEDICAL_CONTACT_OK.items() if k != OTHER_SCHEME}
    if answer is not None:
        data[OTHER_SCHEME] = answer
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, data, Actor("c", row.role, row.region))
    errors = refused.value.errors
    assert {e.field for e in errors} == {f"/{OTHER_SCHEME}"}
    assert f"本人在转入地是否同时参加其他基本医疗保险：{message}" in [e.message for e in errors]
    assert not any("停保" in e.message for e in errors)  # only an active enrolment says that
    assert d.open_names() == [f"{MEDICAL}/contact_letter"]


@pytest.mark.parametrize("answer", [None, "active"], ids=["unanswered", "still-active"])
def test_a_refusal_needs_no_answer_about_other_schemes(
    backoffice: Backoffice, answer: str | None
) -> None:
    """Refusing in writing is the other way out when another enrolment is still active."""
    d = medical_case(backoffice)
    extra = {} if answer is None else {OTHER_SCHEME: answer}
    d.complete(MEDICAL, "contact_letter", {**MEDICAL_CONTACT_REFUSED, **extra})
    data = d.conclude()
    assert data["medical_result"] == "refused"
    assert data["medical_reasons"] == MEDICAL_CONTACT_REFUSED["medical_refusal_reasons"]


def test_an_out_of_province_hukou_is_no_barrier_to_the_medical_transfer(
    backoffice: Backoffice,
) -> None:
    """003 第二条「各地不得以户籍等原因设置参加障碍」: a 户籍 outside Zhejiang (Chengdu) is
    accepted and transferred like any other (first insured here at 22, before any age limit)."""
    d = CaseDriver(backoffice).submit(
        application(
            insurances=["medical"],
            applicant={"hukou_region": "510104", "hukou_type": "rural"},
        )
    )
    assert d.open_names() == [f"{MEDICAL}/suspend_and_certify"]
    d.run(MEDICAL_SUCCESS)
    assert d.conclude()["medical_result"] == "completed"


# -- 规程 第七条: what arrived is checked; the clock starts when the 信息表 and the balance arrived --


def test_a_transfer_in_amount_other_than_the_info_table_goes_back_for_correction(
    backoffice: Backoffice,
) -> None:
    """The balance arrives short (1,000.00 of 1,234.56): completing is refused, the transfer-in
    asks for correction, the transfer-out moves the rest, and then the transfer-in completes."""
    result = run_scenario(backoffice, "medical_transfer_in_amount_mismatch")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert medical_rows(d) == [
        ("suspend_and_certify", "completed"),
        ("contact_letter", "completed"),
        ("transfer_out", "completed"),
        ("balance_arrival", "completed"),
        ("transfer_in", "completed"),  # correction requested (completing was refused)
        ("correct_info", "completed"),
        ("balance_arrival", "completed"),
        ("transfer_in", "completed"),
    ]
    # 15 working days from the day both had arrived: the balance on 10-13 (recorded on
    # 10-14, after the 信息表 of 10-09), then the corrected table and the rest on 10-16.
    ins = d.timers("timer_transfer_in")
    assert [t.due_at for t in ins] == [end_of_day("2026-11-03"), end_of_day("2026-11-06")]
    data = d.data()
    assert data["medical_result"] == "completed"
    assert data["medical_credited_amount"] == "1234.56"


def test_completing_with_a_mismatch_is_refused_and_changes_nothing(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)  # 信息表: 1,234.56
    d.complete(MEDICAL, "balance_arrival", {"medical_balance_arrived_amount": "1000.00"})
    row = d.task(MEDICAL, "transfer_in")
    clerk = Actor("c", row.role, row.region)
    with pytest.raises(ValidationFailed) as error:
        backoffice.cases.complete_task(
            row.id, {**MEDICAL_IN_OK, "medical_credited_amount": "1000.00"}, clerk
        )
    [field] = error.value.errors
    assert field.field == "/medical_in_decision"
    assert "1,000.00" in field.message and "1,234.56" in field.message
    assert "请转出地更正" in field.message
    with pytest.raises(ValidationFailed):  # crediting the 信息表's figure does not help either
        backoffice.cases.complete_task(row.id, MEDICAL_IN_OK, clerk)
    assert [t.state for t in d.tasks("transfer_in")] == ["open"]
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_CORRECTION)
    assert d.open_names() == [f"{MEDICAL}/correct_info"]


def test_the_credited_amount_must_be_the_balance_that_arrived(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(MEDICAL, "balance_arrival", MEDICAL_BALANCE_ARRIVED)
    row = d.task(MEDICAL, "transfer_in")
    with pytest.raises(ValidationFailed) as error:
        backoffice.cases.complete_task(
            row.id,
            {**MEDICAL_IN_OK, "medical_credited_amount": "1243.56"},
            Actor("c", row.role, row.region),
        )
    [field] = error.value.errors
    assert field.field == "/medical_credited_amount"
    assert "1,234.56" in field.message
    d.complete(MEDICAL, "transfer_in", MEDICAL_IN_OK)
    assert d.conclude()["medical_result"] == "completed"


def test_the_transfer_in_clock_starts_when_the_balance_arrives(backoffice: Backoffice) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)  # the 信息表 arrives on 10-09
    assert d.tasks("transfer_in") == []  # the balance has not arrived: no clock yet
    assert "timer_transfer_in" not in d.pending_timers()
    [medical] = backoffice_status(d)["insurances"]
    assert (
        medical["text"]
        == "绍兴市越城区医保经办机构已收到信息表，正在等待转出地划转的个人账户余额到账"
    )
    d.at("2026-10-14T10:00:00+08:00")
    row = d.task(MEDICAL, "balance_arrival")
    clerk = Actor("c", row.role, row.region)
    for day, message in (
        ("2026-10-15", "不能晚于今日"),
        ("2026-09-27", "不能早于转出地收到《联系函》之日 2026-09-28"),
        ("2026-02-30", "不是有效日期"),
    ):
        with pytest.raises(ValidationFailed) as error:
            backoffice.cases.complete_task(
                row.id, {**MEDICAL_BALANCE_ARRIVED, "medical_balance_arrived_on": day}, clerk
            )
        [field] = error.value.errors
        assert (field.field, message in field.message) == ("/medical_balance_arrived_on", True)
    d.complete(
        MEDICAL,
        "balance_arrival",
        {**MEDICAL_BALANCE_ARRIVED, "medical_balance_arrived_on": "2026-10-13"},
    )
    # Both had arrived on 10-13: the 15 working days run to 11-03 (not 10-29 from the 信息表).
    [inn] = d.tasks("transfer_in")
    assert inn.due_at == end_of_day("2026-11-03")
    data = d.data()
    assert data["medical_info_table_received_at"].startswith("2026-10-09")
    assert data["medical_balance_received_at"].startswith("2026-10-13")
    check_runs_out_at_end_of(d, "timer_transfer_in", "2026-11-03", working_days=15)


def test_a_balance_arrived_before_the_info_table_starts_nothing_earlier(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(MEDICAL, "transfer_out", MEDICAL_OUT_OK)
    d.complete(
        MEDICAL,
        "balance_arrival",
        {**MEDICAL_BALANCE_ARRIVED, "medical_balance_arrived_on": "2026-10-08"},
    )
    [inn] = d.tasks("transfer_in")
    assert inn.due_at == end_of_day("2026-10-29")  # from the 信息表 of 10-09, the later one


def test_no_balance_to_arrive_means_the_clock_starts_with_the_info_table(
    backoffice: Backoffice,
) -> None:
    d = medical_case(backoffice)
    d.complete(MEDICAL, "contact_letter", MEDICAL_CONTACT_OK)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(
        MEDICAL,
        "transfer_out",
        {
            **MEDICAL_OUT_OK,
            "medical_account_handling": "no_balance",
            "medical_account_balance": "0",
        },
    )
    assert d.tasks("balance_arrival") == []
    [inn] = d.tasks("transfer_in")
    assert inn.due_at == end_of_day("2026-10-29")
    row = d.task(MEDICAL, "transfer_in")
    with pytest.raises(ValidationFailed) as error:
        backoffice.cases.complete_task(row.id, MEDICAL_IN_OK, Actor("c", row.role, row.region))
    assert error.value.errors[0].field == "/medical_credited_amount"
    d.complete(MEDICAL, "transfer_in", {**MEDICAL_IN_OK, "medical_credited_amount": "0.00"})
    assert d.conclude()["medical_result"] == "completed"
