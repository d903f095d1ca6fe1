"""What a clerk and an auditor see of the letters between two deployments (issue 16 item 4):
越城 (A, 330602) accepts a pension transfer whose transfer-out agency 杭州 (B, 3301) runs its
own deployment. Two real apps on two databases, the real diagrams and receivers; the test
carries the letters between the outboxes and the receivers (the sender has its own tests)."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, update

from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from app.store.exchange_rows import FAILED, OutboxMessage
from app.store.models import Case
from tests.conftest import current_clock, freeze, settings_for
from tests.exchange.support import settings
from tests.exchange.two_offices import A_REGION, B_REGION, carry, open_task, parties, pension_only
from tests.web.clerk_support import Staff

UUID = re.compile(r'data-letter="([0-9a-f-]{36})" data-direction="(sent|received)"')


@pytest.fixture
def apps(
    database_url: str, second_database_url: str, tmp_path: Path, make_app: Any
) -> Iterator[tuple[Flask, Flask]]:
    yuecheng, hangzhou, directory = parties(tmp_path)
    made = []
    for url, me in ((database_url, yuecheng), (second_database_url, hangzhou)):
        base = settings_for(url)
        app = make_app(dataclasses.replace(base, exchange=settings(me, directory)))
        load_users(app.extensions["backoffice"])
        made.append(app)
    yield made[0], made[1]


def office(app: Flask) -> Backoffice:
    found: Backoffice = app.extensions["backoffice"]
    return found


def run(a: Backoffice, b: Backoffice, steps: list[dict[str, Any]]) -> None:
    """The steps in order on whichever side has them open, an hour apart (each letter then
    has its own instant: a letter's deadline must not be told by time alone)."""
    for step in steps:
        clock = current_clock()
        clock.freeze(clock.now() + timedelta(hours=1))
        task, where = open_task(a, step["task"], step.get("process")), a
        if task is None:
            task, where = open_task(b, step["task"], step.get("process")), b
        assert task is not None, f"{step['task']} is open on neither side"
        where.cases.complete_task(
            task.id, step.get("data", {}), Actor("clerk", task.role, task.region)
        )
        carry(a, b)
        carry(b, a)


def case_numbers(app: Flask) -> list[str]:
    with office(app).db.sessions() as session:
        return list(session.execute(select(Case.number).order_by(Case.id)).scalars())


def letters_on(html: str) -> list[tuple[str, str]]:
    return UUID.findall(html)


def _up_to_the_contact_letter(
    a: Backoffice, b: Backoffice
) -> tuple[dict[str, Any], str, list[dict[str, Any]], int]:
    """A pension-only case at A run until its 联系函 has reached B: the application, the case
    number, the scenario's steps and the index of the 联系函 step among them."""
    freeze("2026-09-28T09:00:00+08:00")
    application, steps = pension_only()
    number = a.applications.submit(application, Actor("portal", "applicant")).case_number
    contact = next(i for i, s in enumerate(steps) if s["task"] == "contact_letter")
    run(a, b, steps[: contact + 1])
    return application, number, steps, contact


def test_both_sides_see_the_letters_the_agency_and_the_deadline_it_started(
    apps: tuple[Flask, Flask],
) -> None:
    app_a, app_b = apps
    a, b = office(app_a), office(app_b)
    application, number, steps, contact = _up_to_the_contact_letter(a, b)
    id_number = application["applicant"]["id_number"]

    # B: the contact letter opened a case of its own, with a deadline on its open task.
    [opened] = case_numbers(app_b)
    out_clerk = Staff(app_b, f"pension_out_clerk_{B_REGION}")
    page = out_clerk.get(f"/cases/{opened}").get_data(as_text=True)
    assert "往来函件" in page and "来函立案" in page and "跨地区来函" in page
    assert "越城区社保中心发来养老保险联系函" in page
    assert "绍兴市越城区经办机构（来函）" in page and "peer:" not in page  # who opened it
    [(letter_id, direction)] = letters_on(page)
    assert direction == "received"
    task = open_task(b, "transfer_out", None)
    deadline_row = re.search(r'class="letter-deadline">([^<]+)<', page)
    assert deadline_row and "前" in deadline_row.group(1) and "办理中" in deadline_row.group(1)
    assert task is None or task.title in deadline_row.group(1)
    document = out_clerk.get(f"/cases/{opened}/letters/{letter_id}")
    assert document.status_code == 200
    text = document.get_data(as_text=True)
    assert "养老保险联系函" in text and "越城区社保中心" in text and "杭州市社保中心" in text
    assert f"{number}/pension" in text and letter_id in text
    assert "技术细节" in text and "<script" not in text
    assert id_number not in text and id_number[:6] in text  # masked, never in full
    assert "申请人" in text or "姓名" in text  # the payload in words, with the forms' labels
    # The same letter as PDF for the file (linked from the 往来函件 row): Chinese text that
    # extracts back, the ID number still masked.
    assert f"/cases/{opened}/letters/{letter_id}?format=pdf" in page
    pdf = out_clerk.get(f"/cases/{opened}/letters/{letter_id}?format=pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    extracted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "养老保险联系函" in extracted and id_number not in extracted.replace(" ", "")

    run(a, b, steps[contact + 1 :])
    # A: its contact letter went out (delivered) and B's 信息表 came back, both in order.
    clerk = Staff(app_a, f"pension_clerk_{A_REGION}")
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    rows = letters_on(page)
    assert [d for _, d in rows][:2] == ["sent", "received"], rows
    assert "发出" in page and "收到" in page and "已送达" in page
    assert "养老保险联系函" in page and "养老保险参保信息表及基金" in page
    assert "杭州市社保中心" in page
    # The 信息表 started 接续办结 here (not the steps before it), with its limit.
    started = re.findall(r'class="letter-deadline">([^<]+)<', page)
    assert len(started) == 1 and started[0].startswith("接续办结："), started
    sent_id, received_id = rows[0][0], rows[1][0]
    info = clerk.get(f"/cases/{number}/letters/{received_id}").get_data(as_text=True)
    assert "发件机构" in info and "杭州市社保中心" in info and id_number not in info
    # Times in Beijing time (the letter was sent on the frozen day, 2026-09-28 09:00 +08:00).
    assert re.search(r"发出时间</th><td>2026-09-2\d \d\d:\d\d:\d\d<", info)

    # A letter that could not be delivered says so, with the peer's reason.
    with a.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == sent_id)
            .values(status=FAILED, last_error="对方拒收：签名不符", sent_at=None)
        )
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "发送失败" in page and "对方拒收：签名不符" in page

    # The auditor of each side reads the same letters.
    auditor = Staff(app_a, f"auditor_{A_REGION}")
    audit_page = auditor.get(f"/audit/cases/{number}").get_data(as_text=True)
    assert {i for i, _ in letters_on(audit_page)} == {i for i, _ in rows}
    assert f"/audit/cases/{number}/letters/{received_id}" in audit_page
    assert "办件发出函件（跨部署）" in audit_page and "办件收到函件（跨部署）" in audit_page
    assert auditor.get(f"/audit/cases/{number}/letters/{received_id}").status_code == 200
    b_auditor = Staff(app_b, f"auditor_{B_REGION}")
    assert "来函立案" in b_auditor.get(f"/audit/cases/{opened}").get_data(as_text=True)
    assert b_auditor.get(f"/audit/cases/{opened}/letters/{letter_id}").status_code == 200


