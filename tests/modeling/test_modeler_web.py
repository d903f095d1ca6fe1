"""The workbench over HTTP: who may do what, JSON endpoints of the editor, deploy and migrate
pages; bad input gets a clear Chinese message and changes nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.entrypoints.demo import demo_name, load_users
from tests.conftest import freeze, settings_for
from tests.helpers import case_row
from tests.modeling.support import medical_case, shorter_contact_letter, versions

MEDICAL = "medical_transfer"


@pytest.fixture
def app(database_url: str, folders: tuple[Path, Path], make_app: Any) -> Any:
    settings = settings_for(database_url)
    settings.processes_dir, settings.forms_dir = folders
    application = make_app(settings, FOUR_EYES=False)
    load_users(application.extensions["backoffice"])
    return application


def _csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _client(app: Any, username: str) -> Any:
    client = app.test_client()
    token = _csrf(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": "demo1234", "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _open(client: Any, source: str = "working") -> int:
    token = _csrf(client, f"/modeler/processes/{MEDICAL}")
    response = client.post(
        f"/modeler/processes/{MEDICAL}/drafts", data={"source": source, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _json(client: Any, path: str, body: Any, token: str) -> Any:
    return client.post(
        path,
        json=body,
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def test_only_policy_staff_edit_and_auditors_only_look(app: Any) -> None:
    clerk = _client(app, "window_clerk_330602")
    assert clerk.get("/modeler/").status_code == 403
    auditor = _client(app, "auditor_330602")
    assert "medical_transfer" in auditor.get("/modeler/").get_data(as_text=True)
    page = auditor.get(f"/modeler/processes/{MEDICAL}").get_data(as_text=True)
    assert "第 1 版" in page and "新建草稿并编辑" not in page
    response = auditor.post(f"/modeler/processes/{MEDICAL}/drafts", data={"source": "working"})
    assert response.status_code in (400, 403)  # no CSRF token, and not allowed anyway
    token = _csrf(auditor, "/modeler/")
    response = auditor.post(
        f"/modeler/processes/{MEDICAL}/drafts", data={"source": "working", "csrf_token": token}
    )
    assert response.status_code == 403
    assert app.test_client().get("/modeler/").status_code == 302  # to the sign-in page


def test_edit_validate_deploy_and_diff_over_http(app: Any) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    office = app.extensions["backoffice"]
    old_case = medical_case(office)
    staff = _client(app, "policy_staff_330602")
    draft_id = _open(staff)
    editor = staff.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in editor and "modeler-config" in editor
    token = re.search(r'name="csrf-token" content="([^"]+)"', editor).group(1)  # type: ignore[union-attr]
    xml = staff.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True)
    config_token = re.search(r'"token": "([^"]+)"', editor).group(1)  # type: ignore[union-attr]

    saved = _json(
        staff,
        f"/modeler/drafts/{draft_id}/save",
        {"xml": shorter_contact_letter(xml), "forms": {}, "token": config_token},
        token,
    )
    assert saved.status_code == 200 and saved.json["ok"]
    stale = _json(
        staff, f"/modeler/drafts/{draft_id}/save", {"xml": xml, "token": config_token}, token
    )
    assert stale.status_code == 409 and "其他窗口" in stale.json["message"]
    checked = _json(staff, f"/modeler/drafts/{draft_id}/validate", {}, token)
    assert checked.json == {"ok": True, "problems": []}

    empty_note = staff.post(
        f"/modeler/drafts/{draft_id}/deploy", data={"note": " ", "csrf_token": token}
    )
    assert empty_note.status_code == 422 and "请填写部署说明" in empty_note.get_data(as_text=True)
    deployed = staff.post(
        f"/modeler/drafts/{draft_id}/deploy",
        data={"note": "联系函承诺10个工作日", "csrf_token": token},
        follow_redirects=True,
    )
    page = deployed.get_data(as_text=True)
    assert "已部署 medical_transfer 第 2 版" in page and "联系函承诺10个工作日" in page
    diff = staff.get(f"/modeler/processes/{MEDICAL}/diff?a=1&b=2").get_data(as_text=True)
    assert "timer_contact_letter" in diff and "deadline(medical_accepted_at, 10)" in diff
    assert versions(office, MEDICAL) == 2

    dry = staff.get(f"/modeler/processes/{MEDICAL}/migrate?from=1&to=2").get_data(as_text=True)
    assert "试运行报告" in dry and old_case in dry and "可安全迁移 1 件" in dry
    pinned = case_row(office, old_case).pinned[MEDICAL]
    done = staff.post(
        f"/modeler/processes/{MEDICAL}/migrate",
        data={"from": "1", "to": "2", "csrf_token": token},
    ).get_data(as_text=True)
    assert "已迁移 1 件" in done
    assert case_row(office, old_case).pinned[MEDICAL] != pinned


def test_bad_input_gets_a_clear_message_and_changes_nothing(app: Any) -> None:
    office = app.extensions["backoffice"]
    staff = _client(app, "policy_staff_330602")
    draft_id = _open(staff)
    token = _csrf(staff, f"/modeler/drafts/{draft_id}")
    before = staff.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True)

    not_json = staff.post(
        f"/modeler/drafts/{draft_id}/save",
        data="xml",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert not_json.status_code == 422 and not_json.is_json
    bad_form = _json(
        staff,
        f"/modeler/drafts/{draft_id}/save",
        {"xml": "<x/>", "forms": {"medical_transfer.contact_letter.json": '{"type": 3}'}},
        token,
    )
    assert bad_form.status_code == 422
    assert bad_form.json["errors"][0]["field"] == "forms/medical_transfer.contact_letter.json"
    bad_name = _json(staff, "/modeler/forms/check", {"name": "../x.json", "schema": "{}"}, token)
    assert not bad_name.json["ok"] and "文件名" in bad_name.json["errors"][0]["message"]
    assert staff.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True) == before

    broken = before.replace("medical_eligible == False", "medical_eligible == = False")
    assert _json(staff, f"/modeler/drafts/{draft_id}/save", {"xml": broken}, token).json["ok"]
    page = staff.post(
        f"/modeler/drafts/{draft_id}/deploy", data={"note": "试试", "csrf_token": token}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    problems = text.split('id="problems"', 1)[1].split("</ul>", 1)[0]
    # In Chinese, naming the step; no file path; the validator's words one click away.
    assert "Python 写法有误" in problems and "processes/" not in problems
    assert ".bpmn" not in problems and "f_contact_refuse: Python syntax error" in problems
    scenarios = _json(staff, f"/modeler/drafts/{draft_id}/scenarios", {}, token)
    assert scenarios.status_code == 422
    shown = scenarios.json["problems"][0]["text"]
    assert "Python 写法有误" in shown and "processes/" not in shown
    assert versions(office, MEDICAL) == 1

    assert staff.get("/modeler/drafts/999999").status_code == 404
    assert staff.get(f"/modeler/processes/{MEDICAL}/migrate?from=1&to=x").status_code == 422
    assert staff.get(f"/modeler/processes/{MEDICAL}/migrate?from=1&to=7").status_code == 404
    scenario = staff.post(
        "/modeler/scenarios",
        data={
            "name": "坏场景",
            "body": "{oops",
            "process_id": "one_thing_bundle",
            "csrf_token": token,
        },
    )
    assert scenario.status_code == 422 and "不是合法的 JSON" in scenario.get_data(as_text=True)


def test_four_eyes_on_the_web(database_url: str, folders: tuple[Path, Path], make_app: Any) -> None:
    settings = settings_for(database_url)
    settings.processes_dir, settings.forms_dir = folders
    app = make_app(settings, FOUR_EYES=True)
    load_users(app.extensions["backoffice"])
    author = _client(app, "policy_staff_330602")
    draft_id = _open(author)
    token = _csrf(author, f"/modeler/drafts/{draft_id}")
    xml = author.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True)
    _json(author, f"/modeler/drafts/{draft_id}/save", {"xml": shorter_contact_letter(xml)}, token)
    refused = author.post(
        f"/modeler/drafts/{draft_id}/deploy", data={"note": "n", "csrf_token": token}
    )
    assert refused.status_code == 403 and "四眼原则" in refused.get_data(as_text=True)

    reviewer = _client(app, "policy_staff_330100")
    page = reviewer.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert "复核通过，批准发布" in page
    review_token = _csrf(reviewer, f"/modeler/drafts/{draft_id}")
    approved = reviewer.post(
        f"/modeler/drafts/{draft_id}/approve", data={"csrf_token": review_token}
    )
    assert approved.status_code == 302
    ok = author.post(f"/modeler/drafts/{draft_id}/deploy", data={"note": "n", "csrf_token": token})
    assert ok.status_code == 302
    listing = author.get(f"/modeler/processes/{MEDICAL}").get_data(as_text=True)
    assert demo_name("policy_staff_330100") in listing  # the approver, by name


def test_policy_staff_create_a_new_process_and_deploy_it_as_version_1(app: Any) -> None:
    office = app.extensions["backoffice"]
    staff = _client(app, "policy_staff_330602")
    index = staff.get("/modeler/").get_data(as_text=True)
    assert "新建流程" in index and 'name="process_id"' in index
    token = _csrf(staff, "/modeler/")
    created = staff.post(
        "/modeler/processes",
        data={
            "process_id": "maternity_transfer",
            "name": "生育保险关系转移接续",
            "csrf_token": token,
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    draft_id = int(created.headers["Location"].rsplit("/", 1)[1])
    editor = staff.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert "maternity_transfer" in editor and "新建流程（空白模板" in editor
    assert "已新建流程 maternity_transfer 的草稿" in editor
    assert f"/modeler/drafts/{draft_id}" in staff.get("/modeler/").get_data(as_text=True)
    xml = staff.get(f"/modeler/drafts/{draft_id}/bpmn").get_data(as_text=True)
    assert 'name="生育保险关系转移接续"' in xml
    diff = staff.get(f"/modeler/drafts/{draft_id}/diff")
    assert diff.status_code == 200 and "空白（新建流程）" in diff.get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', editor).group(1)  # type: ignore[union-attr]
    assert _json(staff, f"/modeler/drafts/{draft_id}/validate", {}, token).json["ok"]

    deployed = staff.post(
        f"/modeler/drafts/{draft_id}/deploy",
        data={"note": "新增生育保险关系转移接续", "csrf_token": token},
        follow_redirects=True,
    )
    assert "已部署 maternity_transfer 第 1 版" in deployed.get_data(as_text=True)
    assert versions(office, "maternity_transfer") == 1
    listed = staff.get("/modeler/").get_data(as_text=True)
    assert "/modeler/processes/maternity_transfer" in listed


def test_only_policy_staff_create_a_process_and_bad_input_is_a_422_in_chinese(app: Any) -> None:
    office = app.extensions["backoffice"]
    good = {"process_id": "maternity_transfer", "name": "生育保险关系转移接续"}
    clerk = _client(app, "window_clerk_330602")
    token = _csrf(clerk, "/login")
    assert clerk.post("/modeler/processes", data={**good, "csrf_token": token}).status_code == 403
    auditor = _client(app, "auditor_330602")
    assert 'action="/modeler/processes"' not in auditor.get("/modeler/").get_data(as_text=True)
    token = _csrf(auditor, "/modeler/")
    assert auditor.post("/modeler/processes", data={**good, "csrf_token": token}).status_code == 403

    staff = _client(app, "policy_staff_330602")
    assert staff.post("/modeler/processes", data=good).status_code in (400, 403)  # no CSRF token
    token = _csrf(staff, "/modeler/")
    for data, message in [
        ({"process_id": "Maternity!", "name": "生育"}, "小写英文字母开头"),
        ({"process_id": "medical_transfer", "name": "医疗"}, "流程编号 medical_transfer 已存在"),
        ({"process_id": "maternity_transfer", "name": " "}, "流程名称：请填写流程名称"),
        ({"process_id": "maternity_transfer", "name": "生育\x00"}, "不允许的字符"),
        ({"process_id": "x" * 5000, "name": "名" * 5000}, "不能超过 100 个字"),
        ({}, "请填写流程编号"),
    ]:
        page = staff.post("/modeler/processes", data={**data, "csrf_token": token})
        text = page.get_data(as_text=True)
        assert page.status_code == 422, (data, text)
        assert "未新建流程" in text and message in text, (data, text)
    # What was typed is kept, escaped.
    page = staff.post(
        "/modeler/processes",
        data={"process_id": "<b>x</b>", "name": "<script>生育</script>", "csrf_token": token},
    )
    assert page.status_code == 422
    assert "&lt;script&gt;生育&lt;/script&gt;" in page.get_data(as_text=True)
    assert "<script>生育" not in page.get_data(as_text=True)
    assert versions(office, "maternity_transfer") == 0
    assert 'id="new-process-drafts"' not in staff.get("/modeler/").get_data(as_text=True)
