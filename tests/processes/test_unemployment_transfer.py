"""unemployment_transfer.bpmn (seed 002: Zhejiang 2017 rules, 2021 cross-province notice): every path.

out_review at the transfer-out agency (5 working days) → refused in writing | in_decision at the
transfer-in agency (5) → out_conclude → refused in writing | completed; cross-province with 12+
months at transfer-out also moves the funds (transfer_funds, within 1 month as 民法典 第二百零一至二百零三条 count it). Hangzhou's guide
(seed 002) is its own agency's service: its legal limit of 30 working days and its committed
limit "immediate" (即办, 0 working days) time the transfer-out review when Hangzhou is the
transfer-out region (limits.json binds them to transfer_out), never the transfer-in decision. An employed worker's transfer-out review needs the labour
contract with the transfer-in employer; a benefit recipient's does not. Every step restores the
workflow from the database.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from app.store.models import Timer
from tests.processes.driver import (
    START,
    UNEMPLOYMENT_CONCLUDED,
    UNEMPLOYMENT_ESCALATE,
    UNEMPLOYMENT_FUNDS,
    UNEMPLOYMENT_IN_OK,
    UNEMPLOYMENT_IN_REFUSED,
    UNEMPLOYMENT_OUT_OK,
    UNEMPLOYMENT_OUT_OK_BENEFIT,
    UNEMPLOYMENT_OUT_REFUSED,
    UNEMPLOYMENT_SUCCESS,
    UNEMPLOYMENT_TERMINATED,
    CaseDriver,
    application,
    check_runs_out_at_end_of,
    end_of_day,
    local,
    next_day,
    run_scenario,
)

UNEMPLOYMENT = "unemployment_transfer"
SHANGHAI = "310100"  # outside Zhejiang: a cross-province transfer
NINGBO = "330200"  # in Zhejiang, no regional unemployment limits
HANGZHOU = "330100"  # unemployment legal limit 30 working days (seed 002)


def unemployment_case(
    backoffice: Backoffice,
    *,
    out_region: str = "330100",
    in_region: str = "330602",
    months: int = 30,
) -> CaseDriver:
    return CaseDriver(backoffice).submit(
        application(
            insurances=["unemployment"],
            transfer_out_region=out_region,
            transfer_in_region=in_region,
            unemployment={"contribution_months_at_transfer_out": months},
        )
    )


def unemployment_rows(d: CaseDriver) -> list[tuple[str, str]]:
    return [(t.task_spec, t.state) for t in d.tasks() if t.process_id == UNEMPLOYMENT]


def test_transfer_within_zhejiang_moves_the_relationship_only(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice)
    [review] = d.tasks("out_review")
    assert (review.role, review.region) == ("unemployment_out_clerk", "330100")
    # Hangzhou's own 即办 (seed 002 十二) binds its transfer-out review: due the same day (the
    # 2021 notice's 5 working days, to the make-up Saturday 10-10, run beside it).
    assert review.due_at == end_of_day("2026-09-28")
    assert d.timer("timer_out_review").due_at == end_of_day("2026-10-10")
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)
    [decision] = d.tasks("in_decision")
    assert (decision.role, decision.region) == ("unemployment_clerk", "330602")
    assert decision.due_at == end_of_day("2026-10-10")
    d.complete(UNEMPLOYMENT, "in_decision", UNEMPLOYMENT_IN_OK)
    [conclude] = d.tasks("out_conclude")
    assert (conclude.role, conclude.region) == ("unemployment_out_clerk", "330100")
    d.complete(UNEMPLOYMENT, "out_conclude", UNEMPLOYMENT_CONCLUDED)

    assert unemployment_rows(d) == [
        ("out_review", "completed"),
        ("in_decision", "completed"),
        ("out_conclude", "completed"),
    ]
    assert d.timers("timer_transfer_funds") == []
    assert d.timer("timer_out_review").cancelled_at == local(START)
    assert d.timer("timer_in_decision").cancelled_at == local(START)
    # No overall unemployment limit when Shaoxing is the transfer-in place.
    assert [t.working_days for t in d.timers("timer_legal")] == [45]
    data = d.conclude()
    assert data["unemployment_result"] == "completed"
    assert data["unemployment_funds_status"] == "not_applicable"
    assert data["unemployment_reasons"] == []


def test_benefit_recipient_moves_back_to_the_hukou_place(backoffice: Backoffice) -> None:
    # Zhejiang 2017 ch. 4: an unemployed person drawing benefit in Hangzhou returns to Shaoxing.
    d = CaseDriver(backoffice).submit(
        application(
            insurances=["unemployment"],
            status={"employment": "unemployed", "insured_at_transfer_out": True},
            unemployment={"receiving_benefit": True, "benefit_at_hukou": True},
        )
    )
    assert d.submitted is not None and d.submitted.decision.decision == "accepted"
    # No labour contract is asked of a benefit recipient (浙江2017 第九条（一）).
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK_BENEFIT)
    decision = {**UNEMPLOYMENT_IN_OK, "unemployment_benefit_start_month": "2026-10"}
    d.complete(UNEMPLOYMENT, "in_decision", decision)
    d.complete(UNEMPLOYMENT, "out_conclude", UNEMPLOYMENT_CONCLUDED)
    assert d.tasks("transfer_funds") == []  # within the province no funds move
    data = d.conclude()
    assert data["unemployment_result"] == "completed"
    assert data["unemployment_benefit_start_month"] == "2026-10"
    assert data["unemployment_remaining_benefit_months"] == 9


def test_refused_at_transfer_out_in_writing(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice)
    row = d.task(UNEMPLOYMENT, "out_review")
    with pytest.raises(ValidationFailed):  # no refusal without written reasons
        backoffice.cases.complete_task(
            row.id, {"unemployment_out_approved": False}, Actor("c", row.role, row.region)
        )
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_REFUSED)

    assert unemployment_rows(d) == [("out_review", "completed")]
    assert d.timer("timer_out_review").cancelled_at == local(START)
    assert d.timers("timer_in_decision") == []
    data = d.conclude()
    assert data["unemployment_result"] == "ineligible"
    assert (
        data["unemployment_reasons"] == UNEMPLOYMENT_OUT_REFUSED["unemployment_out_refusal_reasons"]
    )


def test_refused_at_transfer_in_in_writing_and_terminated_at_transfer_out(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice, out_region=SHANGHAI)  # would move funds if accepted
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)
    row = d.task(UNEMPLOYMENT, "in_decision")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(
            row.id,
            {"unemployment_in_accepted": False, "unemployment_reply_letter_number": "SYF-1"},
            Actor("c", row.role, row.region),
        )
    d.complete(UNEMPLOYMENT, "in_decision", UNEMPLOYMENT_IN_REFUSED)
    # The reply letter goes back: the transfer-out agency terminates the transfer.
    d.complete(UNEMPLOYMENT, "out_conclude", UNEMPLOYMENT_TERMINATED)

    assert unemployment_rows(d) == [
        ("out_review", "completed"),
        ("in_decision", "completed"),
        ("out_conclude", "completed"),
    ]
    assert d.tasks("transfer_funds") == []
    assert d.timers("timer_transfer_funds") == []
    data = d.conclude()
    assert data["unemployment_result"] == "refused"
    assert data["unemployment_reasons"] == UNEMPLOYMENT_IN_REFUSED["unemployment_refusal_reasons"]
    assert data["transfer_results"] == {"unemployment": "refused"}


def test_cross_province_with_a_year_of_contributions_moves_the_funds(
    backoffice: Backoffice,
) -> None:
    result = run_scenario(backoffice, "unemployment_cross_province_funds")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)

    assert [t.region for t in d.tasks("out_review")] == [SHANGHAI]
    [funds] = d.tasks("transfer_funds")
    assert (funds.process_id, funds.role, funds.region, funds.state) == (
        UNEMPLOYMENT,
        "unemployment_out_clerk",
        SHANGHAI,
        "completed",
    )
    assert funds.created_at == local(START)
    assert funds.completed_at == local("2026-10-20T10:00:00+08:00")
    # Within 1 month of the transfer-out (2021 notice): to the end of the corresponding day.
    timer = d.timer("timer_transfer_funds")
    assert timer.due_at == end_of_day("2026-10-28")
    assert timer.working_days is None
    assert (timer.fired_at, timer.cancelled_at) == (None, local("2026-10-20T10:00:00+08:00"))
    assert d.tasks("escalate_step_out") == []
    data = d.data()
    assert data["unemployment_result"] == "completed"
    assert data["unemployment_funds_status"] == "transferred"


@pytest.mark.parametrize(
    ("months", "funds"), [(11, False), (12, True)], ids=["11-months", "12-months"]
)
def test_cross_province_funds_move_only_after_a_full_year_at_transfer_out(
    backoffice: Backoffice, months: int, funds: bool
) -> None:
    d = unemployment_case(backoffice, out_region=SHANGHAI, months=months)
    d.run(UNEMPLOYMENT_SUCCESS)
    assert (d.open_names() == [f"{UNEMPLOYMENT}/transfer_funds"]) is funds
    if funds:
        d.complete(UNEMPLOYMENT, "transfer_funds", UNEMPLOYMENT_FUNDS)
    data = d.conclude()
    assert data["unemployment_result"] == "completed"
    assert data["unemployment_funds_status"] == ("transferred" if funds else "not_applicable")


def test_cross_province_relationship_only_scenario(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "unemployment_cross_province_relationship_only")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert d.tasks("transfer_funds") == []
    assert d.timers("timer_transfer_funds") == []
    assert d.data()["unemployment_funds_status"] == "not_applicable"


def test_funds_limit_fires_one_calendar_month_after_transfer_out(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice, out_region=SHANGHAI)
    d.run(UNEMPLOYMENT_SUCCESS)
    timer = d.timer("timer_transfer_funds")
    # 民法典 第二百零二条: the corresponding day 10-28 (a working day), to its end in Beijing.
    assert timer.due_at == end_of_day("2026-10-28")

    d.at("2026-10-28T23:59:58+08:00")
    assert d.timer("timer_transfer_funds").fired_at is None
    assert d.tasks("escalate_step_out") == []
    d.at("2026-10-29T00:00:01+08:00")
    assert d.timer("timer_transfer_funds").fired_at == local("2026-10-29T00:00:01+08:00")
    [escalation] = d.tasks("escalate_step_out")
    # The funds are the transfer-out agency's step: its region's 督办 follows it up.
    assert (escalation.process_id, escalation.role, escalation.region, escalation.state) == (
        UNEMPLOYMENT,
        "supervisor",
        SHANGHAI,
        "open",
    )
    # Benefits are not held up: the funds task stays open for the transfer-out agency.
    assert [t.state for t in d.tasks("transfer_funds")] == ["open"]
    d.at("2026-11-02T09:00:00+08:00")
    assert d.fired().count("timer_transfer_funds") == 1

    d.complete(UNEMPLOYMENT, "escalate_step_out", UNEMPLOYMENT_ESCALATE)
    d.complete(UNEMPLOYMENT, "transfer_funds", UNEMPLOYMENT_FUNDS)
    assert d.conclude()["unemployment_funds_status"] == "transferred"


def test_transfer_out_limit_fires_after_the_fifth_working_day(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice, out_region=NINGBO)
    check_runs_out_at_end_of(d, "timer_out_review", "2026-10-10", working_days=5)
    [escalation] = d.tasks("escalate_step_out")
    assert (escalation.process_id, escalation.role, escalation.state) == (
        UNEMPLOYMENT,
        "supervisor",
        "open",
    )
    assert [t.state for t in d.tasks("out_review")] == ["open"]
    d.run(UNEMPLOYMENT_SUCCESS)
    assert d.conclude()["unemployment_result"] == "completed"
    assert [t.state for t in d.tasks("escalate_step_out")] == ["cancelled"]


def test_transfer_in_decision_limit_counts_from_the_letter(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice, out_region=NINGBO)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)
    check_runs_out_at_end_of(d, "timer_in_decision", "2026-10-15", working_days=5)
    [escalation] = d.tasks("escalate_step", "open")
    assert escalation.process_id == UNEMPLOYMENT
    d.complete(UNEMPLOYMENT, "escalate_step", UNEMPLOYMENT_ESCALATE)
    d.complete(UNEMPLOYMENT, "in_decision", UNEMPLOYMENT_IN_OK)
    d.complete(UNEMPLOYMENT, "out_conclude", UNEMPLOYMENT_CONCLUDED)
    assert d.conclude()["unemployment_result"] == "completed"


def test_hangzhou_legal_limit_fires_after_the_30th_working_day(backoffice: Backoffice) -> None:
    # Hangzhou → Shaoxing: Hangzhou's 30 working days (seed 002 十二) time its transfer-out review.
    d = unemployment_case(backoffice, out_region=HANGZHOU, in_region="330602")
    assert [t.working_days for t in d.timers("timer_out_legal")] == [30]
    assert [t.working_days for t in d.timers("timer_legal")] == [45]  # the bundle's own
    check_runs_out_at_end_of(d, "timer_out_legal", "2026-11-13", working_days=30)

    escalations = [t for t in d.tasks("escalate_step_out") if t.process_id == UNEMPLOYMENT]
    # The committed 即办 limit fired on 09-28, out_review's own 5-day limit on 10-10 and the
    # legal limit adds the third supervisor task; the review is still open.
    assert [(t.role, t.state) for t in escalations] == [("supervisor", "open")] * 3
    assert d.recorded()["unemployment_warning"]["limit"] == "unemployment.out.legal"
    assert [t.state for t in d.tasks("out_review")] == ["open"]
    assert d.case().status == "in_transfer"  # the bundle review passed; transferring
    d.run(UNEMPLOYMENT_SUCCESS)
    assert d.conclude()["unemployment_result"] == "completed"


def test_hangzhou_legal_limit_stops_when_the_transfer_completes_in_time(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice, out_region=HANGZHOU, in_region="330602")
    d.at("2026-10-08T11:00:00+08:00")
    d.run(UNEMPLOYMENT_SUCCESS)
    [legal] = d.timers("timer_out_legal")
    assert (legal.fired_at, legal.cancelled_at) == (None, local("2026-10-08T11:00:00+08:00"))
    # The bundle concludes with its only transfer (审核 came first), which stops its 45 days too.
    [bundle] = [t for t in d.timers("timer_legal") if t.working_days == 45]
    assert (bundle.fired_at, bundle.cancelled_at) == (None, local("2026-10-08T11:00:00+08:00"))


def test_hangzhou_limits_do_not_time_the_transfer_in_decision(backoffice: Backoffice) -> None:
    """seed 002 八、十一、十二 / 浙江2017 第六条（二）（三）: Hangzhou's limits end with its own
    review; Shaoxing's decision is timed by its 5 working days only, however long it takes."""
    d = unemployment_case(backoffice, out_region=HANGZHOU, in_region="330602")
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)  # the same day: 即办 kept
    assert [t.cancelled_at for t in d.timers("timer_out_committed")] == [local(START)]
    assert [t.cancelled_at for t in d.timers("timer_out_legal")] == [local(START)]
    [decision] = d.tasks("in_decision")
    assert (decision.region, decision.due_at) == ("330602", end_of_day("2026-10-10"))
    d.at("2026-11-20T09:00:00+08:00")  # past Hangzhou's 30th working day (11-13)
    fired = [k for k in d.fired() if k != "timer_committed"]  # the bundle's 9 days aside
    assert fired == ["timer_in_decision"]
    assert len([t for t in d.tasks("escalate_step") if t.process_id == UNEMPLOYMENT]) == 1


