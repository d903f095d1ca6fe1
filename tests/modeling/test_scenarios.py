"""Test before deploy: the scenarios run against a draft in a throwaway database, pass/fail each,
without touching the live database or the live clock."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.modeling.deployments import DeploymentRejected
from app.features.modeling.drafts import ModelingService
from app.kernel.errors import ValidationFailed
from app.store.models import Case
from tests.conftest import current_clock
from tests.helpers import scenario
from tests.modeling.support import shorter_contact_letter

MEDICAL = "medical_transfer"


def _cases(office: Backoffice) -> int:
    with office.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Case)).scalar_one())


def test_scenarios_pass_against_a_good_draft_in_a_sandbox(
    office: Backoffice, modeling: ModelingService
) -> None:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    xml = shorter_contact_letter(modeling.draft(draft_id).bpmn_xml)
    modeling.save_draft(draft_id, xml, {}, "policy_a")
    results = modeling.run_scenarios(draft_id)
    builtin = [r for r in results if r.source == "内置"]
    assert len(builtin) >= 7
    assert all(r.passed for r in results), [(r.name, r.failures) for r in results]
    assert "concluded" in {r.status for r in results}  # each passed its own `expect`
    assert _cases(office) == 0, "scenarios ran in the live database"
    assert not current_clock().simulated, "scenarios moved the live clock"


def test_a_draft_that_breaks_a_path_fails_the_scenarios_that_take_it(
    office: Backoffice, modeling: ModelingService
) -> None:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    # The transfer-out decision no longer matches 'transferred': the gateway has no way on.
    xml = modeling.draft(draft_id).bpmn_xml.replace(
        "medical_out_decision == 'transferred'", "medical_out_decision == 'transfered'"
    )
    modeling.save_draft(draft_id, xml, {}, "policy_a")
    assert modeling.validate_draft(draft_id) == []  # valid, but wrong
    results = {r.name: r for r in modeling.run_scenarios(draft_id)}
    medical_only = results[scenario("bundle_only_medical_express")["name"]]
    assert not medical_only.passed
    assert any("流程无法继续" in f for f in medical_only.failures), medical_only.failures
    pension_only = results[scenario("pension_temporary_account")["name"]]
    assert pension_only.passed
    assert _cases(office) == 0


def test_a_saved_scenario_runs_too_and_its_expectation_is_checked(
    modeling: ModelingService,
) -> None:
    body = scenario("pension_temporary_account")
    body["expect"] = {"status": "in_review"}  # wrong on purpose: the case concludes
    modeling.scenarios.save("one_thing_bundle", "政策科：临时账户（预期错误）", body, "policy_a")
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    results = {r.name: r for r in modeling.run_scenarios(draft_id)}
    saved = results["政策科：临时账户（预期错误）"]
    assert saved.source == "保存（policy_a）"
    assert not saved.passed
    assert saved.failures == ["expected status 'in_review', got 'concluded'"]


def test_scenarios_do_not_run_against_an_invalid_draft(modeling: ModelingService) -> None:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    modeling.save_draft(draft_id, "<bpmn:definitions", {}, "policy_a")
    with pytest.raises(DeploymentRejected) as rejected:
        modeling.run_scenarios(draft_id)
    assert "malformed XML" in rejected.value.problems[0].message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "body"),
        ({"steps": []}, "body/application"),
        ({"application": {}, "steps": [{"wait": 3}]}, "body/steps/1"),
        ({"application": {}, "start": "2026-09-28T09:00:00"}, "body/start"),
    ],
    ids=["json", "no-application", "unknown-step", "naive-start"],
)
def test_a_malformed_scenario_is_not_saved(
    modeling: ModelingService, body: object, field: str
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        modeling.scenarios.save("one_thing_bundle", "坏场景", body, "policy_a")
    assert field in {e.field for e in failed.value.errors}
    assert modeling.scenarios.saved().total == 0
