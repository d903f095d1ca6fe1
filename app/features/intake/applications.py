"""Submitting an application (联办申请表): the acceptance decision, then a case for it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.features.cases.repository import OpenedTask
from app.features.cases.service import Actor, CaseService
from app.kernel import workdays
from app.kernel.errors import FieldError, ValidationFailed
from app.rules.acceptance import (
    ACCEPTED,
    CORRECTION_REQUIRED,
    REASON_TEXT_ZH,
    REFUSED,
    Decision,
    decide,
)


@dataclass(frozen=True)
class Submitted:
    """What the applicant (or the portal) is told right after submitting."""

    case_number: str
    decision: Decision
    committed: date | None
    legal: date | None
    provisional: bool
    opened: list[OpenedTask] = field(default_factory=list)  # the case's first tasks


def start_data(
    application: dict[str, Any],
    decision: Decision,
    *,
    system_has_id_data: bool = True,
    system_has_hukou_data: bool = False,
) -> dict[str, Any]:
    """The variables a bundle case starts with (the diagrams' contract with the services).

    `acceptance_facts`: what the first decision knew besides the application, so that a
    resubmission and the window's 受理审查 are decided with the same facts. Its presence also
    marks a case started since 受理审查 is re-checked by the rules (see review())."""
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
        "acceptance_facts": {
            "system_has_id_data": system_has_id_data,
            "system_has_hukou_data": system_has_hukou_data,
        },
    }


def _decide_again(before: dict[str, Any], application: dict[str, Any], now: datetime) -> Decision:
    """The acceptance rules on the case's application with the facts the first decision had.

    Cases started before the facts were recorded fall back to decide()'s defaults, as then."""
    facts = before.get("acceptance_facts") or {}
    return decide(
        application,
        today=workdays.local_date(now),
        system_has_id_data=bool(facts.get("system_has_id_data", True)),
        system_has_hukou_data=bool(facts.get("system_has_hukou_data", False)),
    )


def _texts(codes: list[str]) -> str:
    return "；".join(REASON_TEXT_ZH[code].rstrip("。") for code in codes) + "。"


def review_errors(rules: Decision, form: dict[str, Any]) -> list[FieldError]:
    """What is wrong with the window clerk's 受理审查 given the rules' decision (seed 000 十、十一、
    十二、十四). The clerk may not accept what the rules refuse or find incomplete, must name
    every missing material (一次性告知) and every refusal reason the rules find, and may refuse
    or ask for materials beyond what the application shows only with the facts found at the
    window written in the 审查意见 (e.g. the originals show the person has retired)."""
    chosen = form.get("decision")
    note = str(form.get("acceptance_note") or "").strip()
    if chosen == ACCEPTED and rules.decision == REFUSED:
        message = "不能予以受理，应作出不予受理决定：" + _texts(rules.reasons)
        return [FieldError("/decision", message)]
    if chosen == ACCEPTED and rules.decision == CORRECTION_REQUIRED:
        message = "不能予以受理，材料不齐全，应一次性告知补正：" + _texts(rules.missing_materials)
        return [FieldError("/decision", message)]
    if chosen == CORRECTION_REQUIRED and rules.decision == REFUSED:
        message = "属于不予受理情形，不应要求补正材料，应作出不予受理决定：" + _texts(rules.reasons)
        return [FieldError("/decision", message)]
    errors: list[FieldError] = []
    if chosen == CORRECTION_REQUIRED:
        listed = list(form.get("missing_materials") or [])
        untold = [code for code in rules.missing_materials if code not in listed]
        if untold:
            message = "一次性告知须列明全部需补正的材料，还应告知：" + _texts(untold)
            errors.append(FieldError("/missing_materials", message))
        if any(code not in rules.missing_materials for code in listed) and not note:
            errors.append(
                FieldError(
                    "/acceptance_note",
                    "所选补正材料与申请登记的材料不符：请在审查意见中写明窗口核实到的情况"
                    "（如材料不符合法定形式）",
                )
            )
    if chosen == REFUSED:
        given = list(form.get("reasons") or [])
        if "invalid_application" in given:
            errors.append(
                FieldError(
                    "/reasons",
                    "“申请不符合规定格式”只用于无法立案的申请；材料不齐全或不符合法定形式的，"
                    "应一次性告知补正（服务指南 十四、受理）",
                )
            )
        unstated = [code for code in rules.reasons if code not in given]
        if unstated:
            message = "不予受理须载明全部理由，还应载明：" + _texts(unstated)
            errors.append(FieldError("/reasons", message))
        beyond = [c for c in given if c not in rules.reasons and c != "invalid_application"]
        if beyond and not note:
            errors.append(
                FieldError(
                    "/acceptance_note",
                    "申请登记的内容不构成所选不予受理理由：请在审查意见中写明窗口核实到的事实"
                    "（服务指南 二十（三）：不予受理应当说明理由）",
                )
            )
    return errors


class ApplicationService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        self.clock = cases.clock
        cases.task_hooks[("one_thing_bundle", "supplement_materials")] = self.resubmit
        cases.task_hooks[("one_thing_bundle", "acceptance_review")] = self.review

    def review(self, before: dict[str, Any], form: dict[str, Any], now: datetime) -> dict[str, Any]:
        """受理审查 at the window: the clerk's decision is checked against the rules the online
        channel applies (seed 000 十、十一、十二、十四); a bypass is a field error, nothing changes.

        Cases started before the check (no `acceptance_facts` in their data) keep their
        recorded reviews, so that their replay stays identical."""
        if "acceptance_facts" not in before:
            return {}
        errors = review_errors(_decide_again(before, before["application"], now), form)
        if errors:
            raise ValidationFailed("受理决定与受理审查规则不符，请按提示修改", errors)
        return {}

    def resubmit(
        self, before: dict[str, Any], form: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """一次性告知 answered: add the supplemented materials and decide again (seed 000 受理).

        The diagram loops back to 受理 with the new decision; acceptance restarts the clock."""
        application = copy.deepcopy(before["application"])
        materials = set(application.get("materials", [])) | set(
            form.get("supplemented_materials", [])
        )
        application["materials"] = sorted(materials)
        # Decided with everything the first decision knew (e.g. the system lacks the ID data).
        decision = _decide_again(before, application, now)
        return {
            "application": application,
            "decision": decision.decision,
            "reasons": list(decision.reasons),
            "missing_materials": list(decision.missing_materials),
        }

    def submit(
        self, application: Any, actor: Actor, *, system_has_id_data: bool = True
    ) -> Submitted:
        today = workdays.local_date(self.clock.now())
        decision = decide(application, today=today, system_has_id_data=system_has_id_data)
        if "invalid_application" in decision.reasons:
            # Not an application at all: nothing to open a case for.
            raise ValidationFailed("申请表内容不完整或格式不正确", list(decision.errors))
        data = start_data(application, decision, system_has_id_data=system_has_id_data)
        started = self.cases.start_case(data, actor)
        return Submitted(
            started.number,
            decision,
            started.committed_due,
            started.legal_due,
            started.provisional,
            started.opened,
        )