@pytest.mark.parametrize("out_region", ["330602", "330304", SHANGHAI])
def test_hangzhou_as_transfer_in_contributes_no_limit(
    backoffice: Backoffice, out_region: str
) -> None:
    """A region's limits bind its own agency: Hangzhou as the transfer-in place (and any region
    on neither side) adds no limit to the transfer-out review."""
    d = unemployment_case(backoffice, out_region=out_region, in_region=HANGZHOU)
    assert d.timers("timer_out_committed") == []
    assert d.timers("timer_out_legal") == []
    [review] = d.tasks("out_review")
    assert review.due_at == end_of_day("2026-10-10")  # the 5 working days of 2021 only
    d.at("2026-11-20T09:00:00+08:00")
    escalations = [t for t in d.tasks("escalate_step_out") if t.process_id == UNEMPLOYMENT]
    assert len(escalations) == 1  # timer_out_review's
    assert [k for k in d.fired() if k.startswith("timer_out")] == ["timer_out_review"]


def test_hangzhou_unemployment_limit_does_not_mark_the_bundle_case_overdue(
    backoffice: Backoffice,
) -> None:
    """Only the bundle's own timers flag the case (was a defect in app/: flags by element id only)."""
    d = unemployment_case(backoffice, out_region=HANGZHOU, in_region="330602")
    d.at("2026-11-14T00:00:01+08:00")
    assert [t.working_days for t in d.timers("timer_out_legal") if t.fired_at] == [30]
    case = d.case()
    assert case.legal_due == date(2026, 12, 4)
    assert case.overdue is False


