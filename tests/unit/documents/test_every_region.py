"""Every document builds for a case from every region of Zhejiang in the division data, and for
a sample of every other province (issue 15 acceptance): names, 简称 and pooling regions."""

from __future__ import annotations

from typing import Any

import pytest

from app.documents import DOCUMENT_KINDS, build
from app.rules.application_schema import validate_application
from app.rules.divisions import COUNTY, DIVISIONS, PROVINCE, PROVINCE_ABBR, pooling_name
from tests.helpers import scenario
from tests.unit.documents.documents_helpers import case_data

ZHEJIANG = [code for code, d in DIVISIONS.items() if code.startswith("33") and d.level != PROVINCE]
# The first and the last city- or county-level division of every other province (Hong Kong and
# Macao have none in the data).
_BELOW = [c for c, d in DIVISIONS.items() if d.level != PROVINCE and c[:2] != "33"]
OTHERS = sorted(
    {min(c for c in _BELOW if c[:2] == p) for p in {c[:2] for c in _BELOW}}
    | {max(c for c in _BELOW if c[:2] == p) for p in {c[:2] for c in _BELOW}}
)


def test_the_data_has_zhejiang_and_xihu() -> None:
    assert DIVISIONS["330106"].name == "杭州市西湖区"
    assert pooling_name("330106") == "杭州市"
    assert len([c for c in ZHEJIANG if DIVISIONS[c].level == COUNTY]) == 90  # 2024: 90 县级
    assert len(ZHEJIANG) == 101  # and 11 cities
    assert {d.code[:2] for d in DIVISIONS.values() if d.level == PROVINCE} <= set(PROVINCE_ABBR)


@pytest.mark.parametrize("code", ZHEJIANG + OTHERS)
def test_every_document_builds_for_the_region(code: str) -> None:
    # the region is at once the 户籍, the transfer-out and the transfer-in place of the case
    for kind in sorted(DOCUMENT_KINDS):
        data = case_data(kind)
        data["application"]["applicant"]["hukou_region"] = code
        data["application"]["transfer_out_region"] = code
        data["application"]["transfer_in_region"] = code
        model = build(kind, data)
        assert model, kind
    certificate = build("insurance_certificate", data_for_certificate(code))
    assert (
        f"（{PROVINCE_ABBR[code[:2]]}）（{pooling_name(code)}）"
        in certificate["certificate_number"]
    )
    assert certificate["hukou_place"] == DIVISIONS[code].name


def data_for_certificate(code: str) -> dict[str, Any]:
    data = case_data("insurance_certificate")
    data.pop("certificate_number", None)
    data["certificate_seq"] = 7
    data["application"]["applicant"]["hukou_region"] = code
    data["application"]["transfer_out_region"] = code
    return data


def test_an_application_names_a_code_outside_the_data() -> None:
    body = {**scenario("bundle_all_three_success")["application"], "transfer_out_region": "339999"}
    errors = validate_application(body)
    assert [(e.field, e.message) for e in errors] == [
        ("/transfer_out_region", "339999 不是有效的行政区划代码（GB/T 2260），请选择省、市、区县")
    ]
