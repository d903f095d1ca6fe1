"""The 参保(合)凭证 built from the suspension step's form fields (规程 第四条), with the 3-month
registration date (seed 003 第六条) and the re-issue mark (补办)."""

from __future__ import annotations

import pytest

from app.documents import DocumentDataError, build, render_html
from tests.unit.documents.documents_helpers import CASE, HEAD_ID

SUSPENSION = {
    "medical_insured_from": "2015-07",
    "medical_insured_to": "2026-02",
    "medical_benefits_from": "2015-08-01",
    "medical_benefits_to": "2026-02-28",
    "medical_certificate_balance": "10203.05",
    "medical_household_head_name": "张大山",
    "medical_household_head_id_number": HEAD_ID,
    "medical_certificate_number": "（浙）（杭州市）（2026）第 000123 号",
    "medical_certificate_contact_person": "李四",
    "medical_suspended_on": "2026-03-05",
}


def _data(**changes: object) -> dict:  # type: ignore[type-arg]
    return {**CASE, "issued_on": "2026-04-01", **SUSPENSION, **changes}


def test_the_suspension_form_fields_fill_the_certificate() -> None:
    model = build("insurance_certificate", _data())
    assert model["certificate_number"] == "（浙）（杭州市）（2026）第 000123 号"
    assert model["issued_on"] == "2026年3月5日"  # the day of issue, not of printing
    assert (model["insured_from"], model["benefits_to"]) == ("2015年7月", "2026年2月28日")
    assert model["head_name"] == "张大山" and model["contact_person"] == "李四"
    assert model["balance_capital"] == "壹万零贰佰零叁元零伍分"
    assert (model["register_by"], model["reissue_count"]) == (None, 0)


def test_the_registration_date_is_printed_in_the_notes() -> None:
    html = render_html("insurance_certificate", _data(medical_register_by="2026-06-05"))
    assert html.count("在3个月内（最迟于2026年6月5日）到指定办理机构办理相关登记手续") == 3
    without = render_html("insurance_certificate", _data())
    assert "最迟于" not in without and "在3个月内到指定办理机构" in without


def test_a_reissue_is_marked_with_its_count_and_date() -> None:
    reissues = [{"on": "2026-04-10", "reason": "遗失"}, {"on": "2026-05-02", "reason": "遗失"}]
    html = render_html("insurance_certificate", _data(certificate_reissues=reissues))
    assert html.count("补办（第 2 次补办，补办日期：2026年5月2日）") == 3  # on every copy


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"certificate_reissues": "遗失"}, "certificate_reissues"),
        ({"certificate_reissues": [{"reason": "遗失"}]}, "on"),
        ({"medical_register_by": "2026-02-30"}, "medical_register_by"),
        ({"medical_household_head_name": None}, "household_head"),
    ],
)
def test_unusable_data_names_the_field(changes: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(DocumentDataError) as error:
        build("insurance_certificate", _data(**changes))
    assert error.value.field == field