# -- 浙江2017 第六条（一）: the labour contract with the transfer-in employer -------------------


def test_employed_worker_needs_the_labour_contract_with_the_transfer_in_employer(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice)
    assert d.data()["unemployment_labour_contract_required"] is True
    row = d.task(UNEMPLOYMENT, "out_review")
    actor = Actor("c", row.role, row.region)
    without = {
        k: v
        for k, v in UNEMPLOYMENT_OUT_OK.items()
        if k not in ("unemployment_labour_contract_checked", "unemployment_new_employer_name")
    }
    for data in (
        without,
        {**without, "unemployment_labour_contract_checked": False},
        {**without, "unemployment_new_employer_name": "  "},
    ):
        with pytest.raises(ValidationFailed) as refused:
            backoffice.cases.complete_task(row.id, data, actor)
        messages = {e.field: e.message for e in refused.value.errors}
        assert set(messages) == {
            "/unemployment_labour_contract_checked",
            "/unemployment_new_employer_name",
        }
        assert "劳动合同" in messages["/unemployment_labour_contract_checked"]
        assert "第六条（一）" in messages["/unemployment_labour_contract_checked"]
        assert messages["/unemployment_new_employer_name"] == "请填写劳动合同上的转入地用人单位名称"
    # Nothing changed: the review is still open and no letter went out.
    assert [t.state for t in d.tasks("out_review")] == ["open"]
    assert d.tasks("in_decision") == []

    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)
    data = d.data()
    assert data["unemployment_labour_contract_checked"] is True
    assert data["unemployment_new_employer_name"] == "绍兴市越城区某某科技有限公司"
    assert [t.state for t in d.tasks("in_decision")] == ["open"]


