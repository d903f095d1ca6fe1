"""The auditor's pages: read-only role, case search, the complete timeline with chain and replay
status, exports, revealing an ID number for a stated reason, chain status and anchors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from flask import Flask

from tests.audit.support import alter, head_seq, rewrite_from, tampering
from tests.audit.test_no_secrets import id_numbers
from tests.helpers import events

DONE = "330602-2026-000006"  # the demo case that is concluded and delivered


def _csrf(client: Any, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _signed_in(app: Flask, username: str = "auditor_330602") -> Any:
    client = app.test_client()
    response = client.post(
        "/login", data={"username": username, "password": "demo1234", "csrf_token": _csrf(client)}
    )
    assert response.status_code == 302
    return client


def _listed(page: str) -> list[str]:
    return re.findall(r'href="/audit/cases/([0-9-]+)"', page)


def test_only_auditors_see_the_audit_pages(demo_app: Flask) -> None:
    anonymous = demo_app.test_client().get("/audit/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for username in ("supervisor_330602", "window_clerk_330602", "policy_staff_330602"):
        client = _signed_in(demo_app, username)
        assert client.get("/audit/").status_code == 403
        assert client.get(f"/audit/cases/{DONE}").status_code == 403
        assert client.get(f"/audit/cases/{DONE}/history.json").status_code == 403
    assert _signed_in(demo_app).get("/audit/").status_code == 200


def test_search_lists_the_regions_cases_newest_first(demo_app: Flask) -> None:
    client = _signed_in(demo_app)
    page = client.get("/audit/").get_data(as_text=True)
    listed = _listed(page)
    assert sorted(listed) == [f"330602-2026-00000{i}" for i in range(1, 9)]
    assert listed.index("330602-2026-000003") < listed.index("330602-2026-000008")  # 1 vs 20 days
    assert "330602********" in page and not id_numbers(page)
    assert _listed(client.get("/audit/?q=330602-2026-000006").get_data(as_text=True)) == [DONE]
    assert _listed(client.get("/audit/?q=王").get_data(as_text=True))  # by applicant name too
    concluded = client.get("/audit/?status=concluded&page=x").get_data(as_text=True)
    assert _listed(concluded) == [DONE]
    # The transfer-out region's auditor sees the same cases; another region's sees none.
    assert DONE in _listed(
        _signed_in(demo_app, "auditor_330100").get("/audit/").get_data(as_text=True)
    )
    elsewhere = _signed_in(demo_app, "auditor_330304")
    assert 'id="no-cases"' in elsewhere.get("/audit/").get_data(as_text=True)
    assert elsewhere.get(f"/audit/cases/{DONE}").status_code == 404


def test_case_page_shows_every_event_and_both_checks(demo_app: Flask) -> None:
    office = demo_app.extensions["backoffice"]
    client = _signed_in(demo_app)
    response = client.get(f"/audit/cases/{DONE}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    recorded = events(office, DONE)
    assert all(f'id="event-{e.seq}"' in page for e in recorded)
    steps = [e for e in recorded if "state_hash" in e.data]
    assert f"本案件 {len(recorded)} 条事件均与其哈希及前序事件相符" in page
    assert f"{len(steps)} 步状态与记录完全一致" in page
    assert "数据变化" in page and "medical_eligible" in page  # a completion's data change
    assert not id_numbers(page)
    payload = json.loads(page.split('id="audit-data">', 1)[1].split("</script>", 1)[0])
    assert len(payload["steps"]) == len(steps)
    assert {d["url"].rsplit("/", 1)[1] for d in payload["diagrams"]} and len(
        payload["diagrams"]
    ) == 4
    assert payload["steps"][-1]["tokens"] == []  # concluded: no token left
    for diagram in payload["diagrams"]:
        xml = client.get(diagram["url"])
        assert xml.status_code == 200 and b"bpmn:definitions" in xml.data
    other = client.get(f"/audit/cases/{DONE}/diagrams/999999.bpmn")
    assert other.status_code == 404


def test_revealing_the_id_number_needs_a_reason_and_is_recorded(demo_app: Flask) -> None:
    office = demo_app.extensions["backoffice"]
    client = _signed_in(demo_app)
    token = _csrf(client, f"/audit/cases/{DONE}")
    refused = client.post(f"/audit/cases/{DONE}/reveal", data={"reason": " ", "csrf_token": token})
    assert refused.status_code == 422
    assert "查看理由需" in refused.get_data(as_text=True)
    assert not id_numbers(refused.get_data(as_text=True))
    assert events(office, DONE, "id_number_revealed") == []

    shown = client.post(
        f"/audit/cases/{DONE}/reveal", data={"reason": "法院调查取证", "csrf_token": token}
    )
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    [number] = id_numbers(shown.get_data(as_text=True))
    [event] = events(office, DONE, "id_number_revealed")
    assert (event.actor, event.data) == ("auditor_330602", {"reason": "法院调查取证"})
    assert number not in json.dumps(event.data)
    # Shown once: the next view is masked again.
    assert not id_numbers(client.get(f"/audit/cases/{DONE}").get_data(as_text=True))


def test_history_exports_as_json_and_csv(demo_app: Flask) -> None:
    office = demo_app.extensions["backoffice"]
    client = _signed_in(demo_app)
    recorded = events(office, DONE)
    response = client.get(f"/audit/cases/{DONE}/history.json")
    assert response.status_code == 200
    assert f'filename="{DONE}-history.json"' in response.headers["Content-Disposition"]
    body = response.get_json()
    assert [e["seq"] for e in body["events"]] == [e.seq for e in recorded]
    assert body["events"][0]["hash"] == recorded[0].hash
    assert body["chain"] == {"ok": True, "events": len(recorded), "broken_at": None}
    assert body["case"]["applicant_id_masked"].startswith("330602********")
    assert body["exported_by"] == "auditor_330602"

    sheet = client.get(f"/audit/cases/{DONE}/history.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    # The JSON export was recorded in between, so the CSV has one event more.
    assert len(rows) == len(recorded) + 1
    assert rows[-1]["kind"] == "case_history_exported"
    assert rows[0]["kind_label"] == "案件创建（申请提交）"
    assert json.loads(rows[0]["data"])["input_sha256"]
    assert [e.data["format"] for e in events(office, DONE, "case_history_exported")] == [
        "json",
        "csv",
    ]
    assert client.get(f"/audit/cases/{DONE}/history.xml").status_code == 404


def test_tampering_shows_on_the_case_and_chain_pages(
    demo_app: Flask, database_url: str, tmp_path: Path
) -> None:
    office = demo_app.extensions["backoffice"]
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["audit", "anchor", "--out", str(tmp_path / "a.json")]).exit_code == 0
    client = _signed_in(demo_app)
    chain = client.get("/audit/chain").get_data(as_text=True)
    assert f"共 {head_seq(office)} 条事件校验通过" in chain and "仍经过该锚定点" in chain
    anchor = client.get("/audit/anchors/1.json")
    assert anchor.status_code == 200 and anchor.get_json()["seq"] == head_seq(office) - 2

    target = next(e for e in events(office, DONE, "task_completed"))
    changed = {**target.data, "data": {**target.data["data"], "note": "事后补记"}}
    with tampering(database_url) as conn:
        alter(conn, target.seq, data=changed)
    page = client.get(f"/audit/cases/{DONE}").get_data(as_text=True)
    assert f"哈希链在第 {target.seq} 号事件处断开" in page
    assert f"（事件 #{target.seq}）出现偏差" in page
    chain = client.get("/audit/chain").get_data(as_text=True)
    assert f"第 {target.seq} 号事件" in chain and "记录被改动" in chain

    with tampering(database_url) as conn:
        rewrite_from(conn, target.seq)
    chain = client.get("/audit/chain").get_data(as_text=True)
    assert "校验通过" in chain  # the forgery is consistent ...
    assert "已不经过该锚定点" in chain  # ... but the anchor shows it
