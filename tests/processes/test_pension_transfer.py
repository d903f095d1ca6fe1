"""pension_transfer.bpmn (国办发〔2009〕66号, national rule): every path, inside a pension-only bundle.

contact_letter (transfer-in, 15 working days) → refused | temporary account | transfer_out
(transfer-out, 15) → ineligible | transfer_in (transfer-in, 15) → completed; each step limit is a
non-interrupting timer that warns and opens a supervisor task. Every step restores the workflow.
"""

from __future__ import annotations

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from tests.processes.driver import (
    PENSION_CONTACT_OK,
    PENSION_CONTACT_REFUSED,
    PENSION_CONTACT_TEMPORARY,
    PENSION_ESCALATE,
    PENSION_IN_OK,
    PENSION_OUT_INELIGIBLE,
    PENSION_OUT_OK,
    PENSION_SUCCESS,
    START,
    CaseDriver,
    application,
    check_runs_out_at_end_of,
    end_of_day,
    load_scenario,
    local,
    run_scenario,
)

PENSION = "pension_transfer"


def pension_case(backoffice: Backoffice) -> CaseDriver:
    return CaseDriver(backoffice).submit(application(insurances=["pension"]))


def test_transfer_with_funds_is_completed_by_the_three_agencies(backoffice: Backoffice) -> None:
    d = pension_case(backoffice)
    [letter] = d.tasks("contact_letter")
    assert (letter.process_id, letter.role, letter.region) == (PENSION, "pension_clerk", "330602")
    assert letter.due_at == end_of_day("2026-10-23")  # 15 working days from acceptance

    d.complete(PENSION, "contact_letter", PENSION_CONTACT_OK)
    [out] = d.tasks("transfer_out")
    assert (out.role, out.region, out.state) == ("pension_out_clerk", "330100", "open")
    assert out.due_at == end_of_day("2026-10-23")
    d.complete(PENSION, "transfer_out", PENSION_OUT_OK)
    [inn] = d.tasks("transfer_in")
    assert (inn.role, inn.region) == ("pension_clerk", "330602")
    d.complete(PENSION, "transfer_in", PENSION_IN_OK)

    assert [t.state for t in d.tasks()] == ["completed"] * 4  # the bundle review came first
    assert d.open_names() == []
    for kind in ("timer_contact_letter", "timer_transfer_out", "timer_transfer_in"):
        timer = d.timer(kind)
        assert (timer.fired_at, timer.cancelled_at) == (None, local(START))
    assert d.tasks("escalate_step") == []
    data = d.conclude()
    assert data["pension_result"] == "completed"
    assert data["pension_account_type"] == "regular"
    assert data["pension_reasons"] == []
    assert d.case().status == "concluded"


def test_man_over_50_at_a_non_hukou_place_gets_a_temporary_account(backoffice: Backoffice) -> None:
    """国办发〔2009〕66号 第五条第（二）项: an Anhui 户籍 man of 54 moving from Shanghai to
    Yuecheng (cross-province, not back to his 户籍 province) gets a temporary account."""
    story = load_scenario("pension_temporary_account")
    assert story["application"]["transfer_out_region"][:2] != "33"  # cross-province
    assert story["application"]["applicant"]["hukou_region"][:2] not in ("31", "33")
    result = run_scenario(backoffice, "pension_temporary_account")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)

    [temporary] = d.tasks("temporary_account")
    assert (temporary.process_id, temporary.role, temporary.region) == (
        PENSION,
        "pension_clerk",
        "330602",
    )
    assert temporary.state == "completed"
    # The old relationship stays: nothing is transferred out or in.
    assert d.tasks("transfer_out") == []
    assert d.tasks("transfer_in") == []
    assert d.timers("timer_transfer_out") == []
    assert d.timer("timer_contact_letter").cancelled_at == local(START)
    data = d.data()
    assert data["pension_result"] == "completed"
    assert data["pension_account_type"] == "temporary"
    assert "第五条第（二）项" in data["pension_temporary_account_rule"]
    assert data["transfer_results"] == {"pension": "completed"}
    assert d.case().status == "concluded"
    # The applicant is told what happened: nothing moved, the relationship stays.
    [pension] = backoffice.portal.status(d.number)["insurances"]
    assert (
        pension["text"]
        == "基本养老保险关系保留在原参保地上海市，已在绍兴市越城区建立临时基本养老保险缴费账户"
    )