def test_missing_or_invalid_labour_contract_is_refused_in_writing(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice)
    reasons = ["未提供与转入地用人单位签订的劳动合同（浙江2017 第六条（一））"]
    d.complete(
        UNEMPLOYMENT,
        "out_review",
        {"unemployment_out_approved": False, "unemployment_out_refusal_reasons": reasons},
    )
    data = d.conclude()
    assert data["unemployment_result"] == "ineligible"
    assert data["unemployment_reasons"] == reasons


def test_benefit_recipient_is_not_asked_for_a_labour_contract(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(
        application(
            insurances=["unemployment"],
            status={"employment": "unemployed", "insured_at_transfer_out": True},
            unemployment={"receiving_benefit": True, "benefit_at_hukou": True},
        )
    )
    assert d.data()["unemployment_labour_contract_required"] is False
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK_BENEFIT)
    assert [t.state for t in d.tasks("in_decision")] == ["open"]
    assert "unemployment_labour_contract_checked" not in d.data()


# -- 2021 通知 第三条（一）: the 失业原因 ------------------------------------------------------

CAUSE = "unemployment_cause"


def benefit_recipient_case(backoffice: Backoffice, out_region: str = "330100") -> CaseDriver:
    return CaseDriver(backoffice).submit(
        application(
            insurances=["unemployment"],
            transfer_out_region=out_region,
            status={"employment": "unemployed", "insured_at_transfer_out": True},
            unemployment={"receiving_benefit": True, "benefit_at_hukou": True},
        )
    )


