"""A case's documents follow its progress: letters as steps complete, 办结通知书 at the end."""

from __future__ import annotations

from typing import Any

import pytest
from pypdf import PdfReader

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.kernel.errors import NotFound
from tests.conftest import freeze
from tests.helpers import complete, events, scenario


def _kinds(office: Backoffice, number: str) -> set[tuple[str, Any]]:
    return {(d.kind, d.insurance) for d in office.documents.available(number)}


@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")
def test_documents_appear_as_the_case_advances(backoffice: Backoffice, tmp_path: Any) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_all_three_success")
    number = backoffice.applications.submit(
        story["application"], Actor("p", "applicant")
    ).case_number
    assert ("completion_notice", None) not in _kinds(backoffice, number)
    assert ("insurance_certificate", None) not in _kinds(backoffice, number)
    steps = [s for s in story["steps"] if "task" in s]
    medical = [i for i, s in enumerate(steps) if s.get("process") == "medical_transfer"]
    suspend, letter = medical[0], medical[1]
    review = next(i for i, s in enumerate(steps) if s["task"] == "review")
    complete(backoffice, number, steps[review])  # 审核 before the transfers (seed 000 十四)
    complete(backoffice, number, steps[suspend])  # 中止参保, 参保(合)凭证 (规程 第四条)
    assert ("insurance_certificate", None) in _kinds(backoffice, number)
    assert ("contact_letter", "medical") not in _kinds(backoffice, number)
    complete(backoffice, number, steps[letter])  # medical contact letter
    assert ("contact_letter", "medical") in _kinds(backoffice, number)
    for index, step in enumerate(steps):
        if index not in (review, suspend, letter):
            complete(backoffice, number, step)
    kinds = _kinds(backoffice, number)
    assert ("completion_notice", None) in kinds
    assert ("info_table", "medical") in kinds
    pdf = backoffice.documents.issue(number, "completion_notice", None, "pdf", "applicant")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    assert "张三" in text and number in text.replace(" ", "")
    issued = events(backoffice, number, "document_issued")
    assert [e.data["kind"] for e in issued] == ["completion_notice"]


def test_refused_case_offers_the_refusal_decision_only(backoffice: Backoffice) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    application = scenario("bundle_all_three_success")["application"]
    application["status"]["retired"] = True
    number = backoffice.applications.submit(application, Actor("p", "applicant")).case_number
    # The decision, and the 送达回证 that goes with it; nothing about a transfer.
    assert _kinds(backoffice, number) == {("refusal_decision", None), ("delivery_receipt", None)}
    html = backoffice.documents.issue(number, "refusal_decision", None, "html", "clerk")
    assert "行政复议" in html and "六个月" in html or "6个月" in html
    with pytest.raises(NotFound):
        backoffice.documents.issue(number, "no_such_kind", None, "pdf", "clerk")
