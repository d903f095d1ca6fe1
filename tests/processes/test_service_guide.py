"""A bundle handled by the Hangzhou window: its notices and messages give the Hangzhou guide's
fee, channels and office hours (seed 002 十三、十六、十七、十八), not another region's."""

from __future__ import annotations

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.notifier import install
from app.store.models import Case, Notification
from tests.processes.driver import run_scenario


def test_hangzhou_window_service_guide_scenario(backoffice: Backoffice) -> None:
    install(backoffice.cases)
    result = run_scenario(backoffice, "bundle_hangzhou_window_service_guide")
    assert result.passed, result.failures
    number = result.case_number
    kinds = [(r.kind, r.insurance) for r in backoffice.documents.available(number)]
    assert kinds == [
        ("contact_letter", "unemployment"),
        ("reply_letter", "unemployment"),
        ("completion_notice", None),
        ("acceptance_notice", None),
        ("delivery_receipt", None),
    ]
    notice = backoffice.documents.issue(number, "completion_notice", None, "html", "c")
    assert isinstance(notice, str)
    assert "收费标准：不收费" in notice
    assert "咨询电话：0571-12345-1、0571-87258563" in notice
    assert "监督投诉电话：0571-12345-1、12345投诉热线" in notice
    assert "杭州市人力社保综合服务大厅（杭州市上城区小营街道中河中路248号）5-12号窗口" in notice
    assert "0575-" not in notice  # nothing of the transfer-out region (绍兴市越城区)
    # the 联系函 from Yuecheng's employment agency carries Yuecheng's line as its contact
    letter = backoffice.documents.issue(number, "contact_letter", "unemployment", "html", "c")
    assert "联系电话：0575-85736120" in letter
    with backoffice.db.sessions() as session:
        messages = session.execute(
            select(Notification.message)
            .join(Case, Case.id == Notification.case_id)
            .where(Case.number == number)
        ).scalars()
        texts = list(messages)
    assert texts and all("咨询电话0571-12345-1、0571-87258563" in t for t in texts)