def test_an_unemployed_persons_approval_needs_the_cause_printed_on_the_letter(
    backoffice: Backoffice,
) -> None:
    d = benefit_recipient_case(backoffice)
    row = d.task(UNEMPLOYMENT, "out_review")
    actor = Actor("c", row.role, row.region)
    without = {k: v for k, v in UNEMPLOYMENT_OUT_OK_BENEFIT.items() if k != CAUSE}
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, without, actor)
    [error] = refused.value.errors
    assert error.field == f"/{CAUSE}" and "失业原因" in error.message
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, {**without, CAUSE: "lazy"}, actor)
    assert [e.field for e in refused.value.errors] == [f"/{CAUSE}"]
    assert [t.state for t in d.tasks("out_review")] == ["open"]  # nothing was saved

    d.complete(UNEMPLOYMENT, "out_review", {**without, CAUSE: "employer_fault"})
    html = backoffice.documents.issue(d.number, "contact_letter", "unemployment", "html", "c")
    assert isinstance(html, str)
    assert "<tr><th>失业原因</th><td>因用人单位过错由本人解除劳动合同</td></tr>" in html


def test_a_refusal_of_an_unemployed_person_needs_no_cause(backoffice: Backoffice) -> None:
    d = benefit_recipient_case(backoffice)
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_REFUSED)
    assert d.conclude()["unemployment_result"] == "ineligible"


