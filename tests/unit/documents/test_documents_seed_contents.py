"""Documents say what the seeds require: full numbers where an agency needs them, the cause of
unemployment, the issuing agency's own phone, and what the guides promise the applicant."""

from __future__ import annotations

import re

import pytest
from documents_helpers import APPLICANT_ID, HEAD_ID, case_data

from app.documents import REGIONS, Region, render_html
from app.documents.service_guides import agency_phone, guide_for
from app.rules.id_number import mask_id_number

HANGZHOU_EMPLOYMENT_HOTLINE = "0571-87258563"  # seed 002 十六: 杭州市就业中心
YUECHENG = "0575-85736120"  # seed 000 二十一
OUHAI_MEDICAL = "0577-88591986"  # seed 001 十六


def copies_of(html: str) -> list[str]:
    return re.findall(r'<section class="copy">(.*?)</section>', html, re.S)


# -- 规程 第六条 2: 划转时需标明转移人员姓名和社会保障号 ------------------------------------------


@pytest.mark.parametrize("insurance", ["medical", "pension"])
def test_info_table_marks_the_full_social_security_number(insurance: str) -> None:
    extra = (
        {"pension_individual_account_amount": "1000.00", "pension_pooled_fund_amount": "500.00"}
        if insurance == "pension"
        else {}
    )
    html = render_html("info_table", case_data("info_table", insurance=insurance, **extra))
    assert f'<th>社会保障号码</th><td class="num">{APPLICANT_ID}</td>' in html
    assert mask_id_number(APPLICANT_ID) not in html


# -- seed 003: the 参保(合)凭证's three copies -----------------------------------------------


def test_every_copy_of_the_certificate_prints_the_full_id_numbers() -> None:
    # 第一联 goes to the transfer-in agency, 第三联 stays with the person: both leave the
    # issuing agency and must identify the person (暂行办法 第十条: the ID number is the unique
    # identifier). 第二联 is the agency's own archive copy of the same standard form (第八条).
    copies = copies_of(render_html("insurance_certificate", case_data("insurance_certificate")))
    assert len(copies) == 3
    for copy in copies:
        assert APPLICANT_ID in copy and HEAD_ID in copy
        assert mask_id_number(APPLICANT_ID) not in copy


# -- 2021 通知 第三条（一）: the record moved holds the 失业原因 -------------------------------------


def _unemployed(**changes: object) -> dict[str, object]:
    data = case_data("contact_letter", insurance="unemployment", **changes)
    data["application"]["status"]["employment"] = "unemployed"
    data["application"]["unemployment"]["receiving_benefit"] = True
    data["application"]["unemployment"]["benefit_at_hukou"] = True
    return data


def test_unemployment_contact_letter_prints_the_cause_recorded_at_review() -> None:
    html = render_html("contact_letter", _unemployed(unemployment_cause="contract_terminated"))
    assert "<tr><th>失业原因</th><td>劳动合同期满终止</td></tr>" in html


def test_each_cause_code_prints_its_chinese_label() -> None:
    from app.documents.letters import UNEMPLOYMENT_CAUSE_ZH

    for code, label in UNEMPLOYMENT_CAUSE_ZH.items():
        html = render_html("contact_letter", _unemployed(unemployment_cause=code))
        assert f"<tr><th>失业原因</th><td>{label}</td></tr>" in html


def test_an_employed_workers_letter_has_no_cause_row() -> None:
    html = render_html("contact_letter", case_data("contact_letter", insurance="unemployment"))
    assert "失业原因" not in html


# -- the issuing agency's own phone --------------------------------------------------------


def test_a_hangzhou_certificate_does_not_print_the_employment_hotline() -> None:
    # issued by 杭州市医疗保障分局 (330100, medical): no seed publishes its phone
    html = render_html("insurance_certificate", case_data("insurance_certificate"))
    assert HANGZHOU_EMPLOYMENT_HOTLINE not in html
    assert "联系人及电话：李四" in html


def test_an_ouhai_certificate_prints_the_ouhai_medical_phone() -> None:
    data = case_data("insurance_certificate")
    data["application"]["transfer_out_region"] = "330304"
    data["certificate_seq"] = 5
    html = render_html("insurance_certificate", data)
    assert f"联系人及电话：李四　{OUHAI_MEDICAL}" in html


