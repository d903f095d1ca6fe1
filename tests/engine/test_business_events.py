"""Decisions, escalations and deliveries are audit events of their own, not only inferred."""

from __future__ import annotations

from app.bootstrap import Backoffice
from tests.conftest import freeze
from tests.processes.driver import MEDICAL_SUCCESS, CaseDriver, application


def test_decision_escalation_and_delivery_are_recorded(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    d = CaseDriver(backoffice).submit(application(insurances=["medical"]))
    [decision] = d.events("decision_made")
    assert decision.data["decision"] == "accepted" and decision.data["by"] == "rules"
    d.at("2026-10-16T00:00:01+08:00")  # the committed limit (9 working days) has passed
    [escalated] = d.events("case_escalated")
    assert escalated.data["level"] == "warned" and escalated.data["limit"] == "timer_committed"
    d.run(MEDICAL_SUCCESS)
    d.conclude()
    [delivered] = d.events("result_delivered")
    assert delivered.data["method"] == "electronic"


def test_window_clerks_decision_is_recorded_as_theirs(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    d = CaseDriver(backoffice).submit(application(insurances=["medical"], channel="window"))
    d.complete(
        None, "acceptance_review", {"decision": "accepted", "missing_materials": [], "reasons": []}
    )
    kinds = [(e.data["decision"], e.data["by"]) for e in d.events("decision_made")]
    assert kinds == [("accepted", "rules"), ("accepted", "clerk")]