def test_cross_province_benefit_recipient_cause_scenario(backoffice: Backoffice) -> None:
    name = "unemployment_cross_province_benefit_recipient_cause"
    result = run_scenario(backoffice, name)
    assert result.passed, result.failures
    issued = [(r.kind, r.insurance) for r in backoffice.documents.available(result.case_number)]
    assert issued == [
        ("contact_letter", "unemployment"),
        ("reply_letter", "unemployment"),
        ("completion_notice", None),
        ("acceptance_notice", None),
        ("delivery_receipt", None),
    ]
    html = backoffice.documents.issue(
        result.case_number, "contact_letter", "unemployment", "html", "c"
    )
    assert "<tr><th>失业原因</th><td>被用人单位解除劳动合同</td></tr>" in html
    assert "¥24,300.00元" in html  # 1.5 × (12 − 3) × 1800.00 (2021 通知 第二条（一）)


def test_an_employed_worker_has_no_cause_of_unemployment(backoffice: Backoffice) -> None:
    d = unemployment_case(backoffice)
    assert d.data()["unemployment_cause_required"] is False
    row = d.task(UNEMPLOYMENT, "out_review")
    actor = Actor("c", row.role, row.region)
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(
            row.id, {**UNEMPLOYMENT_OUT_OK, CAUSE: "contract_terminated"}, actor
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        (f"/{CAUSE}", "失业原因：在职职工转移的不填写失业原因")
    ]
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_OK)
    html = backoffice.documents.issue(d.number, "contact_letter", "unemployment", "html", "c")
    assert "失业原因" not in html


