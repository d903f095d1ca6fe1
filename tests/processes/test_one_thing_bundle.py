"""one_thing_bundle.bpmn: every path of the "一件事" bundle (seed 000), driven through the services.

申请 → 受理 (online: automatic; window: acceptance_review; 一次性告知 loop; 不予受理) → 审核 →
(passed) the selected insurances in parallel → 办结, (not passed) 不予受理 → 送达 of the decision
either way (on the spot, express, electronic; 0-working-day limit), with the committed (9) and
legal (45 working days) limits from acceptance as non-interrupting timers. The clock is frozen; every step
restores the workflow from the database (tests/processes/driver.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.errors import ValidationFailed
from tests.conftest import current_clock, settings_for
from tests.processes.driver import (
    DELIVER_EXPRESS,
    DELIVER_ON_SITE,
    ESCALATE_COMMITTED,
    ESCALATE_OVERDUE,
    MEDICAL_OUT_INELIGIBLE,
    MEDICAL_SUCCESS,
    PENSION_CONTACT_REFUSED,
    PENSION_SUCCESS,
    REVIEW_FAILED,
    REVIEW_PASSED,
    START,
    UNEMPLOYMENT_IN_REFUSED,
    UNEMPLOYMENT_OUT_OK,
    UNEMPLOYMENT_SUCCESS,
    UNEMPLOYMENT_TERMINATED,
    CaseDriver,
    application,
    check_runs_out_at_end_of,
    end_of_day,
    local,
    run_scenario,
)

BUNDLE = "one_thing_bundle"
REVIEW = (BUNDLE, "review")
FIRST_TASK = {
    "pension": "pension_transfer/contact_letter",
    "medical": "medical_transfer/suspend_and_certify",  # 规程 第四条, at the transfer-out agency
    "unemployment": "unemployment_transfer/out_review",
}
FIRST_TIMER = {
    "pension": ["timer_contact_letter"],
    "medical": [],  # suspending has no limit; the 联系函's starts when suspended
    # Hangzhou (330100) is the transfer-out region here: its own 即办 and 30-day limits time its
    # transfer-out step (seed 002 十二, bound to transfer_out in limits.json), besides 2021's 5.
    "unemployment": ["timer_out_review", "timer_out_committed", "timer_out_legal"],
}
PROCESS = {
    "pension": "pension_transfer",
    "medical": "medical_transfer",
    "unemployment": "unemployment_transfer",
}
DELIVERY = {
    "on_site": ("deliver_on_site", "timer_deliver_on_site", DELIVER_ON_SITE),
    "express": ("deliver_express", "timer_deliver_express", DELIVER_EXPRESS),
}
ESCALATE_DELIVERY = {
    "delivery_supervision_action": "urged_window",
    "delivery_supervision_note": "已督促窗口当日送达",
}


def all_three_done(d: CaseDriver) -> None:
    d.run(PENSION_SUCCESS)
    d.run(MEDICAL_SUCCESS)
    d.run(UNEMPLOYMENT_SUCCESS)


# -- 受理 -------------------------------------------------------------------------------------


def test_online_application_accepted_automatically_then_concluded_and_delivered_electronically(
    backoffice: Backoffice,
) -> None:
    result = run_scenario(backoffice, "bundle_all_three_success")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)

    case = d.case()
    assert case.status == "concluded"
    assert case.decision == "accepted"
    assert case.insurances == "pension,medical,unemployment"
    assert case.accepted_at == local(START)  # online: accepted on submission
    assert case.committed_due == date(2026, 10, 15)  # 9 working days, National Day skipped
    assert case.legal_due == date(2026, 12, 4)  # 45 working days
    assert case.deadlines_provisional is False
    assert (case.warned, case.overdue) == (False, False)
    assert case.completed_at == local(START)
    assert d.statuses() == ["running", "accepted", "in_transfer", "concluded"]

    assert d.tasks("acceptance_review") == []  # online: no window review
    assert all(t.state == "completed" for t in d.tasks())
    assert sorted(t.task_spec for t in d.tasks()) == sorted(
        ["contact_letter", "transfer_out", "transfer_in"] * 2
        + ["suspend_and_certify", "balance_arrival"]
        + ["out_review", "in_decision", "out_conclude", "review"]
    )
    for kind in ("timer_committed", "timer_legal"):
        timer = d.timer(kind)
        assert timer.fired_at is None
        assert timer.cancelled_at == local(START)
    assert d.pending_timers() == []
    assert d.fired() == []

    data = d.data()
    assert data["outcome"] == "completed"
    assert data["transfer_results"] == {
        "pension": "completed",
        "medical": "completed",
        "unemployment": "completed",
    }
    assert data["electronic_delivery_at"] == data["delivered_at"]
    assert {e.kind for e in d.events()} >= {"case_created", "task_completed", "case_completed"}


def test_window_application_is_accepted_at_acceptance_review_and_delivered_on_site(
    backoffice: Backoffice,
) -> None:
    result = run_scenario(backoffice, "bundle_window_pension_on_site")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)

    [review] = d.tasks("acceptance_review")
    assert (review.process_id, review.role, review.region) == (BUNDLE, "window_clerk", "330602")
    assert review.state == "completed"
    assert review.completed_at == local("2026-09-28T10:30:00+08:00")
    case = d.case()
    # The limits run from the clerk's acceptance, not from the submission.
    assert case.accepted_at == local("2026-09-28T10:30:00+08:00")
    assert case.committed_due == date(2026, 10, 15)
    assert d.timer("timer_committed").due_at == end_of_day("2026-10-15")
    assert d.statuses() == ["running", "submitted", "accepted", "in_transfer", "concluded"]

    [on_site] = d.tasks("deliver_on_site")
    assert (on_site.role, on_site.region, on_site.state) == ("window_clerk", "330602", "completed")
    assert d.tasks("deliver_express") == []
    assert case.status == "concluded"
    assert case.completed_at == local("2026-09-28T10:30:00+08:00")


def test_window_application_before_the_clerk_decides_has_no_limits_running(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application(channel="window", delivery="on_site"))
    assert d.submitted is not None and d.submitted.decision.decision == "accepted"
    case = d.case()
    assert case.status == "submitted"
    assert (case.accepted_at, case.committed_due, case.legal_due) == (None, None, None)
    assert d.open_names() == [f"{BUNDLE}/acceptance_review"]
    assert d.timers() == []


def test_correction_required_then_supplemented_and_reaccepted_restarts_the_clock(
    backoffice: Backoffice,
) -> None:
    # At the window without the 联办申请表: the system proposes 一次性告知.
    d = CaseDriver(backoffice).submit(application(channel="window", materials=[]))
    assert d.submitted is not None
    assert d.submitted.decision.decision == "correction_required"
    assert d.submitted.decision.missing_materials == ["missing:application_form"]
    assert (d.submitted.committed, d.submitted.legal) == (None, None)

    d.complete(
        BUNDLE,
        "acceptance_review",
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
    )
    case = d.case()
    assert case.status == "correction_required"
    assert (case.accepted_at, case.committed_due, case.legal_due) == (None, None, None)
    assert d.timers() == []  # 一次性告知 does not start the limits
    [supplement] = d.tasks("supplement_materials", "open")
    assert (supplement.role, supplement.region) == ("applicant", "330602")

    # Eleven days later (over the National Day holiday) the applicant supplements.
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["application_form"]})
    # The acceptance rules ran again server-side; the window clerk reviews the resubmission.
    [completion] = [
        e for e in d.events("task_completed") if e.data["spec"] == "supplement_materials"
    ]
    assert "decision" in completion.data["derived"]
    reviews = d.tasks("acceptance_review")
    assert [t.state for t in reviews] == ["completed", "open"]
    # Resubmitted and waiting for the clerk: no longer "please supplement" for the applicant.
    assert d.case().status == "submitted"
    assert d.data()["decision"] == "accepted"
    assert d.data()["missing_materials"] == []
    assert d.data()["correction_count"] == 1
    assert d.timers() == []

    d.complete(BUNDLE, "acceptance_review", {"decision": "accepted"})
    case = d.case()
    assert case.status == "accepted"
    assert case.accepted_at == local("2026-10-09T10:00:00+08:00")
    assert case.committed_due == date(2026, 10, 21)  # 9 working days after 10-09 (10-10 is worked)
    assert case.legal_due == date(2026, 12, 10)
    assert d.timer("timer_committed").due_at == end_of_day("2026-10-21")
    assert d.timer("timer_legal").due_at == end_of_day("2026-12-10")
    assert d.statuses() == [
        "running",
        "submitted",
        "correction_required",
        "submitted",
        "accepted",
    ]
    assert d.open_names() == [f"{BUNDLE}/review"]  # 审核 first, then the transfers
    d.pass_review()
    assert sorted(d.open_names()) == sorted(FIRST_TASK.values())

    # The restarted committed limit, not the original one, is what fires.
    check_runs_out_at_end_of(d, "timer_committed", "2026-10-21", working_days=9)
    assert d.case().warned is True


def test_applicant_cannot_decide_acceptance_by_supplementing(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(channel="window", materials=[]))
    d.complete(
        BUNDLE,
        "acceptance_review",
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
    )
    row = d.task(BUNDLE, "supplement_materials")
    forged = {"supplemented_materials": ["id_card"], "decision": "accepted", "reasons": []}
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(row.id, forged, Actor("applicant", row.role, row.region))
    # Supplementing the wrong paper: the rules, not the applicant, decide again.
    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["id_card"]})
    assert d.data()["decision"] == "correction_required"
    assert d.data()["missing_materials"] == ["missing:application_form"]
    assert d.case().accepted_at is None


def test_incomplete_supplement_gets_a_second_notice_listing_what_is_still_missing(
    backoffice: Backoffice,
) -> None:
    # An employer acting for the person at the window brought neither the form nor the copy.
    agent = {"kind": "employer", "name": "绍兴某某有限公司", "credit_code": "91330602MA2BCDEF1X"}
    d = CaseDriver(backoffice).submit(application(channel="window", materials=[], agent=agent))
    assert d.submitted is not None
    missing = ["missing:application_form", "missing:stamped_id_copy"]
    assert d.submitted.decision.missing_materials == missing  # all of them at once
    d.complete(
        BUNDLE,
        "acceptance_review",
        {"decision": "correction_required", "missing_materials": missing},
    )

    d.at("2026-09-29T10:00:00+08:00")
    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["application_form"]})
    assert d.case().status == "submitted"
    data = d.data()
    assert data["decision"] == "correction_required"  # decided again, server-side
    assert data["missing_materials"] == ["missing:stamped_id_copy"]
    assert data["application"]["materials"] == ["application_form"]
    d.complete(
        BUNDLE,
        "acceptance_review",
        {"decision": "correction_required", "missing_materials": ["missing:stamped_id_copy"]},
    )
    assert d.case().status == "correction_required"
    assert [t.state for t in d.tasks("supplement_materials")] == ["completed", "open"]

    d.at("2026-09-30T10:00:00+08:00")
    d.complete(BUNDLE, "supplement_materials", {"supplemented_materials": ["stamped_id_copy"]})
    assert d.data()["decision"] == "accepted"
    assert d.data()["correction_count"] == 2
    d.complete(BUNDLE, "acceptance_review", {"decision": "accepted"})
    case = d.case()
    assert case.status == "accepted"
    assert case.accepted_at == local("2026-09-30T10:00:00+08:00")
    assert case.committed_due == date(2026, 10, 19)  # 10-08 is the 1st working day after 09-30
    assert [t.state for t in d.tasks("acceptance_review")] == ["completed"] * 3


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"status": {"retired": True}}, ["retired"]),
        (
            {"status": {"retired": True}, "medical": {"account_overdrawn": True}},
            ["retired", "medical_account_overdrawn"],
        ),
        ({"transfer_out_region": "330602"}, ["same_region"]),
    ],
    ids=["retired", "two-reasons", "same-region"],
)
def test_refused_online_at_acceptance_ends_the_case_and_keeps_every_reason(
    backoffice: Backoffice, changes: dict[str, object], reasons: list[str]
) -> None:
    d = CaseDriver(backoffice).submit(application(**changes))
    assert d.submitted is not None
    assert d.submitted.decision.decision == "refused"
    assert d.submitted.decision.reasons == reasons

    case = d.case()
    assert case.status == "refused"
    assert case.decision == "refused"
    assert (case.accepted_at, case.committed_due, case.legal_due) == (None, None, None)
    assert case.completed_at == local(START)
    assert d.statuses() == ["running", "refused"]
    assert d.tasks() == []
    assert d.timers() == []
    kinds = [e.kind for e in d.events()]
    assert "case_completed" in kinds
    assert "task_created" not in kinds and "timer_armed" not in kinds

    data = d.data()
    assert data["reasons"] == reasons
    assert data["refusal_stage"] == "acceptance"


def test_window_clerk_refuses_at_acceptance_review_with_written_reasons(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application(channel="window"))
    refusal = {
        "decision": "refused",
        "reasons": ["still_insured_at_transfer_out"],
        "acceptance_note": "核实系统数据：转出地仍在参保",
    }
    d.complete(BUNDLE, "acceptance_review", refusal)

    case = d.case()
    assert case.status == "refused"
    assert case.completed_at == local(START)
    assert case.accepted_at is None
    assert d.timers() == []
    assert d.open_names() == []
    [completion] = d.events("task_completed")
    assert completion.data["data"]["reasons"] == ["still_insured_at_transfer_out"]
    data = d.data()
    assert data["reasons"] == ["still_insured_at_transfer_out"]
    assert data["refusal_stage"] == "acceptance"


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "refused"},
        {"decision": "refused", "reasons": []},
        {"decision": "correction_required"},
        {"decision": "correction_required", "missing_materials": []},
    ],
    ids=["refused-no-reasons", "refused-empty-reasons", "correction-no-list", "correction-empty"],
)
def test_acceptance_review_needs_reasons_for_a_refusal_and_materials_for_a_correction(
    backoffice: Backoffice, data: dict[str, object]
) -> None:
    d = CaseDriver(backoffice).submit(application(channel="window"))
    row = d.task(BUNDLE, "acceptance_review")
    with pytest.raises(ValidationFailed):
        backoffice.cases.complete_task(row.id, data, Actor("clerk", row.role, row.region))
    assert d.case().status == "submitted"
    assert d.open_names() == [f"{BUNDLE}/acceptance_review"]


# -- 审核、办结、送达 ----------------------------------------------------------------------------


def test_review_comes_right_after_acceptance_and_gates_the_transfers(
    backoffice: Backoffice,
) -> None:
    """000 十四「对于审核通过的，予以办理」: no relationship moves before the review has passed;
    the committed and legal limits still count from acceptance."""
    d = CaseDriver(backoffice).submit(application(), review=False)
    assert d.open_names() == [f"{BUNDLE}/review"]
    [review] = d.tasks("review")
    assert (review.role, review.region) == ("reviewer", "330602")
    assert {t.process_id for t in d.tasks()} == {BUNDLE}  # no transfer started yet
    assert d.pending_timers() == ["timer_committed", "timer_legal"]
    assert d.case().status == "accepted"
    assert d.timer("timer_committed").start_at == local(START)

    d.at("2026-09-29T10:00:00+08:00")
    d.complete(*REVIEW, REVIEW_PASSED)
    assert d.open_names() == sorted(FIRST_TASK.values())
    assert d.case().status == "in_transfer"
    assert d.statuses() == ["running", "accepted", "in_transfer"]
    # The limits were armed at acceptance and keep running: not restarted by the review.
    assert d.timer("timer_committed").due_at == end_of_day("2026-10-15")
    assert d.timer("timer_legal").due_at == end_of_day("2026-12-04")

    all_three_done(d)  # 办结 follows the last transfer at once: no review afterwards
    case = d.case()
    assert case.status == "concluded"
    assert d.statuses() == ["running", "accepted", "in_transfer", "concluded"]
    assert [t.task_spec for t in d.tasks("review")] == ["review"]


def test_review_not_passed_refuses_the_case_with_reasons_and_still_delivers(
    backoffice: Backoffice,
) -> None:
    """000 十四「对于审核不通过的，不予受理并告知原因」: refused before any transfer was started,
    so no relationship has moved; the 不予受理决定书 (reasons + remedies) is delivered."""
    d = CaseDriver(backoffice).submit(application(insurances=["unemployment"]), review=False)
    d.at("2026-09-29T15:00:00+08:00")
    d.complete(*REVIEW, REVIEW_FAILED)

    case = d.case()
    assert case.status == "refused"
    assert case.completed_at == local("2026-09-29T15:00:00+08:00")  # electronic delivery
    assert d.statuses() == ["running", "accepted", "refused"]
    assert d.open_names() == []
    assert [(t.process_id, t.task_spec) for t in d.tasks()] == [(BUNDLE, "review")]
    assert d.timer("timer_committed").cancelled_at == local("2026-09-29T15:00:00+08:00")
    assert d.timer("timer_legal").cancelled_at == local("2026-09-29T15:00:00+08:00")
    data = d.data()
    assert data["refusal_stage"] == "review"
    assert data["review_reasons"] == REVIEW_FAILED["review_reasons"]
    assert "transfer_results" not in data
    assert local(data["delivered_at"]) == local("2026-09-29T15:00:00+08:00")
    kinds = [ref.kind for ref in backoffice.documents.available(d.number)]
    assert kinds == ["refusal_decision", "acceptance_notice", "delivery_receipt"]
    html = str(backoffice.documents.issue(d.number, "refusal_decision", None, "html", "t"))
    assert "申请表签名与本人不符" in html and "行政复议" in html and "经审核" in html
    status = backoffice.portal.status(d.number)
    assert status["status"] == "refused"
    assert status["explanation"][0] == "申请表签名与本人不符"
    [unemployment] = status["insurances"]
    assert (unemployment["status"], unemployment["text"]) == ("not_handled", "审核不通过，未办理")


@pytest.mark.parametrize("delivery", ["on_site", "express"])
def test_refusal_at_review_is_delivered_within_the_delivery_limit(
    backoffice: Backoffice, delivery: str
) -> None:
    """000 十九: the refusal is a decision too, delivered the applicant's way within 0 working
    days of it; delivered, the case still reads as refused."""
    task, kind, data = DELIVERY[delivery]
    d = CaseDriver(backoffice).submit(
        application(insurances=["pension"], delivery=delivery), review=False
    )
    d.at("2026-09-29T11:00:00+08:00")
    d.complete(*REVIEW, REVIEW_FAILED)
    assert d.open_names() == [f"{BUNDLE}/{task}"]
    timer = d.timer(kind)
    assert (timer.start_at, timer.due_at) == (
        local("2026-09-29T11:00:00+08:00"),
        end_of_day("2026-09-29"),
    )
    assert d.case().status == "refused" and d.case().completed_at is None
    d.at("2026-09-29T16:00:00+08:00")
    d.complete(BUNDLE, task, data)
    case = d.case()
    assert (case.status, case.completed_at) == ("refused", local("2026-09-29T16:00:00+08:00"))
    assert d.timer(kind).cancelled_at == local("2026-09-29T16:00:00+08:00")
    assert d.statuses() == ["running", "accepted", "refused"]


REFUSAL_AT_WINDOW = {
    "decision": "refused",
    "reasons": ["still_insured_at_transfer_out"],
    "acceptance_note": "核实系统数据：转出地仍在参保",
}


@pytest.mark.parametrize("delivery", ["on_site", "express"])
def test_refusal_at_acceptance_is_delivered_within_the_delivery_limit(
    backoffice: Backoffice, database_url: str, delivery: str
) -> None:
    """000 十九: a 不予受理决定书 made at the window goes through the same delivery step and the
    same 0-working-day limit as a conclusion; undelivered by the end of the day, 督办."""
    task, kind, data = DELIVERY[delivery]
    d = CaseDriver(backoffice).submit(application(channel="window", delivery=delivery))
    d.at("2026-09-29T11:00:00+08:00")
    d.complete(BUNDLE, "acceptance_review", REFUSAL_AT_WINDOW)
    case = d.case()
    assert (case.status, case.accepted_at, case.completed_at) == ("refused", None, None)
    assert d.open_names() == [f"{BUNDLE}/{task}"]
    [row] = d.tasks(task)
    assert (row.role, row.region) == ("window_clerk", "330602")
    timer = d.timer(kind)
    assert (timer.start_at, timer.working_days) == (local("2026-09-29T11:00:00+08:00"), 0)
    assert [ref.kind for ref in backoffice.documents.available(d.number)] == [
        "refusal_decision",
        "delivery_receipt",
    ]

    check_runs_out_at_end_of(d, kind, "2026-09-29", working_days=0)
    [escalation] = d.tasks("escalate_delivery")
    assert escalation.state == "open"
    assert d.case().status == "refused"

    d.at("2026-09-30T09:00:00+08:00")
    d.complete(BUNDLE, task, data)
    case = d.case()
    assert (case.status, case.completed_at) == ("refused", local("2026-09-30T09:00:00+08:00"))
    assert [t.state for t in d.tasks("escalate_delivery")] == ["cancelled"]
    assert d.open_names() == [] and d.pending_timers() == []
    assert d.statuses() == ["running", "submitted", "refused"]
    assert d.data()["refusal_stage"] == "acceptance"


def test_online_refusal_chosen_on_site_keeps_the_immediate_answer_and_waits_for_delivery(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application(status={"retired": True}, delivery="on_site"))
    assert d.submitted is not None
    assert d.submitted.decision.decision == "refused"
    assert d.submitted.decision.reasons == ["retired"]
    assert (d.submitted.committed, d.submitted.legal) == (None, None)
    case = d.case()
    assert (case.status, case.decision, case.completed_at) == ("refused", "refused", None)
    assert d.open_names() == [f"{BUNDLE}/deliver_on_site"]
    assert d.pending_timers() == ["timer_deliver_on_site"]
    assert d.timer("timer_deliver_on_site").due_at == end_of_day("2026-09-28")
    d.complete(BUNDLE, "deliver_on_site", DELIVER_ON_SITE)
    assert d.case().status == "refused"
    assert d.case().completed_at == local(START)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({**REVIEW_FAILED, "review_reasons": None}, {"/review_reasons"}),
        (
            {k: v for k, v in REVIEW_PASSED.items() if k != "review_verification"},
            {"/review_verification"},
        ),
        ({**REVIEW_PASSED, "review_materials_complete": False}, {"/review_materials_complete"}),
        ({**REVIEW_PASSED, "review_legal_form": False}, {"/review_legal_form"}),
        ({**REVIEW_PASSED, "review_verification": "not_confirmed"}, {"/review_verification"}),
    ],
    ids=["no-reasons", "no-verification", "incomplete", "not-legal-form", "not-confirmed"],
)
def test_review_form_needs_reasons_when_not_passed(
    backoffice: Backoffice, data: dict[str, object], fields: set[str]
) -> None:
    """000 十四 审核: the reviewer answers each check (materials complete, legal form, verified);
    a review cannot pass with a failed check, and a failed review needs its reasons."""
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]), review=False)
    row = d.task(None, "review")
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValidationFailed) as refused:
        backoffice.cases.complete_task(row.id, data, Actor("r", row.role, row.region))
    assert {e.field for e in refused.value.errors} == fields
    assert [t.state for t in d.tasks("review")] == ["open"]
    assert {t.process_id for t in d.tasks()} == {BUNDLE}
    assert d.case().status == "accepted"


@pytest.mark.parametrize(
    ("delivery", "task", "data"),
    [
        ("on_site", "deliver_on_site", DELIVER_ON_SITE),
        ("express", "deliver_express", DELIVER_EXPRESS),
        ("electronic", None, None),
    ],
    ids=["on_site", "express", "electronic"],
)
def test_result_is_delivered_the_way_the_applicant_chose(
    backoffice: Backoffice, delivery: str, task: str | None, data: dict[str, object] | None
) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"], delivery=delivery))
    d.run(PENSION_SUCCESS[:-1])
    d.at("2026-09-29T11:00:00+08:00")
    d.run(PENSION_SUCCESS[-1:])  # the last transfer step: 办结 at once

    if task is not None:
        assert d.case().status == "concluded"
        assert d.case().completed_at is None  # waiting for 送达
        assert d.open_names() == [f"{BUNDLE}/{task}"]
        [row] = d.tasks(task)
        assert (row.role, row.region) == ("window_clerk", "330602")
        assert data is not None
        d.at("2026-09-29T14:00:00+08:00")
        d.complete(BUNDLE, task, data)
    delivered = local("2026-09-29T14:00:00+08:00" if task else "2026-09-29T11:00:00+08:00")

    case = d.case()
    assert case.status == "concluded"
    assert case.completed_at == delivered
    assert d.open_names() == []
    other = {"deliver_on_site", "deliver_express"} - {task}
    assert all(d.tasks(name) == [] for name in other)
    result = d.data()
    assert local(result["delivered_at"]) == delivered
    assert ("electronic_delivery_at" in result) == (delivery == "electronic")


# -- only the selected insurances; partial outcomes ----------------------------------------------


@pytest.mark.parametrize(
    "insurances",
    [["medical"], ["pension"], ["unemployment"], ["pension", "unemployment"]],
    ids=lambda value: "+".join(value),
)
def test_only_the_selected_insurances_are_started(
    backoffice: Backoffice, insurances: list[str]
) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=insurances))
    assert d.open_names() == sorted(FIRST_TASK[i] for i in insurances)
    assert d.pending_timers() == sorted(
        ["timer_committed", "timer_legal", *(t for i in insurances for t in FIRST_TIMER[i])]
    )
    steps = {
        "pension": PENSION_SUCCESS,
        "medical": MEDICAL_SUCCESS,
        "unemployment": UNEMPLOYMENT_SUCCESS,
    }
    for insurance in insurances:
        d.run(steps[insurance])

    started = {t.process_id for t in d.tasks()} - {BUNDLE}
    assert started == {PROCESS[i] for i in insurances}
    assert d.case().status == "concluded"
    assert d.case().insurances == ",".join(insurances)
    data = d.data()
    assert data["transfer_results"] == dict.fromkeys(insurances, "completed")
    assert data["outcome"] == "completed"


@pytest.mark.parametrize(
    ("failing", "steps", "result"),
    [
        (
            "medical",
            [*MEDICAL_SUCCESS[:2], ("medical_transfer", "transfer_out", MEDICAL_OUT_INELIGIBLE)],
            "ineligible",
        ),
        ("pension", [("pension_transfer", "contact_letter", PENSION_CONTACT_REFUSED)], "refused"),
        (
            "unemployment",
            [
                ("unemployment_transfer", "out_review", UNEMPLOYMENT_OUT_OK),
                ("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_REFUSED),
                ("unemployment_transfer", "out_conclude", UNEMPLOYMENT_TERMINATED),
            ],
            "refused",
        ),
    ],
    ids=["medical-ineligible-at-transfer-out", "pension-refused", "unemployment-refused-in"],
)
def test_one_insurance_fails_while_the_others_complete_gives_partially_completed(
    backoffice: Backoffice, failing: str, steps: list[tuple[str, str, dict]], result: str
) -> None:
    d = CaseDriver(backoffice).submit(application())
    d.run(steps)
    # The failed insurance is finished: nothing of it stays open, its timers are stopped.
    assert not [name for name in d.open_names() if name.startswith(PROCESS[failing])]
    others = {
        "pension": PENSION_SUCCESS,
        "medical": MEDICAL_SUCCESS,
        "unemployment": UNEMPLOYMENT_SUCCESS,
    }
    for insurance, success in others.items():
        if insurance != failing:
            d.run(success)

    assert d.case().status == "concluded"
    assert d.open_names() == []
    assert d.pending_timers() == []
    data = d.data()
    assert data["outcome"] == "partially_completed"
    expected = dict.fromkeys(["pension", "medical", "unemployment"], "completed")
    expected[failing] = result
    assert data["transfer_results"] == expected
    assert data[f"{failing}_reasons"]  # the written reasons reach the bundle


def test_no_insurance_transferred_gives_not_completed(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]))
    d.complete("pension_transfer", "contact_letter", PENSION_CONTACT_REFUSED)
    assert d.case().status == "concluded"
    data = d.data()
    assert data["outcome"] == "not_completed"
    assert data["transfer_results"] == {"pension": "refused"}
    assert data["pension_reasons"] == PENSION_CONTACT_REFUSED["pension_refusal_reasons"]


# -- the bundle's limits ---------------------------------------------------------------------------


def test_committed_limit_fires_once_after_the_ninth_working_day_and_escalates_without_cancelling(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application())
    assert d.submitted is not None and d.submitted.committed == date(2026, 10, 15)

    d.at("2026-10-15T23:59:00+08:00")
    assert d.timer("timer_committed").fired_at is None
    assert d.case().warned is False
    assert d.tasks("escalate_committed") == []

    d.at("2026-10-16T00:00:01+08:00")
    timer = d.timer("timer_committed")
    assert timer.fired_at == local("2026-10-16T00:00:01+08:00")
    case = d.case()
    assert case.warned is True
    assert case.overdue is False
    assert case.status == "in_transfer"  # a warning, not a cancellation
    assert case.completed_at is None
    [escalation] = d.tasks("escalate_committed")
    assert (escalation.process_id, escalation.role, escalation.region, escalation.state) == (
        BUNDLE,
        "supervisor",
        "330602",
        "open",
    )
    # The agencies keep working; the legal limit keeps running.
    assert set(FIRST_TASK.values()) <= set(d.open_names())
    assert "timer_legal" in d.pending_timers()

    # Exactly once, however often the scheduler wakes up.
    d.at("2026-10-16T00:00:02+08:00")
    d.at("2026-10-20T09:00:00+08:00")
    assert d.fired().count("timer_committed") == 1
    assert len(d.tasks("escalate_committed")) == 1

    d.complete(BUNDLE, "escalate_committed", ESCALATE_COMMITTED)
    all_three_done(d)
    case = d.case()
    assert case.status == "concluded"
    assert case.warned is True
    assert d.open_names() == []


def test_legal_limit_marks_the_case_overdue_after_the_45th_working_day_and_escalates(
    backoffice: Backoffice,
) -> None:
    d = CaseDriver(backoffice).submit(application())
    d.at("2026-12-04T23:59:00+08:00")
    assert d.timer("timer_legal").fired_at is None
    assert d.case().overdue is False
    assert d.tasks("escalate_overdue") == []

    check_runs_out_at_end_of(d, "timer_legal", "2026-12-04", working_days=45)
    case = d.case()
    assert case.overdue is True
    assert case.legal_due == date(2026, 12, 4)
    assert case.status == "in_transfer"
    [escalation] = d.tasks("escalate_overdue")
    assert (escalation.role, escalation.region, escalation.state) == (
        "supervisor",
        "330602",
        "open",
    )

    d.complete(BUNDLE, "escalate_overdue", ESCALATE_OVERDUE)
    all_three_done(d)
    assert d.case().status == "concluded"
    assert d.case().overdue is True
    assert d.open_names() == []  # the per-step escalations ended with their insurance


def test_open_escalation_is_cancelled_when_the_result_is_delivered(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["medical"], delivery="express"))
    d.at("2026-10-16T09:00:00+08:00")
    assert [t.state for t in d.tasks("escalate_committed")] == ["open"]
    d.run(MEDICAL_SUCCESS)
    assert [t.state for t in d.tasks("escalate_committed")] == ["open"]  # until 送达
    d.complete(BUNDLE, "deliver_express", DELIVER_EXPRESS)

    assert [t.state for t in d.tasks("escalate_committed")] == ["cancelled"]
    assert d.case().status == "concluded"
    assert d.timer("timer_legal").cancelled_at == local("2026-10-16T09:00:00+08:00")


def concluded_on_tuesday_awaiting(backoffice: Backoffice, delivery: str) -> CaseDriver:
    """A pension-only case concluded on Tuesday 2026-09-29 (a working day) at 11:00, its result
    waiting to be delivered on the spot or by express."""
    d = CaseDriver(backoffice).submit(application(insurances=["pension"], delivery=delivery))
    d.run(PENSION_SUCCESS[:-1])
    d.at("2026-09-29T11:00:00+08:00")
    d.run(PENSION_SUCCESS[-1:])  # the last transfer step: 办结 at once
    task, _timer, _data = DELIVERY[delivery]
    assert d.open_names() == [f"{BUNDLE}/{task}"]
    assert local(d.data()["concluded_at"]) == local("2026-09-29T11:00:00+08:00")
    return d


@pytest.mark.parametrize("delivery", ["on_site", "express"])
def test_delivery_limit_runs_out_at_the_end_of_the_day_of_conclusion_and_escalates(
    backoffice: Backoffice, database_url: str, delivery: str
) -> None:
    """000 十九: delivered within 0 working days of the decision, i.e. by the end of the day of
    办结 (Asia/Shanghai); a result still undelivered then goes to the supervisor (督办)."""
    task, kind, data = DELIVERY[delivery]
    d = concluded_on_tuesday_awaiting(backoffice, delivery)
    timer = d.timer(kind)
    assert (timer.due_at, timer.working_days) == (end_of_day("2026-09-29"), 0)
    assert timer.start_at == local("2026-09-29T11:00:00+08:00")
    other = {"timer_deliver_on_site", "timer_deliver_express"} - {kind}
    assert all(d.timers(name) == [] for name in other)

    # The deadline passes while this service is down: another one, on the same database,
    # restores the case from its rows and fires the timer.
    restarted = Backoffice(settings_for(database_url), clock=current_clock())
    try:
        r = CaseDriver(restarted, d.number)
        check_runs_out_at_end_of(r, kind, "2026-09-29", working_days=0)
        [escalation] = r.tasks("escalate_delivery")
        assert (escalation.process_id, escalation.role, escalation.region, escalation.state) == (
            BUNDLE,
            "supervisor",
            "330602",
            "open",
        )
        assert escalation.created_at == local("2026-09-30T00:00:01+08:00")
        # Non-interrupting: the delivery task stays open with the window clerk.
        assert r.open_names() == sorted([f"{BUNDLE}/{task}", f"{BUNDLE}/escalate_delivery"])
        case = r.case()
        assert (case.status, case.completed_at) == ("concluded", None)
        assert r.data()["delivery_overdue"] is True

        r.at("2026-10-08T09:00:00+08:00")
        assert r.fired().count(kind) == 1
        assert len(r.tasks("escalate_delivery")) == 1
    finally:
        restarted.close()

    # Delivered late: the case ends and the open escalation closes with it, like the others.
    d.complete(BUNDLE, task, data)
    assert [t.state for t in d.tasks("escalate_delivery")] == ["cancelled"]
    case = d.case()
    assert case.status == "concluded"
    assert case.completed_at == local("2026-10-08T09:00:00+08:00")
    assert d.open_names() == []
    assert d.pending_timers() == []


@pytest.mark.parametrize("delivery", ["on_site", "express"])
def test_delivery_on_the_day_of_conclusion_cancels_the_delivery_limit(
    backoffice: Backoffice, delivery: str
) -> None:
    task, kind, data = DELIVERY[delivery]
    d = concluded_on_tuesday_awaiting(backoffice, delivery)
    d.at("2026-09-29T23:30:00+08:00")
    d.complete(BUNDLE, task, data)

    timer = d.timer(kind)
    assert timer.cancelled_at == local("2026-09-29T23:30:00+08:00")
    assert timer.fired_at is None
    d.at("2026-09-30T00:00:01+08:00")
    assert d.timer(kind).fired_at is None
    assert kind not in d.fired()
    assert d.tasks("escalate_delivery") == []
    assert d.open_names() == []
    assert d.case().completed_at == local("2026-09-29T23:30:00+08:00")
    assert "delivery_overdue" not in d.data()


@pytest.mark.parametrize(
    ("concluded", "due_day", "recorded_days"),
    [
        # National Day holiday: the 0-day limit ends with the next working day, Thursday 10-08,
        # and is recorded as the 1-working-day limit it equals.
        ("2026-10-03T11:00:00+08:00", "2026-10-08", 1),
        # A make-up Saturday (调休) is a working day: the limit ends that same day.
        ("2026-10-10T11:00:00+08:00", "2026-10-10", 0),
    ],
    ids=["holiday", "make-up-saturday"],
)
def test_delivery_limit_of_a_result_concluded_on_a_rest_day_ends_with_the_next_working_day(
    backoffice: Backoffice, concluded: str, due_day: str, recorded_days: int
) -> None:
    """000 十九 counts working days: a decision made on a rest day is due for delivery by the
    end of the next working day, not by the end of the rest day itself."""
    d = CaseDriver(backoffice).submit(application(insurances=["pension"], delivery="on_site"))
    d.run(PENSION_SUCCESS[:-1])
    d.at(concluded)
    d.run(PENSION_SUCCESS[-1:])
    timer = check_runs_out_at_end_of(d, "timer_deliver_on_site", due_day)
    assert (timer.start_at, timer.working_days) == (local(concluded), recorded_days)
    assert [t.state for t in d.tasks("escalate_delivery")] == ["open"]


def test_electronic_delivery_has_no_delivery_limit(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]))
    d.run(PENSION_SUCCESS)
    assert d.case().completed_at == local(START)  # delivered by the script, at once
    assert d.timers("timer_deliver_on_site") == d.timers("timer_deliver_express") == []


def test_delivery_escalation_scenario(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "bundle_on_site_delivered_late")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    [escalation] = d.tasks("escalate_delivery")
    assert escalation.state == "completed"
    assert d.fired() == ["timer_deliver_on_site"]
    [on_site] = d.tasks("deliver_on_site")
    assert on_site.completed_at == local("2026-09-29T09:30:00+08:00")


def test_only_medical_with_express_delivery_scenario(backoffice: Backoffice) -> None:
    result = run_scenario(backoffice, "bundle_only_medical_express")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert {t.process_id for t in d.tasks()} == {"medical_transfer", BUNDLE}
    [express] = d.tasks("deliver_express")
    assert express.state == "completed"
    assert d.data()["transfer_results"] == {"medical": "completed"}


def test_review_refused_before_transfer_scenario(backoffice: Backoffice) -> None:
    """000 十四: a failed review refuses the case before any relationship moved; the decision
    is mailed as the applicant chose (十九)."""
    result = run_scenario(backoffice, "bundle_review_refused_before_transfer")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert {t.process_id for t in d.tasks()} == {BUNDLE}
    assert [t.task_spec for t in d.tasks()] == ["review", "deliver_express"]
    assert d.statuses() == ["running", "accepted", "refused"]
    assert d.case().completed_at == local("2026-09-28T14:00:00+08:00")
    assert d.timer("timer_deliver_express").cancelled_at == local("2026-09-28T14:00:00+08:00")
    progress = backoffice.portal.status(d.number)["insurances"]
    assert {p["status"] for p in progress} == {"not_handled"}
    assert [ref.kind for ref in backoffice.documents.available(d.number)] == [
        "refusal_decision",
        "acceptance_notice",
        "delivery_receipt",
    ]


def test_refused_at_window_delivered_on_site_scenario(backoffice: Backoffice) -> None:
    """000 十九: the 不予受理决定书 made at the window is due that day; undelivered, the timer
    fires and the supervisor urges the window; delivered, the case still reads as refused."""
    result = run_scenario(backoffice, "bundle_refused_at_window_delivered_on_site")
    assert result.passed, result.failures
    d = CaseDriver(backoffice, result.case_number)
    assert d.fired() == ["timer_deliver_on_site"]
    timer = d.timer("timer_deliver_on_site")
    assert (timer.start_at, timer.due_at) == (
        local("2026-09-28T10:30:00+08:00"),
        end_of_day("2026-09-28"),
    )
    assert [t.state for t in d.tasks("escalate_delivery")] == ["completed"]
    case = d.case()
    assert (case.status, case.decision, case.accepted_at) == ("refused", "refused", None)
    assert case.completed_at == local("2026-09-29T09:30:00+08:00")
    assert d.statuses() == ["running", "submitted", "refused"]
    assert d.timers("timer_committed") == d.timers("timer_legal") == []
    assert [ref.kind for ref in backoffice.documents.available(d.number)] == [
        "refusal_decision",
        "delivery_receipt",
    ]


# -- defects found in app/ (all fixed): regression tests -----------------------------------------


def test_case_status_is_in_transfer_once_the_review_has_passed(backoffice: Backoffice) -> None:
    """Status set inside the embedded 办理 subprocess reaches the case row (was a defect in app/):
    accepted while the reviewer has the case, in_transfer once the review passed."""
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]), review=False)
    assert d.open_names() == ["one_thing_bundle/review"]
    assert d.case().status == "accepted"
    d.pass_review()
    assert d.open_names() == ["pension_transfer/contact_letter"]
    assert d.case().status == "in_transfer"


@pytest.mark.parametrize("step", ["timer-fires", "escalation-completed"])
def test_a_limit_warning_during_the_transfers_does_not_set_the_status_back(
    backoffice: Backoffice, step: str
) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]))
    if step == "escalation-completed":
        d.at("2026-10-16T00:00:01+08:00")
    d.run(PENSION_SUCCESS[:1])
    assert d.case().status == "in_transfer"
    if step == "timer-fires":
        d.at("2026-10-16T00:00:01+08:00")
    else:
        d.complete(BUNDLE, "escalate_committed", ESCALATE_COMMITTED)
    assert d.case().status == "in_transfer"
    assert "accepted" not in d.statuses()[d.statuses().index("in_transfer") :]


def test_review_task_row_names_the_bundle_process(backoffice: Backoffice) -> None:
    """A task of the embedded subprocess belongs to the bundle process (was a defect in app/)."""
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]), review=False)
    [review] = d.tasks("review")
    assert review.process_id == BUNDLE


@pytest.mark.parametrize("restore", [True, False], ids=["restored", "hot-cache"])
def test_a_completed_task_is_not_audited_as_closed(backoffice: Backoffice, restore: bool) -> None:
    """The audit trail must not depend on whether the workflow was cached: a completed task is
    `task_completed`, never also `task_closed` (found with the hot cache; fixed in app/)."""
    d = CaseDriver(backoffice, restore=restore).submit(application(insurances=["pension"]))
    d.run(PENSION_SUCCESS)
    completed = {t.task_uuid for t in d.tasks(None, "completed")}
    closed = {e.data["task"] for e in d.events("task_closed")}
    assert len(completed) == 4  # the review and the three pension steps
    assert completed.isdisjoint(closed)
