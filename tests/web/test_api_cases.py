"""GET /api/cases/{n}, its history and its documents, following a case through every stage."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import freeze
from tests.helpers import complete, scenario
from tests.web.api_support import START, api_app, application

STEPS = scenario("bundle_all_three_success")["steps"]
FULL_ID = application()["applicant"]["id_number"]


def _by_insurance(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["insurance"]: item for item in status["insurances"]}


def test_status_follows_the_case_from_acceptance_to_conclusion(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]

    accepted = api.get(f"/api/cases/{number}").get_json()
    # 审核 comes first (seed 000 十四): accepted, under review, nothing transferred yet.
    assert accepted["status"] == "accepted" and accepted["status_text"] == "已受理，办理中"
    assert accepted["applicant"] == {"name": "张三", "id_number_masked": "330602********1231"}
    assert accepted["deadlines"] == {
        "committed": "2026-10-15",
        "legal": "2026-12-04",
        "provisional": False,
    }
    assert accepted["working_days_left"] == 9
    assert accepted["warnings"] == []
    assert [d["kind"] for d in accepted["documents"]] == ["acceptance_notice"]  # 受理通知书
    waiting = _by_insurance(accepted)
    assert {p["status"] for p in waiting.values()} == {"not_started"}
    assert {p["text"] for p in waiting.values()} == {"审核通过后开始办理"}

    assert STEPS[0]["task"] == "review"
    complete(api.backoffice, number, STEPS[0])
    reviewed = api.get(f"/api/cases/{number}").get_json()
    assert reviewed["status"] == "in_transfer"
    assert reviewed["status_text"] == "审核通过，转移接续办理中"
    parts = _by_insurance(reviewed)
    assert {p["status"] for p in parts.values()} == {"in_progress"}
    assert "绍兴市越城区社保中心" in parts["pension"]["text"]
    assert "转出地杭州市就业中心" in parts["unemployment"]["text"]

    for step in STEPS[1:4]:  # contact letters sent; unemployment out review done
        complete(api.backoffice, number, step)
    middle = _by_insurance(api.get(f"/api/cases/{number}").get_json())
    assert "转出地杭州市社保中心正在办理转出手续" in middle["pension"]["text"]
    assert "转出地杭州市医保经办机构" in middle["medical"]["text"]

    for step in STEPS[4:-1]:
        complete(api.backoffice, number, step)
    transferring = api.get(f"/api/cases/{number}").get_json()
    assert transferring["status"] == "in_transfer"
    assert _by_insurance(transferring)["unemployment"]["status"] == "in_progress"
    assert {p["status"] for p in transferring["insurances"]} == {"completed", "in_progress"}

    complete(api.backoffice, number, STEPS[-1])
    done = api.get(f"/api/cases/{number}").get_json()
    assert done["status"] == "concluded" and done["completed_at"] is not None
    assert done["working_days_left"] is None
    documents = {d["kind"]: d for d in done["documents"]}
    assert documents["completion_notice"]["title"] == "办结通知书"
    href = documents["completion_notice"]["href"]
    assert href == f"/api/cases/{number}/documents/completion_notice.pdf"

    pdf = api.get(href)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert api.get(f"/api/cases/{number}/documents/contact_letter.pdf").status_code == 404
    assert api.get(f"/api/cases/{number}/documents/refusal_decision.pdf").status_code == 404


def test_refused_case_offers_the_refusal_decision(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    body = api.post("/api/applications", application(status={"retired": True})).get_json()
    status = api.get(f"/api/cases/{body['case_number']}").get_json()
    assert status["status"] == "refused" and status["reasons"] == ["retired"]
    assert status["deadlines"] is None
    assert {p["status"] for p in status["insurances"]} == {"not_handled"}
    assert any("六个月内" in line for line in status["explanation"])
    assert [d["kind"] for d in status["documents"]] == ["refusal_decision"]
    pdf = api.get(status["documents"][0]["href"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_history_lists_the_audit_events_in_order_without_full_id_numbers(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]
    complete(api.backoffice, number, STEPS[0])
    history = api.get(f"/api/cases/{number}/history").get_json()
    assert history["case_number"] == number
    events = history["events"]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "case_created" and "task_completed" in kinds
    assert events[0]["actor"] == "api:provincial_portal"
    text = json.dumps(history, ensure_ascii=False)
    assert FULL_ID not in text
    assert not re.search(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])", text)
    assert api.get("/api/cases/330602-2026-424242/history").status_code == 404
