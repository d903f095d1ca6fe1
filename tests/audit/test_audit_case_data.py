"""The auditor reads a case's data with Chinese labels and Beijing times, the raw JSON one click
away (issue 15 item 7)."""

from __future__ import annotations

import json
import re

from flask import Flask

from app.kernel.config import ROOT
from app.web.case_data import CaseDataLabels, beijing
from tests.audit.test_web_audit import DONE, _signed_in


def test_labels_come_from_the_forms_the_application_and_the_computed_table() -> None:
    data = CaseDataLabels(ROOT / "forms")
    assert data.label("review_opinion") == "审核意见"  # forms/one_thing_bundle.review.json
    assert data.label("medical_in_decision") == "办理结果"
    assert data.label("accepted_at") == "受理时间"
    assert data.show("accepted_at", "2026-11-10T01:00:00+00:00") == "2026-11-10 09:00:00"
    assert data.show("review_verification", "verified") == "已核实，与系统数据一致"
    assert data.show("review_passed", True) == "是"
    assert data.show("insurances", ["pension", "medical"]) == "养老保险、医疗保险"
    assert data.show("status", "concluded") == "已办结"
    applicant = {"applicant": {"name": "赵敏", "hukou_type": "urban"}}
    assert data.show("application", applicant) == "申请人：姓名：赵敏；户籍性质：城镇户籍"
    assert data.show_text("accepted_at", '"2026-11-10T01:00:00+00:00"') == "2026-11-10 09:00:00"
    assert beijing("2026-11-10") is None  # a date is a date, not an instant


def test_the_case_page_shows_labels_and_beijing_times_with_the_raw_json_kept(
    demo_app: Flask,
) -> None:
    page = _signed_in(demo_app).get(f"/audit/cases/{DONE}").get_data(as_text=True)
    timeline = page.split('id="timeline"', 1)[1]
    # result_delivered at 2026-11-11T01:00Z: shown as 北京时间 09:00, raw value one click away.
    assert '<dt title="at">时间</dt><dd>2026-11-11 09:00:00</dd>' in timeline
    assert "<summary>原始数据</summary>" in timeline and "2026-11-11T01:00:00+00:00" in timeline
    assert '<td title="review_opinion">审核意见</td>' in timeline
    payload = json.loads(
        re.search(r'id="audit-data">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
    )
    rows = {key: (label, shown) for label, shown, key in payload["steps"][-1]["rows"]}
    assert rows["accepted_at"] == ("受理时间", "2026-11-10 09:00:00")
    assert rows["decision"] == ("受理决定", "予以受理")
    assert rows["status"][0] == "办件状态"  # the case's status, not the form's 参保状态
    unlabelled = [key for key, (label, _) in rows.items() if label == key]
    assert unlabelled == []
