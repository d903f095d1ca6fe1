"""Audit events for everything (issue 6): each kind that exists is produced by its action, named
`<subject>_<past_tense_verb>`, with who, when and what."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.features.audit.case_history import CaseAudit
from app.features.cases.service import Actor
from app.features.modeling.calendar import DayEntry
from tests.audit.test_replay import _submit
from tests.conftest import freeze, settings_for
from tests.helpers import complete, events, events_of_kind, scenario, tasks

# <subject>_<past_tense_verb>; a few verbs have irregular past tenses (decision_made).
KIND = re.compile(r"^[a-z]+(_[a-z]+)*_([a-z]+ed|made|sent|given|done|taken)$")


def _kinds(office: Backoffice, number: str) -> list[str]:
    return [e.kind for e in events(office, number)]


def test_a_case_leaves_an_event_for_each_of_its_actions(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_only_medical_express")
    number = backoffice.applications.submit(
        story["application"], Actor("portal", "applicant")
    ).case_number
    [created] = events(backoffice, number, "case_created")
    assert created.actor == "portal"
    assert created.data["decision"] == "accepted"  # the acceptance decision, with the case
    assert len(created.data["input_sha256"]) == 64  # the application itself stays out of the log
    assert "application" not in created.data
    assert {e.data["kind"] for e in events(backoffice, number, "timer_armed")} == {
        "timer_committed",
        "timer_legal",
    }
    [first_task] = events(backoffice, number, "task_created")
    # 审核 first (seed 000 十四): the review staff of the transfer-in region.
    assert (first_task.data["spec"], first_task.data["role"], first_task.data["region"]) == (
        "review",
        "reviewer",
        "330602",
    )
    [status] = events(backoffice, number, "case_status_changed")
    assert (status.data["old"], status.data["new"]) == ("running", "accepted")

    steps = story["steps"]
    complete(backoffice, number, steps[0])  # the review passes: the transfers start
    [review] = events(backoffice, number, "task_completed")
    assert review.data["data"] == steps[0]["data"]
    [_, started] = events(backoffice, number, "task_created")
    assert (started.data["spec"], started.data["role"], started.data["region"]) == (
        "suspend_and_certify",
        "medical_out_clerk",
        "330100",
    )
    [_, status] = events(backoffice, number, "case_status_changed")
    assert (status.data["old"], status.data["new"]) == ("accepted", "in_transfer")

    freeze("2026-09-29T10:00:00+08:00")
    complete(backoffice, number, steps[1])  # suspend and certify (规程 第四条)
    [_, done] = events(backoffice, number, "task_completed")
    assert done.actor == "clerk" and done.at.isoformat() == "2026-09-29T02:00:00+00:00"
    # The submitted form data, except the household head's ID number (x-personal): that is
    # kept as a case input and only its hash is logged.
    head_id = steps[1]["data"]["medical_household_head_id_number"]
    assert done.data["data"] == {
        k: v for k, v in steps[1]["data"].items() if k != "medical_household_head_id_number"
    }
    assert done.data["personal_fields"] == ["medical_household_head_id_number"]
    assert len(done.data["personal_sha256"]) == 64 and head_id not in str(done.data)
    assert done.data["derived"] == ["medical_register_by", "medical_suspended_on"]
    assert {e.data["kind"] for e in events(backoffice, number, "timer_armed")} >= {
        "timer_contact_letter"
    }
    complete(backoffice, number, steps[2])  # the 联系函
    [_, _, done] = events(backoffice, number, "task_completed")
    assert done.data["data"] == steps[2]["data"]  # the submitted form data
    assert done.data["derived"] == [] and len(done.data["state_hash"]) == 64
    assert [e.data["kind"] for e in events(backoffice, number, "timer_cancelled")] == [
        "timer_contact_letter"
    ]

    # The committed limit passes: the timer fires and escalates to the supervisor.
    freeze("2026-10-16T00:00:01+08:00")
    backoffice.cases.fire_due_timers()
    fired = [e.data["kind"] for e in events(backoffice, number, "timer_fired")]
    assert "timer_committed" in fired
    assert any(
        t.task_spec == "escalate_committed" and t.role == "supervisor"
        for t in tasks(backoffice, number, "open")
    )

    for step in steps[3:]:
        complete(backoffice, number, step)
    kinds = _kinds(backoffice, number)
    assert kinds[-1] == "case_completed"
    # The supervisor's escalation was still open when the result was delivered: closed.
    closed = {e.data["task"] for e in events(backoffice, number, "task_closed")}
    escalation = {
        t.task_uuid for t in tasks(backoffice, number) if t.task_spec == "escalate_committed"
    }
    assert escalation and escalation <= closed
    assert all(KIND.match(kind) for kind in kinds), kinds


def test_calendar_changes_deployments_and_recomputed_deadlines_are_events(
    backoffice: Backoffice,
) -> None:
    [deployed, *_] = events_of_kind(backoffice, "process_version_deployed")
    assert deployed.actor == "tests" and {"process", "version", "sha256"} <= set(deployed.data)
    backoffice.calendar.set_days([DayEntry(date(2026, 12, 31), False, "测试用通知")], "policy_a")
    [changed] = events_of_kind(backoffice, "calendar_override_changed")
    assert changed.actor == "policy_a"
    assert changed.data == {"day": "2026-12-31", "old": None, "new": "rest", "note": "测试用通知"}


def _csrf(client: Any, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_sign_in_sign_out_failures_and_denied_access_are_events(
    database_url: str, make_app: Any
) -> None:
    app = make_app(settings_for(database_url))
    office = app.extensions["backoffice"]
    load_users(office)
    client = app.test_client()
    token = _csrf(client)
    client.post("/login", data={"username": "auditor_330602", "password": "x", "csrf_token": token})
    client.post(
        "/login",
        data={"username": "window_clerk_330602", "password": "demo1234", "csrf_token": token},
    )
    assert client.get("/audit/").status_code == 403  # a clerk is not an auditor
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert [e.actor for e in events_of_kind(office, "sign_in_failed")] == ["auditor_330602"]
    assert [e.actor for e in events_of_kind(office, "user_signed_in")] == ["window_clerk_330602"]
    [denied] = events_of_kind(office, "access_denied")
    assert (denied.actor, denied.data["path"]) == ("window_clerk_330602", "/audit/")
    assert [e.actor for e in events_of_kind(office, "user_signed_out")] == ["window_clerk_330602"]


def test_auditors_own_actions_are_events(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    number = _submit(backoffice, insurances=["pension"])
    audit = CaseAudit(backoffice)
    audit.reveal_id(number, "330602", "auditor_330602", "核对申请人身份")
    audit.export(number, "330602", "auditor_330602", "csv")
    backoffice.audit_chain.create_anchor(None, "auditor_330602")
    [revealed] = events(backoffice, number, "id_number_revealed")
    assert (revealed.actor, revealed.data) == ("auditor_330602", {"reason": "核对申请人身份"})
    [exported] = events(backoffice, number, "case_history_exported")
    assert exported.data["format"] == "csv"
    [anchored] = events_of_kind(backoffice, "anchor_recorded")
    assert anchored.actor == "auditor_330602" and anchored.data["seq"] == anchored.seq - 1