# -- 2021 通知 第三条（一）: the 社保卡号 and the verified and unverified contributions ---------

CARD = "unemployment_social_security_card_number"
UNVERIFIED = "unemployment_unverified_contribution_months"


def test_approval_needs_the_card_number_and_the_unverified_months(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice)
    row = d.task(UNEMPLOYMENT, "out_review")
    actor = Actor("c", row.role, row.region)
    without = {k: v for k, v in UNEMPLOYMENT_OUT_OK.items() if k not in (CARD, UNVERIFIED)}
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, without, actor)
    assert {e.field: e.message for e in refused.value.errors} == {
        f"/{CARD}": "社会保障卡号：必填项缺失",
        f"/{UNVERIFIED}": "未核定的缴费月数：必填项缺失",
    }
    for card in ("A0765 4321", "卡A07654321", "A" * 31, "", "A07654321\n"):
        with pytest.raises(ValidationFailed) as refused:
            backoffice.cases.complete_task(row.id, {**UNEMPLOYMENT_OUT_OK, CARD: card}, actor)
        assert [(e.field, e.message) for e in refused.value.errors] == [
            (f"/{CARD}", "社会保障卡号：应为1至30位字母或数字（社会保障卡上的卡号，不含空格）")
        ], card
    for months in (-1, "2", 1.5):
        with pytest.raises(ValidationFailed) as refused:
            backoffice.cases.complete_task(
                row.id, {**UNEMPLOYMENT_OUT_OK, UNVERIFIED: months}, actor
            )
        assert [e.field for e in refused.value.errors] == [f"/{UNVERIFIED}"]
    assert [t.state for t in d.tasks("out_review")] == ["open"]  # nothing was saved

    d.complete(UNEMPLOYMENT, "out_review", {**UNEMPLOYMENT_OUT_OK, UNVERIFIED: 0})
    assert d.data()[UNVERIFIED] == 0  # none unverified is an answer too
    assert [t.state for t in d.tasks("in_decision")] == ["open"]


def test_a_refusal_needs_neither_the_card_number_nor_the_unverified_months(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice)
    d.complete(UNEMPLOYMENT, "out_review", UNEMPLOYMENT_OUT_REFUSED)
    assert d.conclude()["unemployment_result"] == "ineligible"


def test_the_card_number_is_printed_on_the_contact_letter_but_kept_out_of_the_log(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice)
    d.complete(UNEMPLOYMENT, "out_review", {**UNEMPLOYMENT_OUT_OK, CARD: "B12345678"})
    # Personal data (x-personal): not in the workflow, not in the audit event ...
    assert CARD not in d.data()
    assert d.data()[UNVERIFIED] == 2
    [done] = [e for e in d.events("task_completed") if e.data["spec"] == "out_review"]
    assert done.data["personal_fields"] == [CARD]
    assert "B12345678" not in str(done.data) and done.data["data"][UNVERIFIED] == 2
    # ... but on the 联系函 the transfer-out agency sends, next to both contribution records.
    html = backoffice.documents.issue(d.number, "contact_letter", "unemployment", "html", "c")
    assert isinstance(html, str)
    assert "<tr><th>社会保障卡号</th><td>B12345678</td></tr>" in html
    assert "<tr><th>已核定的累计缴费月数</th><td>30个月</td></tr>" in html
    assert "<tr><th>未核定的缴费月数</th><td>2个月</td></tr>" in html
    assert "B12345678" not in str([e.data for e in d.events()])


# -- seed 002 十一「即办」/ 十二「承诺期限：即办」 (Hangzhou) --------------------------------------

# The unemployment diagram's timer_out_committed: Hangzhou's 即办 on its transfer-out review.
IMMEDIATE = "转出地承诺时限（即办）届满"


def immediate_timers(d: CaseDriver) -> list[Timer]:
    return [t for t in d.timers("timer_out_committed") if t.label == IMMEDIATE]