def test_the_temporary_account_is_not_a_choice_where_the_rule_applies(
    backoffice: Backoffice,
) -> None:
    story = load_scenario("pension_temporary_account")
    d = CaseDriver(backoffice).submit(story["application"])
    row = d.task(PENSION, "contact_letter")
    with pytest.raises(ValidationFailed) as error:
        backoffice.cases.complete_task(row.id, PENSION_CONTACT_OK, Actor("c", row.role, row.region))
    [field] = error.value.errors
    assert field.field == "/pension_temporary_account"
    assert "应建立临时基本养老保险缴费账户" in field.message
    assert "第五条第（二）项" in field.message and "54周岁" in field.message
    assert d.tasks("contact_letter")[0].state == "open"  # nothing changed
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_TEMPORARY)
    assert [t.state for t in d.tasks("temporary_account")] == ["open"]


def drive_steps(backoffice: Backoffice, name: str) -> CaseDriver:
    """A scenario file's application and task steps; a `"refused": true` step must be refused
    with field errors and change nothing."""
    story = load_scenario(name)
    # The file's own steps include the bundle's review (seed 000 十四).
    d = CaseDriver(backoffice).submit(story["application"], at=story["start"], review=False)
    for step in story["steps"]:
        if step.get("refused"):
            row = d.task(step.get("process"), step["task"])
            before = [(t.task_spec, t.state) for t in d.tasks()]
            with pytest.raises(ValidationFailed) as error:
                backoffice.cases.complete_task(
                    row.id, step["data"], Actor("c", row.role, row.region)
                )
            assert error.value.errors
            assert [(t.task_spec, t.state) for t in d.tasks()] == before
        else:
            d.complete(step.get("process"), step["task"], step["data"])
    return d


def test_zhejiang_hukou_man_over_50_moving_within_zhejiang_transfers_normally(
    backoffice: Backoffice,
) -> None:
    """A move 杭州 → 越城 by a Zhejiang 户籍 man of 52 is no cross-province move: the relationship
    and funds transfer; choosing a temporary account is a field error."""
    d = drive_steps(backoffice, "pension_zhejiang_hukou_within_province")
    assert d.tasks("temporary_account") == []
    assert [t.state for t in d.tasks("transfer_out")] == ["completed"]
    assert [t.state for t in d.tasks("transfer_in")] == ["completed"]
    data = d.data()
    assert data["pension_result"] == "completed"
    assert data["pension_account_type"] == "regular"
    assert d.case().status == "concluded"


@pytest.mark.parametrize(
    ("hukou", "out", "expected"),
    [
        ("340102", "330100", False),  # out-of-province 户籍, but a move within Zhejiang
        ("330102", "310100", False),  # cross-province, back to the 户籍 province
        ("340102", "310100", True),  # cross-province, 户籍 in a third province
        ("310101", "310100", True),  # cross-province, 户籍 at the transfer-out province
    ],
)
def test_the_temporary_account_follows_provinces_not_cities(
    backoffice: Backoffice, hukou: str, out: str, expected: bool
) -> None:
    older = {"id_number": "340102197205051230", "hukou_region": hukou}  # a man of 54
    d = CaseDriver(backoffice).submit(
        application(insurances=["pension"], applicant=older, transfer_out_region=out)
    )
    wrong = (
        PENSION_CONTACT_OK
        if expected
        else {**PENSION_CONTACT_OK, "pension_temporary_account": True}
    )
    row = d.task(PENSION, "contact_letter")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(row.id, wrong, Actor("c", row.role, row.region))
    d.complete(
        PENSION, "contact_letter", PENSION_CONTACT_TEMPORARY if expected else PENSION_CONTACT_OK
    )
    assert bool(d.tasks("temporary_account")) is expected
    assert bool(d.tasks("transfer_out")) is not expected


def test_refused_at_contact_letter_with_written_reasons(backoffice: Backoffice) -> None:
    d = pension_case(backoffice)
    row = d.task(PENSION, "contact_letter")
    with pytest.raises(ValidationFailed):  # a refusal needs its reasons in writing
        backoffice.cases.complete_task(
            row.id, {"pension_eligible": False}, Actor("c", row.role, row.region)
        )
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_REFUSED)

    assert d.tasks("transfer_out") == []
    assert d.tasks("temporary_account") == []
    assert d.open_names() == []  # 办结 follows at once: the bundle review came first
    assert d.timer("timer_contact_letter").cancelled_at == local(START)
    data = d.conclude()
    assert data["pension_result"] == "refused"
    assert data["pension_reasons"] == PENSION_CONTACT_REFUSED["pension_refusal_reasons"]