def test_only_staff_who_may_see_the_case_read_its_letters_and_bad_ids_are_404(
    apps: tuple[Flask, Flask],
) -> None:
    app_a, app_b = apps
    _application, number, _steps, _contact = _up_to_the_contact_letter(office(app_a), office(app_b))
    clerk = Staff(app_a, f"pension_clerk_{A_REGION}")
    [(letter_id, _)] = letters_on(clerk.get(f"/cases/{number}").get_data(as_text=True))
    path = f"/cases/{number}/letters/{letter_id}"
    assert clerk.get(path).status_code == 200
    # Not on the case: an unemployment clerk (the case transfers pension only), an auditor of
    # another region.
    assert Staff(app_a, f"unemployment_clerk_{A_REGION}").get(path).status_code == 403
    other_auditor = Staff(app_a, "auditor_330304")
    assert other_auditor.get(f"/audit/cases/{number}/letters/{letter_id}").status_code == 404
    # A malformed id, an unknown one, another case's letter: 404 pages, never a 500.
    for bad in ("x" * 300, "not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        response = clerk.get(f"/cases/{number}/letters/{bad}")
        assert response.status_code == 404, bad
        assert "函件" in response.get_data(as_text=True)
    [opened] = case_numbers(app_b)
    out_clerk = Staff(app_b, f"pension_out_clerk_{B_REGION}")
    assert out_clerk.get(f"/cases/{opened}/letters/{letter_id}").status_code == 200
    # B's letter case does not hold A's case number: the letter is reached only through it.
    assert out_clerk.get(f"/cases/{number}/letters/{letter_id}").status_code == 404
