"""补办参保(合)凭证 on the clerk's pages (规程 第四条): the transfer-out medical clerk's form, CSRF,
Chinese field errors, 403 for everyone else, and the re-issued certificate."""

from __future__ import annotations

from typing import Any

from tests.helpers import events, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit

OUT_CLERK = "medical_out_clerk_330100"


def _reissue(number: str) -> str:
    return f"/cases/{number}/certificate/reissue"


def test_the_issuing_clerk_reissues_from_the_case_page(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)  # suspended: the certificate is issued
    clerk = Staff(app, OUT_CLERK)
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "补办参保(合)凭证" in page and f'action="{_reissue(number)}"' in page
    assert f"/cases/{number}/documents/insurance_certificate" in page

    response = clerk.post(_reissue(number), {"reason": "参保人遗失凭证"})
    assert response.status_code == 302 and response.location.endswith(f"/cases/{number}")
    after = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "已补办参保(合)凭证（第 1 次补办）" in after
    assert "第 1 次补办；原因：参保人遗失凭证" in after  # in the case's steps
    [event] = events(office, number, "certificate_reissued")
    assert event.actor == OUT_CLERK and event.data["reason"] == "参保人遗失凭证"
    certificate = clerk.get(f"/cases/{number}/documents/insurance_certificate")
    assert certificate.status_code == 200
    assert "补办（第 1 次补办，补办日期：2026年9月28日）" in certificate.get_data(as_text=True)

    # The form is on the page of the step that issued the certificate too.
    [step] = [t for t in tasks(office, number) if t.task_spec == "suspend_and_certify"]
    assert f'action="{_reissue(number)}"' in clerk.get(f"/tasks/{step.id}").get_data(as_text=True)


def test_a_missing_reason_is_shown_in_chinese_and_nothing_is_recorded(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    clerk = Staff(app, OUT_CLERK)
    for reason in ("", "  ", "失" * 501):
        response = clerk.post(_reissue(number), {"reason": reason})
        assert response.status_code == 422
        assert "补办原因：" in response.get_data(as_text=True)
    assert events(office, number, "certificate_reissued") == []
    # Without the form's CSRF token: refused before anything is looked at.
    bare = clerk.client.post(_reissue(number), data={"reason": "遗失"})
    assert bare.status_code == 400 and "安全令牌" in bare.get_data(as_text=True)
    assert events(office, number, "certificate_reissued") == []


def test_everyone_else_gets_403(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    for username in (
        "medical_clerk_330602",  # the transfer-in agency: sees the case, may not re-issue
        "medical_out_clerk_330304",  # another region's transfer-out agency
        "pension_out_clerk_330100",
        "supervisor_330100",
        "window_clerk_330602",
    ):
        response = Staff(app, username).post(_reissue(number), {"reason": "遗失"})
        assert response.status_code == 403, username
    page = Staff(app, "medical_clerk_330602").get(f"/cases/{number}").get_data(as_text=True)
    assert _reissue(number) not in page
    assert events(office, number, "certificate_reissued") == []


def test_no_reissue_before_the_certificate_is_issued(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office, suspended=False)
    clerk = Staff(app, OUT_CLERK)
    assert _reissue(number) not in clerk.get(f"/cases/{number}").get_data(as_text=True)
    response = clerk.post(_reissue(number), {"reason": "遗失"})
    assert response.status_code == 409
    assert "参保(合)凭证尚未出具，不能补办" in response.get_data(as_text=True)
    assert clerk.post(_reissue("330602-2026-999999"), {"reason": "遗失"}).status_code == 404
    assert events(office, number, "certificate_reissued") == []


def test_the_contact_letter_form_starts_with_the_issued_certificate_number(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    [letter] = [
        t
        for t in tasks(office, number, "open")
        if (t.process_id, t.task_spec) == ("medical_transfer", "contact_letter")
    ]
    html = Staff(app, "medical_clerk_330602").get(f"/tasks/{letter.id}").get_data(as_text=True)
    field = html.split('data-field="medical_certificate_number"', 1)[1].split("</div>", 1)[0]
    assert 'value="（浙）（杭州市）（2026）第 000123 号"' in field  # not typed a second time
    assert "参保(合)凭证" in html.split("本环节文书", 1)[1]  # the certificate it works from
