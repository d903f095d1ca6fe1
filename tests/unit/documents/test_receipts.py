"""受理通知书 (受理回执) and 送达回证: what they print, and what they refuse to print without."""

from __future__ import annotations

import pytest
from documents_helpers import APPLICATION, case_data

from app.documents import DocumentDataError, build, render_html

ADDRESS = {"recipient": "李四", "phone": "13900000000", "address": "浙江省绍兴市越城区人民中路1号"}
EXPRESS = {**APPLICATION, "delivery": "express", "delivery_address": ADDRESS}


def test_the_acceptance_notice_prints_case_applicant_insurances_dates_and_delivery() -> None:
    html = render_html("acceptance_notice", case_data("acceptance_notice"))
    assert "受理通知书" in html and "受理回执" in html
    assert "330602-2026-000123" in html and "张三" in html
    assert "企业职工基本养老保险" in html or "养老保险" in html
    assert "基本医疗保险" in html or "医疗保险" in html
    assert "2026年3月5日" in html  # accepted
    assert "2026年3月18日前" in html and "2026年5月12日前" in html  # committed, legal
    assert "电子文件网上送达" in html
    assert "暂定" not in html


def test_provisional_dates_are_marked() -> None:
    html = render_html(
        "acceptance_notice", case_data("acceptance_notice", deadlines_provisional=True)
    )
    assert "2026年3月18日前（暂定）" in html


def test_the_acceptance_notice_needs_the_acceptance() -> None:
    data = case_data("acceptance_notice")
    del data["accepted_on"]
    with pytest.raises(DocumentDataError) as caught:
        build("acceptance_notice", data)
    assert caught.value.field == "accepted_on"


def test_express_delivery_prints_the_address_on_both() -> None:
    for kind in ("acceptance_notice", "delivery_receipt"):
        html = render_html(kind, case_data(kind, application=EXPRESS))
        assert "邮寄送达" in html
        assert "李四" in html and "13900000000" in html and "人民中路1号" in html


def test_the_delivery_receipt_names_the_delivered_document() -> None:
    html = render_html("delivery_receipt", case_data("delivery_receipt", status="refused"))
    assert "送达回证" in html and "《不予受理决定书》" in html
    assert "受送达人（签名或盖章）" in html


def test_express_without_an_address_cannot_be_printed() -> None:
    application = {**APPLICATION, "delivery": "express"}
    with pytest.raises(DocumentDataError) as caught:
        build("delivery_receipt", case_data("delivery_receipt", application=application))
    assert caught.value.field == "application.delivery_address"


def test_no_receipt_before_there_is_something_to_deliver() -> None:
    with pytest.raises(DocumentDataError):
        build("delivery_receipt", case_data("delivery_receipt", status="accepted"))
