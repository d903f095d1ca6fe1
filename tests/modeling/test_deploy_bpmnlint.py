"""The workbench refuses to deploy a draft that is not standard BPMN (bpmnlint), saying why in
Chinese; the check is the one `processes validate` runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.entrypoints.demo import load_users
from tests.conftest import settings_for
from tests.modeling.support import versions
from tests.modeling.test_modeler_web import MEDICAL, _client, _csrf, _json, _open


@pytest.fixture
def app(database_url: str, folders: tuple[Path, Path], make_app: Any) -> Any:
    settings = settings_for(database_url)
    settings.processes_dir, settings.forms_dir = folders
    application = make_app(settings, FOUR_EYES=False)
    load_users(application.extensions["backoffice"])
    return application


def test_a_draft_with_bpmnlint_problems_is_refused_with_them_listed_in_chinese(app: Any) -> None:
    office = app.extensions["backoffice"]
    staff = _client(app, "policy_staff_330602")
    draft_id = _open(staff)
    token = _csrf(staff, f"/modeler/drafts/{draft_id}")
    xml = staff.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True)
    # The flow still runs (SpiffWorkflow reads sourceRef/targetRef), but the node no longer says
    # which flows enter it: only bpmnlint notices.
    ref = "<bpmn:incoming>f_contact_refuse</bpmn:incoming>"
    assert xml.count(ref) == 1
    saved = _json(staff, f"/modeler/drafts/{draft_id}/save", {"xml": xml.replace(ref, "")}, token)
    assert saved.json["ok"]

    checked = _json(staff, f"/modeler/drafts/{draft_id}/validate", {}, token).json
    assert not checked["ok"]
    [problem] = [p for p in checked["problems"] if "bpmnlint" in p["message"]]
    assert problem["element_id"] == "refuse_in" and "refuse_in" in problem["detail"]
    assert "不符合 BPMN 建模规范（bpmnlint）" in problem["text"]

    page = staff.post(
        f"/modeler/drafts/{draft_id}/deploy", data={"note": "去掉引用", "csrf_token": token}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "refuse_in" in text and "不符合 BPMN 建模规范（bpmnlint）" in text
    assert "没有流入的顺序流" in text
    assert versions(office, MEDICAL) == 1