def test_ineligible_at_transfer_out_ends_the_pension_transfer(backoffice: Backoffice) -> None:
    d = pension_case(backoffice)
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_OK)
    d.at("2026-10-09T10:00:00+08:00")
    row = d.task(PENSION, "transfer_out")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(
            row.id, {"pension_out_decision": "ineligible"}, Actor("c", row.role, row.region)
        )
    d.complete(PENSION, "transfer_out", PENSION_OUT_INELIGIBLE)

    assert d.tasks("transfer_in") == []
    assert d.timers("timer_transfer_in") == []
    assert d.timer("timer_transfer_out").cancelled_at == local("2026-10-09T10:00:00+08:00")
    assert d.open_names() == []  # 办结 follows at once: the bundle review came first
    data = d.conclude()
    assert data["pension_result"] == "ineligible"
    assert data["pension_reasons"] == PENSION_OUT_INELIGIBLE["pension_ineligible_reasons"]


def test_contact_letter_limit_fires_after_the_15th_working_day_and_escalates(
    backoffice: Backoffice,
) -> None:
    d = pension_case(backoffice)
    check_runs_out_at_end_of(d, "timer_contact_letter", "2026-10-23", working_days=15)

    [escalation] = d.tasks("escalate_step")
    assert (escalation.process_id, escalation.role, escalation.region, escalation.state) == (
        PENSION,
        "supervisor",
        "330602",
        "open",
    )
    # A warning only: the clerk's task stays open and the transfer goes on.
    assert [t.state for t in d.tasks("contact_letter")] == ["open"]
    d.complete(PENSION, "escalate_step", PENSION_ESCALATE)
    assert [t.state for t in d.tasks("escalate_step")] == ["completed"]
    # The warning and the supervision are on record in the audit log.
    assert d.fired() == ["timer_committed", "timer_contact_letter"]  # the bundle's on 10-16
    [supervised] = [e for e in d.events("task_completed") if e.data["spec"] == "escalate_step"]
    assert supervised.data["data"] == PENSION_ESCALATE
    assert supervised.data["process"] == PENSION
    d.run(PENSION_SUCCESS)
    assert d.conclude()["pension_result"] == "completed"
    assert d.fired().count("timer_contact_letter") == 1


def test_transfer_out_limit_counts_from_the_day_the_letter_arrives(backoffice: Backoffice) -> None:
    d = pension_case(backoffice)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_OK)
    # 15 working days after Friday 10-09: make-up Saturday 10-10 counts, 10-29 is the 15th.
    check_runs_out_at_end_of(d, "timer_transfer_out", "2026-10-29", working_days=15)

    # The transfer-out agency's limit: its supervision is in the transfer-out participant.
    [escalation] = d.tasks("escalate_step_out", "open")
    assert (escalation.process_id, escalation.role) == (PENSION, "supervisor")
    # The limit binds the transfer-out agency: its region's supervisor follows it up.
    [out_task] = d.tasks("transfer_out")
    assert escalation.region == out_task.region != d.case().transfer_in_region
    assert out_task.state == "open"
    d.complete(PENSION, "transfer_out", PENSION_OUT_OK)
    # The transfer-out agency's part ended: its unanswered escalation is closed with it.
    assert [t.state for t in d.tasks("escalate_step_out")] == ["cancelled"]
    d.complete(PENSION, "transfer_in", PENSION_IN_OK)
    assert not [name for name in d.open_names() if name.startswith(PENSION)]


def test_transfer_in_limit_counts_from_the_day_the_funds_arrive(backoffice: Backoffice) -> None:
    d = pension_case(backoffice)
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_OK)
    d.at("2026-10-12T10:00:00+08:00")
    d.complete(PENSION, "transfer_out", PENSION_OUT_OK)
    [inn] = d.tasks("transfer_in")
    assert inn.due_at == end_of_day("2026-11-02")
    check_runs_out_at_end_of(d, "timer_transfer_in", "2026-11-02", working_days=15)

    assert len(d.tasks("escalate_step", "open")) == 1
    d.complete(PENSION, "escalate_step", PENSION_ESCALATE)
    d.complete(PENSION, "transfer_in", PENSION_IN_OK)
    assert d.conclude()["pension_result"] == "completed"