# (kind, insurance, issuing region, issuing agency kind) for the demo case 330100 → 330602
ISSUERS = [
    ("insurance_certificate", None, "330100", "medical"),
    ("contact_letter", "medical", "330602", "medical"),
    ("contact_letter", "pension", "330602", "pension"),
    ("contact_letter", "unemployment", "330100", "unemployment"),
    ("info_table", "medical", "330100", "medical"),
    ("info_table", "pension", "330100", "pension"),
    ("reply_letter", None, "330602", "unemployment"),
    ("correction_notice", None, "330602", "bureau"),
    ("refusal_decision", None, "330602", "bureau"),
    ("completion_notice", None, "330602", "bureau"),
]
EVERY_PHONE = {
    p
    for code in REGIONS
    for k in ("bureau", "pension", "medical", "unemployment")
    if (p := agency_phone(code, k))
}


@pytest.mark.parametrize(("kind", "insurance", "region", "agency"), ISSUERS)
def test_each_document_prints_its_issuing_agencys_own_phone(
    kind: str, insurance: str | None, region: str, agency: str
) -> None:
    changes: dict[str, object] = {"insurance": insurance} if insurance else {}
    if (kind, insurance) == ("info_table", "pension"):
        changes.update(
            pension_individual_account_amount="1000.00", pension_pooled_fund_amount="500.00"
        )
    html = render_html(kind, case_data(kind, **changes))
    own = agency_phone(region, agency)
    others = EVERY_PHONE - {own}
    if own is not None:
        assert own in html
    for phone in others:
        # another agency's line may appear only as the guide's consultation channel on a
        # notice to the applicant, never as the issuing agency's contact
        contact = re.findall(r"(?:联系电话|联系人及电话)：([^<]*)", html)
        assert all(phone not in c for c in contact), (phone, contact)


# -- seed 000 十七、二十一、二十二、二十三; 001 十三、十六、十七、十八; 002 十三、十六、十七、十八 -----------

NOTICES = ["correction_notice", "refusal_decision", "completion_notice"]


@pytest.mark.parametrize("kind", NOTICES)
def test_notices_state_the_fee_the_channels_and_the_office_hours_of_the_issuing_region(
    kind: str,
) -> None:
    html = render_html(kind, case_data(kind))  # issued by the 330602 window
    assert "收费标准：不收费" in html
    assert "咨询电话：0575-85736120" in html
    assert "监督投诉电话：0575-88300255、12345投诉热线" in html
    assert "网上投诉：http://zxts.zjzwfw.gov.cn" in html
    assert "绍兴市政务服务办公室（凤林西路178号亿兆大厦）一楼D区医保社保窗口" in html
    assert "9月16日-次年6月30日工作日上午8:30-12:00，下午2:00-5:00" in html


@pytest.mark.parametrize("kind", NOTICES)
def test_a_hangzhou_window_notice_gives_the_hangzhou_guide(kind: str) -> None:
    data = case_data(kind)
    data["application"]["transfer_in_region"] = "330100"
    data["application"]["transfer_out_region"] = "330602"
    html = render_html(kind, data)
    assert "咨询电话：0571-12345-1、0571-87258563" in html
    assert "监督投诉电话：0571-12345-1、12345投诉热线" in html
    assert "杭州市人力社保综合服务大厅（杭州市上城区小营街道中河中路248号）5-12号窗口" in html
    assert "法定工作日上午8:30-11:50 下午13:30-17:00" in html
    assert "0575-88300255" not in html


@pytest.mark.parametrize("kind", NOTICES)
def test_a_region_without_a_guide_gives_the_province_channels_and_no_invented_hours(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REGIONS, "330702", Region("330702", "金华市婺城区", "婺"))
    data = case_data(kind)
    data["application"]["transfer_in_region"] = "330702"
    html = render_html(kind, data)
    assert "收费标准：不收费" in html
    assert "咨询电话：12345" in html and "网上投诉：http://zxts.zjzwfw.gov.cn" in html
    assert "办公时间：以当地服务指南为准" in html
    for region in ("330602", "330304", "330100"):
        for office in guide_for(region).offices:
            assert office.hours not in html
