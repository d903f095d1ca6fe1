"""Each document renders to HTML with its required fields, escaped, with IDs masked as decided."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from documents_helpers import APPLICANT_ID, HEAD_ID, case_data

from app.documents import (
    BUILDERS,
    DOCUMENT_KINDS,
    REGIONS,
    DocumentDataError,
    Region,
    UnknownDocumentKind,
    build,
    certificate_number,
    render_html,
)
from app.kernel.errors import AppError
from app.rules.acceptance import REASON_TEXT_ZH, REMEDIES_ZH
from app.rules.id_number import mask_id_number

TEMPLATES = Path(__file__).parents[3] / "app" / "documents" / "templates"


def html_of(kind: str, **changes: object) -> str:
    return render_html(kind, case_data(kind, **changes))


def test_every_kind_has_a_title_a_builder_and_a_template() -> None:
    assert (
        set(DOCUMENT_KINDS)
        == set(BUILDERS)
        == {
            "insurance_certificate",
            "contact_letter",
            "info_table",
            "reply_letter",
            "correction_notice",
            "refusal_decision",
            "completion_notice",
            "acceptance_notice",
            "delivery_receipt",
        }
    )
    for kind in DOCUMENT_KINDS:
        assert (TEMPLATES / f"{kind}.html").is_file()


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_each_kind_is_a_complete_page_with_the_cjk_fonts_named(kind: str) -> None:
    html = html_of(kind)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    for family in ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Serif CJK SC"):
        assert f'"{family}"' in html
    assert "张三" in html


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownDocumentKind) as e:
        render_html("passport", {})
    assert e.value.status == 404


# -- 参保(合)凭证 --------------------------------------------------------------------------


def copies_of(html: str) -> list[str]:
    return re.findall(r'<section class="copy">(.*?)</section>', html, re.S)


def test_certificate_shows_every_field_of_seed_003() -> None:
    html = html_of("insurance_certificate")
    assert "参保(合)凭证" in html
    assert "凭证号：（浙）（杭州市）（2026）第 000123 号" in html
    for text in (
        "张三",  # 姓名
        "绍兴市越城区",  # 户籍所在地
        "城镇户籍",  # 户籍类型
        "张大山",  # 户主姓名
        "城镇职工基本医疗保险",  # 医疗保障类型
        "杭州市",  # 参保(合)地
        "2015年7月",  # 参保(合)时间 起
        "2026年2月",  # 参保(合)时间 止
        "2015年8月1日",  # 待遇享受 起
        "2026年2月28日",  # 待遇享受 止
        '(大写) <span class="capital">壹万零贰佰零叁元零伍分</span>',
        '(小写) <span class="figures">¥10,203.05</span>',
        "办理机构名称：杭州市医疗保障分局",  # seal area
        "（盖章）",
        "联系人及电话：李四",  # 杭州市医疗保障分局: no published phone, a blank to fill in
        "医疗保障编号＊",
        "人力资源和社会保障部、卫生部监制",
    ):
        assert text in html, text


def test_certificate_comes_in_three_copies() -> None:
    html = html_of("insurance_certificate")
    copies = copies_of(html)
    assert len(copies) == 3
    for copy, ordinal, use in zip(
        copies, ("第一联", "第二联", "第三联"), ("转移用", "存档", "参保人留存"), strict=True
    ):
        assert (
            f'<span class="copy-ordinal">{ordinal}</span> <span class="copy-use">{use}</span>'
            in copy
        )
        assert "壹万零贰佰零叁元零伍分" in copy
        assert "（浙）（杭州市）（2026）第 000123 号" in copy


def test_certificate_prints_full_id_numbers_on_every_copy() -> None:
    # seed 003: one standard layout for the three copies; 第一联 and 第三联 leave the agency
    # and must identify the person by the ID number (暂行办法 第十条).
    for copy in copies_of(html_of("insurance_certificate")):
        assert APPLICANT_ID in copy and HEAD_ID in copy
        assert mask_id_number(APPLICANT_ID) not in copy and mask_id_number(HEAD_ID) not in copy


def test_certificate_prints_an_own_medical_insurance_number_as_given() -> None:
    html = html_of("insurance_certificate", medical_insurance_number="YB-0001")
    assert html.count("YB-0001") == 3


def test_certificate_rounds_half_up_before_writing_the_amount() -> None:
    html = html_of("insurance_certificate", account_balance=Decimal("10203.045"))
    assert "壹万零贰佰零叁元零伍分" in html and "¥10,203.05" in html


def test_certificate_takes_a_given_number_in_the_national_format() -> None:
    number = "（浙）（杭州市）（2025）第 000007 号"
    html = html_of("insurance_certificate", certificate_seq=None, certificate_number=number)
    assert html.count(number) == 3
    with pytest.raises(DocumentDataError) as e:
        html_of("insurance_certificate", certificate_seq=None, certificate_number="HZ-7")
    assert e.value.field == "certificate_number"


def test_certificate_number_format() -> None:
    assert certificate_number("浙", "杭州市", 2026, 123) == "（浙）（杭州市）（2026）第 000123 号"
    assert certificate_number("浙", "绍兴市越城区", 2026, 999_999).endswith("第 999999 号")
    for seq in (0, 1_000_000):
        with pytest.raises(DocumentDataError) as e:
            certificate_number("浙", "杭州市", 2026, seq)
        assert e.value.field == "certificate_seq"


def test_region_table_has_the_demo_regions() -> None:
    assert {code: r.name for code, r in REGIONS.items()} == {
        "330100": "杭州市",
        "330602": "绍兴市越城区",
        "330304": "温州市瓯海区",
    }
    assert {r.province_abbr for r in REGIONS.values()} == {"浙"}
    assert REGIONS["330304"].agency("medical") == "温州市瓯海区医疗保障分局"


# -- 联系函 ---------------------------------------------------------------------------------


def test_medical_contact_letter_goes_from_transfer_in_to_transfer_out() -> None:
    html = html_of(
        "contact_letter",
        medical_certificate_number="（浙）（杭州市）（2026）第 000123 号",
        medical_contact_letter_number="越医保联〔2026〕5号",
    )
    assert "基本医疗保险关系转移接续联系函" in html
    assert "越医保联〔2026〕5号" in html
    assert "杭州市医疗保障分局：" in html  # addressee: the transfer-out agency
    assert "绍兴市越城区医疗保障分局" in html  # issuer, bottom right
    assert "15个工作日内" in html and "人社厅发〔2016〕94号" in html
    assert "《参保人员基本医疗保险类型变更信息表》" in html
    assert "凭证号：（浙）（杭州市）（2026）第 000123 号" in html
    assert "2026年3月5日" in html


def test_pension_contact_letter_asks_for_account_and_pooled_fund() -> None:
    html = html_of("contact_letter", insurance="pension")
    assert "基本养老保险关系转移接续联系函" in html
    assert "杭州市社会保险事业管理中心：" in html
    assert "个人账户储存额和统筹基金" in html and "12%" in html
    assert "国办发〔2009〕66号" in html
    assert "申报累计缴费96个月" in html


def test_pension_contact_letter_for_a_temporary_account() -> None:
    html = html_of("contact_letter", insurance="pension", pension_temporary_account=True)
    assert "临时基本养老保险缴费账户" in html
    assert "暂不转移" in html


def test_unemployment_contact_letter_goes_from_transfer_out_to_transfer_in() -> None:
    html = html_of("contact_letter", insurance="unemployment")
    assert "失业保险关系转移接续联系函" in html
    assert "绍兴市越城区就业管理中心：" in html  # addressee: the transfer-in agency
    assert "杭州市就业管理中心" in html
    assert "杭就业联〔2026〕越123号" in html  # default number, issued by the other region
    assert "30个月" in html and "9个月" in html  # contribution; 12 approved − 3 paid
    assert "不转移失业保险费用" in html  # within Zhejiang (浙江 2017 第七条)
    assert "5个工作日内" in html and "《失业保险关系转移接续联系复函》" in html


def test_cross_province_unemployment_letter_moves_one_and_a_half_times_the_unpaid_benefit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(REGIONS, "310101", Region("310101", "上海市黄浦区", "黄"))
    data = case_data("contact_letter", insurance="unemployment")
    data["application"]["transfer_out_region"] = "310101"
    html = render_html("contact_letter", data)
    # (12 − 3) × 1800.00 × 1.5 = 24300.00
    assert "¥24,300.00元（大写：贰万肆仟叁佰元整）" in html
    assert "1个月内划转" in html


def test_unemployment_contact_letter_holds_the_card_number_and_both_contribution_records() -> None:
    # 2021 通知 第三条（一）: 姓名、社保卡号、……参保缴费记录（已核定……和未核定……）
    html = html_of(
        "contact_letter",
        insurance="unemployment",
        unemployment_social_security_card_number="A07654321",
        unemployment_verified_contribution_months=30,
        unemployment_unverified_contribution_months=4,
    )
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", html)
    assert rows[:4] == [
        ("社会保障卡号", "A07654321"),
        ("已核定的累计缴费月数", "30个月"),
        ("未核定的缴费月数", "4个月"),
        ("剩余失业保险金领取期限", "9个月"),
    ]
    zero = html_of(
        "contact_letter", insurance="unemployment", unemployment_unverified_contribution_months=0
    )
    assert "<tr><th>未核定的缴费月数</th><td>0个月</td></tr>" in zero


def test_unemployment_contact_letter_of_an_earlier_review_has_no_card_or_unverified_rows() -> None:
    # Reviews recorded before the form asked for them still print their letter.
    html = html_of("contact_letter", insurance="unemployment")
    assert "社会保障卡号" not in html and "未核定" not in html
    assert "<tr><th>已核定的累计缴费月数</th><td>30个月</td></tr>" in html


def test_an_id_number_typed_as_the_card_number_is_masked() -> None:
    html = html_of(
        "contact_letter",
        insurance="unemployment",
        unemployment_social_security_card_number=HEAD_ID,
    )
    assert HEAD_ID not in html
    assert f"<tr><th>社会保障卡号</th><td>{mask_id_number(HEAD_ID)}</td></tr>" in html


def test_unemployment_contact_letter_refuses_bad_unverified_months() -> None:
    for value in (-1, "4", True):
        with pytest.raises(DocumentDataError) as e:
            html_of(
                "contact_letter",
                insurance="unemployment",
                unemployment_unverified_contribution_months=value,
            )
        assert e.value.field == "unemployment_unverified_contribution_months"


def test_contact_letter_needs_a_known_insurance() -> None:
    for value in (None, "housing"):
        with pytest.raises(DocumentDataError) as e:
            html_of("contact_letter", insurance=value)
        assert e.value.field == "insurance"


# -- 信息表 ---------------------------------------------------------------------------------


def test_medical_info_table() -> None:
    html = html_of("info_table", medical_contribution_months=128)
    assert "参保人员基本医疗保险类型变更信息表" in html
    assert "杭医保信〔2026〕越123号" in html
    assert "转出地经办机构：杭州市医疗保障分局" in html
    assert "转入地经办机构：绍兴市越城区医疗保障分局" in html
    assert "壹万零贰佰零叁元零伍分" in html and "¥10,203.05" in html
    assert "128个月" in html and "男" in html and "1990年1月1日" in html


def test_pension_info_table_computes_the_pooled_fund_at_12_percent() -> None:
    html = html_of(
        "info_table",
        insurance="pension",
        pension_individual_account_amount="45678.90",
        pension_contribution_base_since_1998="800000",
        pension_contribution_months=96,
    )
    assert "基本养老保险参保缴费信息表" in html
    assert "¥45,678.90" in html and "肆万伍仟陆佰柒拾捌元玖角" in html
    assert "¥96,000.00" in html and "玖万陆仟元整" in html  # 12 % of 800,000.00
    assert "¥141,678.90" in html  # total
    assert "96个月" in html


def test_pension_info_table_refuses_a_pooled_fund_that_is_not_12_percent() -> None:
    with pytest.raises(DocumentDataError) as e:
        html_of(
            "info_table",
            insurance="pension",
            pension_individual_account_amount="45678.90",
            pension_contribution_base_since_1998="800000",
            pension_pooled_fund_amount="90000.00",
        )
    assert e.value.field == "pension_pooled_fund_amount"
    assert "96,000.00" in e.value.message_zh


def test_there_is_no_unemployment_info_table() -> None:
    with pytest.raises(DocumentDataError) as e:
        html_of("info_table", insurance="unemployment")
    assert e.value.field == "insurance"


# -- 复函 -----------------------------------------------------------------------------------


def test_reply_letter_accepting_a_benefit_recipient() -> None:
    data = case_data("reply_letter", unemployment_benefit_start_month="2026-04")
    data["application"]["unemployment"]["receiving_benefit"] = True
    html = render_html("reply_letter", data)
    assert "失业保险关系转移接续联系复函" in html
    assert "杭州市就业管理中心：" in html
    assert "准予接续" in html and "自2026年4月起" in html
    assert "救济途径" not in html


def test_reply_letter_for_a_benefit_recipient_needs_the_start_month() -> None:
    data = case_data("reply_letter")
    data["application"]["unemployment"]["receiving_benefit"] = True
    with pytest.raises(DocumentDataError) as e:
        render_html("reply_letter", data)
    assert e.value.field == "unemployment_benefit_start_month"


def test_reply_letter_refusing_gives_written_reasons_and_remedies() -> None:
    html = html_of(
        "reply_letter",
        unemployment_in_accepted=False,
        unemployment_refusal_reasons=["未在我地建立劳动关系", "缴费记录不一致"],
    )
    assert "不予接续" in html
    assert "<li>未在我地建立劳动关系</li>" in html and "<li>缴费记录不一致</li>" in html
    assert REMEDIES_ZH in html
    assert "抄送：张三（本人）" in html
    with pytest.raises(DocumentDataError) as e:
        html_of("reply_letter", unemployment_in_accepted=False)
    assert e.value.field == "unemployment_refusal_reasons"


# 浙江2017 第八条「职工未办理跨统筹地区转移失业保险关系手续的，原参保地经办机构按规定保留其失业保险关系
# 和参保缴费记录」: a refused transfer is not made, so the 复函 asks the old place to keep it.
KEEP = "并按规定保留其失业保险关系和参保缴费记录"
ARTICLE_8 = "（《浙江省失业保险关系转移接续暂行办法》第八条）"


def test_refusing_reply_letter_asks_the_old_place_to_keep_the_relationship() -> None:
    html = html_of(
        "reply_letter",
        unemployment_in_accepted=False,
        unemployment_refusal_reasons=["未在我地建立劳动关系"],
    )
    assert f"请你单位按规定终止失业保险关系转移手续，{KEEP}{ARTICLE_8}。" in html


def test_accepting_reply_letter_does_not_ask_to_keep_the_relationship() -> None:
    html = html_of("reply_letter", unemployment_in_accepted=True)
    assert "准予接续" in html
    assert "保留其失业保险关系" not in html and ARTICLE_8 not in html


def test_cross_province_refusal_keeps_the_relationship_without_citing_zhejiang_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(REGIONS, "310101", Region("310101", "上海市黄浦区", "黄"))
    data = case_data(
        "reply_letter",
        unemployment_in_accepted=False,
        unemployment_refusal_reasons=["未在我地建立劳动关系"],
    )
    data["application"]["transfer_out_region"] = "310101"
    html = render_html("reply_letter", data)
    assert f"{KEEP}。" in html and ARTICLE_8 not in html


def test_refusal_of_a_benefit_recipient_keeps_the_relationship_without_citing_article_8() -> None:
    # 浙江2017 第八条 is in the chapter on employed workers; a benefit recipient going back to
    # the 户籍 place (第九条) is refused without that citation.
    data = case_data(
        "reply_letter",
        unemployment_in_accepted=False,
        unemployment_refusal_reasons=["户籍不在我地"],
    )
    data["application"]["unemployment"]["receiving_benefit"] = True
    html = render_html("reply_letter", data)
    assert f"{KEEP}。" in html and ARTICLE_8 not in html


# -- 一次性告知书, 不予受理决定书, 办结通知书 -------------------------------------------------------


def test_correction_notice_lists_all_missing_materials_at_once() -> None:
    html = html_of(
        "correction_notice",
        missing_materials=[
            "missing:application_form",
            "stamped_id_copy",
            "missing:hukou_certificate",
        ],
        submitted_on="2026-03-02",
    )
    assert "一次性告知书" in html
    assert "共3项" in html
    assert "《社会保险关系转移接续“一件事”联办申请表》" in html
    assert "社会保障卡或身份证复印件一份（加盖公章，单位代办提交）" in html
    assert "户籍证明" in html
    assert REASON_TEXT_ZH["missing:stamped_id_copy"] in html
    assert "自受理之日起计算" in html  # the clock starts at acceptance
    assert "9个工作日" in html and "45个工作日" in html
    assert "你于2026年3月2日通过浙江政务服务网提交" in html
    assert "越人社补告〔2026〕123号" in html


def test_correction_notice_refuses_unknown_materials() -> None:
    with pytest.raises(DocumentDataError) as e:
        html_of("correction_notice", missing_materials=["missing:photo"])
    assert e.value.field == "missing_materials"


def test_refusal_decision_gives_reasons_and_remedies() -> None:
    html = html_of(
        "refusal_decision",
        reasons=["retired", "medical_account_overdrawn"],
        review_reasons=["审核发现参保记录不一致"],
    )
    assert "不予受理决定书" in html
    assert REASON_TEXT_ZH["retired"] in html
    assert REASON_TEXT_ZH["medical_account_overdrawn"] in html
    assert "审核发现参保记录不一致" in html
    assert REMEDIES_ZH in html
    assert "六十日内" in html and "行政复议" in html  # 60 days
    assert "六个月内" in html and "行政诉讼" in html  # 6 months
    assert "绍兴市越城区人力资源和社会保障局" in html
    assert "越人社不受〔2026〕123号" in html


def test_refusal_decision_needs_a_reason() -> None:
    for changes in ({"reasons": []}, {"reasons": None}):
        with pytest.raises(DocumentDataError) as e:
            html_of("refusal_decision", **changes)
        assert e.value.field == "reasons"
    for code in ("missing:application_form", "no_such_reason"):
        with pytest.raises(DocumentDataError) as e:
            html_of("refusal_decision", reasons=[code])
        assert e.value.field == "reasons"


def test_completion_notice_gives_each_insurance_its_outcome() -> None:
    html = html_of(
        "completion_notice",
        transfer_results={
            "pension": "completed",
            "medical": "completed",
            "unemployment": "refused",
        },
        unemployment_refusal_reasons=["未提供劳动合同"],
        medical_credited_amount="10203.05",
        pension_individual_account_amount="45678.90",
        pension_pooled_fund_amount="96000.00",
    )
    assert "办结通知书" in html
    assert html.count("已办结") == 2 and "不予转入" in html
    assert "企业职工基本养老保险" in html and "基本医疗保险" in html and "失业保险" in html
    assert "¥10,203.05元（大写：壹万零贰佰零叁元零伍分）" in html
    assert "未提供劳动合同" in html
    assert REMEDIES_ZH in html  # a refusal to transfer in states the remedies (seed 000 二十(三))
    assert "电子文件网上送达" in html


def test_completion_notice_after_a_temporary_account_says_what_happened() -> None:
    """国办发〔2009〕66号 第五条第（二）项: nothing moved; the relationship stays at the old place."""
    html = html_of(
        "completion_notice",
        transfer_results={"pension": "completed"},
        insurances=["pension"],
        pension_account_type="temporary",
        pension_temporary_account_number="LS-330602-2026-0001",
    )
    assert "已由" not in html
    assert "继续保留在原参保地杭州市" in html
    assert (
        "已在绍兴市越城区为你建立临时基本养老保险缴费账户（账户编号：LS-330602-2026-0001）" in html
    )
    assert "第五条第（二）项" in html
    regular = html_of(
        "completion_notice", transfer_results={"pension": "completed"}, insurances=["pension"]
    )
    assert "关系已由杭州市转入绍兴市越城区" in regular and "临时" not in regular


def test_completion_notice_reads_the_per_insurance_result_variables() -> None:
    html = html_of(
        "completion_notice",
        transfer_results=None,
        pension_result="completed",
        medical_result="ineligible",
        medical_ineligible_reasons=["存在未结清的医疗费用"],
        unemployment_result="completed",
        unemployment_benefit_start_month="2026-04",
    )
    assert "不符合转移条件" in html and "存在未结清的医疗费用" in html
    assert "自2026年4月起" in html


def test_completion_notice_without_refusals_has_no_remedies() -> None:
    assert "救济途径" not in html_of("completion_notice")


def test_completion_notice_needs_every_result_and_the_reasons_of_a_refusal() -> None:
    with pytest.raises(DocumentDataError) as e:
        html_of(
            "completion_notice", transfer_results={"pension": "completed", "medical": "completed"}
        )
    assert e.value.field == "unemployment_result"
    with pytest.raises(DocumentDataError) as e:
        html_of(
            "completion_notice",
            transfer_results={
                "pension": "completed",
                "medical": "refused",
                "unemployment": "completed",
            },
        )
    assert e.value.field == "medical_refusal_reasons"


# -- data checks, escaping, masking -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("insurance_certificate", {"household_head": None}, "household_head"),
        (
            "insurance_certificate",
            {"household_head": {"name": "张大山"}},
            "household_head.id_number",
        ),
        ("insurance_certificate", {"insured_from": None}, "insured_from"),
        ("insurance_certificate", {"benefits_to": ""}, "benefits_to"),
        ("insurance_certificate", {"contact_person": None}, "contact_person"),
        ("insurance_certificate", {"certificate_seq": None}, "certificate_number"),
        ("insurance_certificate", {"issued_on": None}, "issued_on"),
        ("insurance_certificate", {"issued_on": "5 March"}, "issued_on"),
        ("insurance_certificate", {"medical_scheme": "private"}, "medical_scheme"),
        ("insurance_certificate", {"account_balance": 10203.05}, "account_balance"),
        ("insurance_certificate", {"account_balance": "-1.00"}, "account_balance"),
        ("insurance_certificate", {"insured_to": "2014-01"}, "insured_to"),
        ("contact_letter", {"case_number": None}, "case_number"),
        ("contact_letter", {"application": None}, "application"),
        ("info_table", {"medical_account_balance": "12.345"}, "medical_account_balance"),
        ("info_table", {"insurance": "pension"}, "pension_individual_account_amount"),
        ("reply_letter", {"unemployment_in_accepted": None}, "unemployment_in_accepted"),
        ("correction_notice", {"missing_materials": []}, "missing_materials"),
        ("completion_notice", {"case_number": "  "}, "case_number"),
    ],
)
def test_missing_or_bad_data_names_the_field(kind: str, changes: dict, field: str) -> None:
    with pytest.raises(DocumentDataError) as e:
        render_html(kind, case_data(kind, **changes))
    assert e.value.field == field
    assert e.value.message_zh
    assert isinstance(e.value, AppError) and e.value.status == 422
    assert field in str(e.value)


def test_certificate_without_any_balance_names_the_balance() -> None:
    data = case_data("insurance_certificate")
    del data["application"]["medical"]
    with pytest.raises(DocumentDataError) as e:
        render_html("insurance_certificate", data)
    assert e.value.field == "account_balance"


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_every_kind_needs_the_applicant_name_and_a_valid_id_number(kind: str) -> None:
    data = case_data(kind)
    data["application"]["applicant"]["name"] = ""
    with pytest.raises(DocumentDataError) as e:
        render_html(kind, data)
    assert e.value.field == "application.applicant.name"

    data = case_data(kind)
    data["application"]["applicant"]["id_number"] = APPLICANT_ID[:-1] + (
        "0" if APPLICANT_ID[-1] != "0" else "1"
    )
    with pytest.raises(DocumentDataError) as e:
        render_html(kind, data)
    assert e.value.field == "application.applicant.id_number"
    assert "校验码" in e.value.message_zh


def test_a_region_outside_the_deployment_is_printed_by_its_name() -> None:
    data = case_data("refusal_decision")
    data["application"]["transfer_out_region"] = "110101"
    assert build("refusal_decision", data)["region_out"] == "北京市东城区"


def test_a_code_the_division_data_does_not_know_is_named() -> None:
    data = case_data("refusal_decision")
    data["application"]["transfer_out_region"] = "339999"
    with pytest.raises(DocumentDataError) as e:
        render_html("refusal_decision", data)
    assert e.value.field == "application.transfer_out_region"
    assert "不是有效的行政区划代码" in e.value.message_zh


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_user_text_is_escaped(kind: str) -> None:
    data = case_data(kind, contact_person="<b>李四</b>")
    data["application"]["applicant"]["name"] = "<script>alert(1)</script>"
    html = render_html(kind, data)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# The certificate and the 信息表 carry the full number (规程 第六条 2, seed 003 layout).
@pytest.mark.parametrize(
    "kind", sorted(set(DOCUMENT_KINDS) - {"insurance_certificate", "info_table"})
)
def test_documents_for_others_print_the_id_number_masked(kind: str) -> None:
    html = html_of(kind)
    assert APPLICANT_ID not in html
    assert mask_id_number(APPLICANT_ID) in html


def test_issue_date_is_taken_in_china_time() -> None:
    issued = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # 01:00 on 5 March in Shanghai
    view = build("refusal_decision", case_data("refusal_decision", issued_on=issued))
    assert view["issued_on"] == "2026年3月5日"


def test_a_given_document_number_and_agency_are_used() -> None:
    html = html_of(
        "refusal_decision", document_number="越人社〔2026〕88号", issuing_agency="某某服务中心"
    )
    assert "越人社〔2026〕88号" in html and "某某服务中心" in html


def test_an_employer_acting_as_agent_is_named_on_notices() -> None:
    data = case_data("correction_notice")
    data["application"]["agent"] = {"kind": "employer", "name": "某某有限公司", "credit_code": "x"}
    assert "代办单位：某某有限公司" in render_html("correction_notice", data)
