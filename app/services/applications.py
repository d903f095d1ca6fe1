"""Submitting an application (联办申请表): the acceptance decision, then a case for it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app import workdays
from app.clock import clock
from app.errors import ValidationFailed
from app.rules.acceptance import Decision, decide

from .case_store import OpenedTask
from .cases import Actor, CaseService


@dataclass(frozen=True)
class Submitted:
    """What the applicant (or the portal) is told right after submitting."""

    case_number: str
    decision: Decision
    committed: date | None
    legal: date | None
    provisional: bool
    opened: list[OpenedTask] = field(default_factory=list)  # the case's first tasks


def start_data(application: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """The variables a bundle case starts with (the diagrams' contract with the services)."""
    return {
        "application": application,
        "insurances": list(application["insurances"]),
        "channel": application["channel"],
        "delivery": application["delivery"],
        "transfer_in_region": application["transfer_in_region"],
        "transfer_out_region": application["transfer_out_region"],
        "decision": decision.decision,
        "reasons": list(decision.reasons),
        "missing_materials": list(decision.missing_materials),
    }


class ApplicationService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        cases.task_hooks[("one_thing_bundle", "supplement_materials")] = self.resubmit

    def resubmit(self, before: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
        """一次性告知 answered: add the supplemented materials and decide again (seed 000 受理).

        The diagram loops back to 受理 with the new decision; acceptance restarts the clock."""
        application = copy.deepcopy(before["application"])
        materials = set(application.get("materials", [])) | set(
            form.get("supplemented_materials", [])
        )
        application["materials"] = sorted(materials)
        today = workdays.local_date(clock.now())
        decision = decide(application, today=today)
        return {
            "application": application,
            "decision": decision.decision,
            "reasons": list(decision.reasons),
            "missing_materials": list(decision.missing_materials),
        }

    def submit(
        self, application: Any, actor: Actor, *, system_has_id_data: bool = True
    ) -> Submitted:
        today = workdays.local_date(clock.now())
        decision = decide(application, today=today, system_has_id_data=system_has_id_data)
        if "invalid_application" in decision.reasons:
            # Not an application at all: nothing to open a case for.
            raise ValidationFailed("申请表内容不完整或格式不正确", list(decision.errors))
        started = self.cases.start_case(start_data(application, decision), actor)
        return Submitted(
            started.number,
            decision,
            started.committed_due,
            started.legal_due,
            started.provisional,
            started.opened,
        )