def unemployment_escalations(d: CaseDriver) -> list[tuple[str, str, str]]:
    return [
        (t.role, t.region, t.state)
        for t in d.tasks("escalate_step_out")
        if t.process_id == UNEMPLOYMENT
    ]


@pytest.mark.parametrize(
    ("accepted", "last_day", "equivalent_days"),
    [
        ("2026-09-28T09:00:00+08:00", "2026-09-28", 0),  # Monday: the day of acceptance
        ("2026-10-03T10:00:00+08:00", "2026-10-08", 1),  # National Day: next working day
        ("2026-10-10T10:00:00+08:00", "2026-10-10", 0),  # make-up Saturday (调休) is worked
    ],
    ids=["working-day", "holiday", "make-up-saturday"],
)
def test_hangzhou_immediate_limit_runs_out_at_the_end_of_the_working_day_of_acceptance(
    backoffice: Backoffice, accepted: str, last_day: str, equivalent_days: int
) -> None:
    d = CaseDriver(backoffice).submit(
        application(
            insurances=["unemployment"], transfer_out_region=HANGZHOU, transfer_in_region="330602"
        ),
        at=accepted,
    )
    [timer] = immediate_timers(d)
    assert timer.due_at == end_of_day(last_day)
    assert timer.armed_at == local(accepted)
    # A rest-day start is recorded as the 1-working-day limit it equals (for recomputation).
    assert timer.working_days == equivalent_days

    d.at(f"{last_day}T23:59:59+08:00")
    assert d.timer_row(timer.id).fired_at is None
    assert unemployment_escalations(d) == []

    after = f"{next_day(last_day)}T00:00:01+08:00"
    d.at(after)
    assert d.timer_row(timer.id).fired_at == local(after)
    assert [(role, state) for role, _, state in unemployment_escalations(d)] == [
        ("supervisor", "open")
    ]
    warning = d.recorded()["unemployment_warning"]
    assert (warning["step"], warning["limit"]) == ("out_review", "unemployment.out.committed")
    # Non-interrupting: the transfer-out review is still there to be done. Only the bundle's
    # own limits flag the case itself.
    assert [t.state for t in d.tasks("out_review")] == ["open"]
    assert d.case().warned is False

    d.at(f"{next_day(last_day)}T12:00:00+08:00")
    assert [e.data["task"] for e in d.events("timer_fired")].count(timer.task_uuid) == 1
    d.complete(UNEMPLOYMENT, "escalate_step_out", UNEMPLOYMENT_ESCALATE)
    d.run(UNEMPLOYMENT_SUCCESS)
    assert d.conclude()["unemployment_result"] == "completed"


def test_hangzhou_immediate_limit_stops_when_the_transfer_completes_the_same_day(
    backoffice: Backoffice,
) -> None:
    d = unemployment_case(backoffice, out_region=HANGZHOU, in_region="330602")
    d.at("2026-09-28T15:00:00+08:00")
    d.run(UNEMPLOYMENT_SUCCESS)
    [timer] = immediate_timers(d)
    assert (timer.fired_at, timer.cancelled_at) == (None, local("2026-09-28T15:00:00+08:00"))
    d.at("2026-09-29T09:00:00+08:00")
    assert d.timer_row(timer.id).fired_at is None
    assert unemployment_escalations(d) == []
    assert d.data()["unemployment_result"] == "completed"


@pytest.mark.parametrize("in_region", ["330602", "330304"])
def test_no_immediate_limit_outside_hangzhou(backoffice: Backoffice, in_region: str) -> None:
    # Neither side is Hangzhou (Ningbo → Shaoxing / Wenzhou): no 即办 anywhere.
    d = unemployment_case(backoffice, out_region=NINGBO, in_region=in_region)
    assert immediate_timers(d) == []
    d.at("2026-09-29T00:00:01+08:00")
    assert unemployment_escalations(d) == []
