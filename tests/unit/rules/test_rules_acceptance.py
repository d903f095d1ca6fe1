"""The acceptance decision (contracts §4): every reason code, every missing-material code."""

from datetime import date

import pytest
from rules_helpers import DELETE, EMPLOYER, TODAY, application, make_id

from app.rules.acceptance import (
    MISSING_MATERIAL_CODES,
    REASON_TEXT_ZH,
    REFUSAL_REASONS,
    REMEDIES_ZH,
    Decision,
    decide,
    explain,
)
from app.rules.application_schema import FieldError

OUT_OF_PROVINCE = "510104"  # 四川 成都 锦江区


def person(birth: date, gender: str, region: str) -> dict:
    """Changes for an applicant with this ID number and the same 户籍 region."""
    return {
        "applicant__id_number": make_id(birth, gender=gender, region=region),
        "applicant__hukou_region": region,
    }


def late(birth, gender, first_insured, region=OUT_OF_PROVINCE):
    return {**person(birth, gender, region), "status__first_insured_in_zhejiang": first_insured}


RECIPIENT_AT_HUKOU = {
    "status__employment": "unemployed",
    "unemployment__receiving_benefit": True,
    "unemployment__benefit_at_hukou": True,
}
AT_WINDOW = {"channel": "window", "delivery": "on_site"}

A, C, R = "accepted", "correction_required", "refused"

# (case id, changes to the contract example, keyword args of decide, decision, reasons, missing)
# fmt: off
CASES = [
    ("contract example", {}, {}, A, [], []),
    # --- invalid_id_number -----------------------------------------------------------
    ("bad check digit", {"applicant__id_number": "330602199001011234"}, {}, R, ["invalid_id_number"], []),
    ("born in the future", {"applicant__id_number": make_id(date(2026, 3, 2))}, {}, R, ["invalid_id_number"], []),
    ("lowercase x", {"applicant__id_number": "11010519491231002x"}, {}, R, ["invalid_id_number"], []),
    ("empty id", {"applicant__id_number": ""}, {}, R, ["invalid_id_number"], []),
    # --- no_insurance_selected, same_region ------------------------------------------
    ("no insurance", {"insurances": []}, {}, R, ["no_insurance_selected"], []),
    ("same region", {"transfer_out_region": "330602"}, {}, R, ["same_region"], []),
    # one pooling region = one city (first four digits): two districts of Shaoxing, or the
    # city's code and one of its districts, are one place (app/rules/regions.py)
    ("same region, two districts of one city", {"transfer_out_region": "330603"}, {}, R, ["same_region"], []),
    ("same region, city code and its district", {"transfer_out_region": "330100", "transfer_in_region": "330106"}, {}, R, ["same_region"], []),
    ("same region, two districts of Shanghai", {"transfer_out_region": "310101", "transfer_in_region": "310115"}, {}, R, ["same_region"], []),
    ("two cities of one province", {"transfer_out_region": "330304"}, {}, A, [], []),
    # --- prohibition 1 ---------------------------------------------------------------
    ("retired", {"status__retired": True}, {}, R, ["retired"], []),
    ("employed, still insured at transfer-out", {"status__insured_at_transfer_out": True}, {}, R, ["still_insured_at_transfer_out"], []),
    # reading: the clause names 在职人员; an unemployed person still insured is not refused by it
    ("unemployed, still insured at transfer-out", {"status__insured_at_transfer_out": True, "status__employment": "unemployed"}, {}, A, [], []),
    # --- prohibition 2: 50th / 40th birthday on the first-insured date ------------------
    ("man, 50th birthday", late(date(1960, 5, 1), "male", "2010-05-01"), {}, R, ["late_first_insured_out_of_province"], []),
    ("man, day before 50th birthday", late(date(1960, 5, 1), "male", "2010-04-30"), {}, A, [], []),
    ("woman, 40th birthday", late(date(1975, 3, 15), "female", "2015-03-15"), {}, R, ["late_first_insured_out_of_province"], []),
    ("woman, day before 40th birthday", late(date(1975, 3, 15), "female", "2015-03-14"), {}, A, [], []),
    ("woman aged 45", late(date(1970, 1, 1), "female", "2015-06-01"), {}, R, ["late_first_insured_out_of_province"], []),
    ("man aged 45", late(date(1970, 1, 1), "male", "2015-06-01"), {}, A, [], []),
    ("man aged 55, first insured 2009-12-31", late(date(1954, 1, 1), "male", "2009-12-31"), {}, A, [], []),
    ("man aged 56, first insured 2010-01-01", late(date(1954, 1, 1), "male", "2010-01-01"), {}, R, ["late_first_insured_out_of_province"], []),
    ("Feb-29 man, 28 Feb of his 50th year", late(date(1964, 2, 29), "male", "2014-02-28"), {}, A, [], []),
    ("Feb-29 man, 1 Mar of his 50th year", late(date(1964, 2, 29), "male", "2014-03-01"), {}, R, ["late_first_insured_out_of_province"], []),
    # seed 000 十一（二） is the pension temporary-account rule (contracts §4): only with pension
    ("late, medical only", {**late(date(1954, 1, 1), "male", "2012-01-01"), "insurances": ["medical"]}, {}, A, [], []),
    ("late, unemployment only", {**late(date(1954, 1, 1), "male", "2012-01-01"), "insurances": ["unemployment"]}, {}, A, [], []),
    ("late, medical and unemployment", {**late(date(1954, 1, 1), "male", "2012-01-01"), "insurances": ["medical", "unemployment"]}, {}, A, [], []),
    ("late, pension only", {**late(date(1954, 1, 1), "male", "2012-01-01"), "insurances": ["pension"]}, {}, R, ["late_first_insured_out_of_province"], []),
    ("Zhejiang 户籍 exempt", late(date(1954, 1, 1), "male", "2010-01-01", region="330106"), {}, A, [], []),
    # 户籍 decides, not the region in the ID number
    ("Zhejiang ID, out-of-province 户籍", {**late(date(1954, 1, 1), "male", "2010-01-01", region="330106"), "applicant__hukou_region": OUT_OF_PROVINCE}, {}, R, ["late_first_insured_out_of_province"], []),
    ("out-of-province ID, Zhejiang 户籍", {**late(date(1954, 1, 1), "male", "2010-01-01"), "applicant__hukou_region": "330106"}, {}, A, [], []),
    # --- prohibition 3: medical only when medical is applied for ----------------------
    ("unsettled expenses", {"medical__unsettled_expenses": True}, {}, R, ["medical_unsettled_expenses"], []),
    ("account not credited", {"medical__account_credited": False}, {}, R, ["medical_account_not_credited"], []),
    ("account overdrawn", {"medical__account_overdrawn": True}, {}, R, ["medical_account_overdrawn"], []),
    ("all three medical", {"medical__unsettled_expenses": True, "medical__account_credited": False, "medical__account_overdrawn": True}, {}, R, ["medical_unsettled_expenses", "medical_account_not_credited", "medical_account_overdrawn"], []),
    ("medical flags, medical not applied for", {"insurances": ["pension", "unemployment"], "medical__unsettled_expenses": True, "medical__account_credited": False, "medical__account_overdrawn": True}, {}, A, [], []),
    ("medical flags, no medical section", {"insurances": ["pension"], "medical": DELETE}, {}, A, [], []),
    # --- acceptance condition 2 --------------------------------------------------------
    ("recipient not returning to 户籍", {**RECIPIENT_AT_HUKOU, "unemployment__benefit_at_hukou": False}, {}, R, ["unemployed_not_returning_to_hukou"], []),
    ("recipient returning to 户籍", RECIPIENT_AT_HUKOU, {}, A, [], []),
    ("unemployed, no benefit", {"status__employment": "unemployed"}, {}, A, [], []),
    # acceptance condition 2 concerns the unemployment transfer only
    ("recipient not returning, unemployment not selected", {**RECIPIENT_AT_HUKOU, "unemployment__benefit_at_hukou": False, "insurances": ["pension"]}, {}, A, [], []),
    ("recipient moving elsewhere, pension and medical only", {**RECIPIENT_AT_HUKOU, "transfer_in_region": "330304", "insurances": ["pension", "medical"]}, {}, A, [], []),
    # the regions decide whether the move goes back to the 户籍 place, whatever the checkbox says
    ("recipient ticks 户籍 but moves to another city", {**RECIPIENT_AT_HUKOU, "transfer_in_region": "330304"}, {}, R, ["unemployed_not_returning_to_hukou"], []),
    ("recipient ticks 户籍, 户籍 in another province", {**RECIPIENT_AT_HUKOU, "applicant__hukou_region": OUT_OF_PROVINCE}, {}, R, ["unemployed_not_returning_to_hukou"], []),
    ("recipient returning to another district of the 户籍 city", {**RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603"}, {}, A, [], []),
    ("employed with a benefit flag", {"unemployment__receiving_benefit": True}, {}, A, [], []),
    # --- several reasons at once, in the order of contracts §4 ------------------------
    ("everything wrong", {
        "applicant__id_number": "330602199001011234", "transfer_out_region": "330602",
        "status__retired": True, "status__insured_at_transfer_out": True,
        "medical__account_overdrawn": True, "medical__unsettled_expenses": True,
        "status__employment": "unemployed", "unemployment__receiving_benefit": True,
    }, {}, R, ["invalid_id_number", "same_region", "retired", "medical_unsettled_expenses", "medical_account_overdrawn", "unemployed_not_returning_to_hukou"], []),
    # no insurance selected, so no pension: prohibition 2 does not apply
    ("late and retired and no insurance", {**late(date(1954, 1, 1), "male", "2012-01-01"), "status__retired": True, "insurances": []}, {}, R, ["no_insurance_selected", "retired"], []),
    ("late and retired", {**late(date(1954, 1, 1), "male", "2012-01-01"), "status__retired": True}, {}, R, ["retired", "late_first_insured_out_of_province"], []),
    # refusal wins over missing materials
    ("refused at the window with nothing", {**AT_WINDOW, "materials": [], "status__retired": True}, {"system_has_id_data": False}, R, ["retired"], []),
    # --- missing materials (window only) ----------------------------------------------
    ("window, complete", AT_WINDOW, {}, A, [], []),
    ("window, no form", {**AT_WINDOW, "materials": []}, {}, C, [], ["missing:application_form"]),
    ("window, employer agent without stamped copy", {**AT_WINDOW, "agent": EMPLOYER}, {}, C, [], ["missing:stamped_id_copy"]),
    ("window, employer agent with stamped copy", {**AT_WINDOW, "agent": EMPLOYER, "materials": ["application_form", "stamped_id_copy"]}, {}, A, [], []),
    ("window, system lacks ID data", AT_WINDOW, {"system_has_id_data": False}, C, [], ["missing:id_card"]),
    ("window, system lacks ID data, card given", {**AT_WINDOW, "materials": ["id_card", "application_form"]}, {"system_has_id_data": False}, A, [], []),
    ("window, recipient, 户籍 differs from ID", {**AT_WINDOW, **RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603"}, {}, C, [], ["missing:hukou_certificate"]),
    ("window, recipient, 户籍 differs, certificate given", {**AT_WINDOW, **RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603", "materials": ["application_form", "hukou_certificate"]}, {}, A, [], []),
    ("window, recipient, 户籍 differs, system has 户籍 data", {**AT_WINDOW, **RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603"}, {"system_has_hukou_data": True}, A, [], []),
    ("window, recipient, 户籍 same as ID", {**AT_WINDOW, **RECIPIENT_AT_HUKOU}, {}, A, [], []),
    ("window, 户籍 differs, not a recipient", {**AT_WINDOW, "applicant__hukou_region": "330603"}, {}, A, [], []),
    ("window, all four missing", {**AT_WINDOW, **RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603", "agent": EMPLOYER, "materials": []}, {"system_has_id_data": False}, C, [], ["missing:id_card", "missing:application_form", "missing:stamped_id_copy", "missing:hukou_certificate"]),
    ("online, nothing at all", {**RECIPIENT_AT_HUKOU, "applicant__hukou_region": "330603", "agent": EMPLOYER, "materials": []}, {"system_has_id_data": False}, A, [], []),
    # --- invalid_application -----------------------------------------------------------
    ("first insured after today", {"status__first_insured_in_zhejiang": "2026-03-02"}, {}, R, ["invalid_application"], []),
]
# fmt: on


@pytest.mark.parametrize(
    ("changes", "kwargs", "decision", "reasons", "missing"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision(changes, kwargs, decision, reasons, missing):
    result = decide(application(**changes), today=TODAY, **kwargs)
    assert (result.decision, result.reasons, result.missing_materials) == (
        decision,
        reasons,
        missing,
    )
    if decision != R or reasons != ["invalid_application"]:
        assert result.errors == []


def test_every_code_is_covered_by_the_table():
    reasons = {code for case in CASES for code in case[4]}
    missing = {code for case in CASES for code in case[5]}
    assert reasons == set(REFUSAL_REASONS)
    assert missing == set(MISSING_MATERIAL_CODES)


def test_invalid_application_lists_field_errors_and_nothing_else():
    result = decide(application(applicant__name=DELETE, status__retired=True), today=TODAY)
    assert result == Decision(
        "refused", ["invalid_application"], [], [FieldError("/applicant/name", "必填项缺失")]
    )


@pytest.mark.parametrize("body", [None, [], "x", 0, {}, {"applicant": []}])
def test_not_an_application(body):
    result = decide(body, today=TODAY)
    assert result.decision == "refused"
    assert result.reasons == ["invalid_application"]
    assert result.errors


def test_the_contract_codes_and_their_order():
    assert REFUSAL_REASONS == (
        "invalid_application",
        "invalid_id_number",
        "no_insurance_selected",
        "same_region",
        "retired",
        "still_insured_at_transfer_out",
        "late_first_insured_out_of_province",
        "medical_unsettled_expenses",
        "medical_account_not_credited",
        "medical_account_overdrawn",
        "unemployed_not_returning_to_hukou",
    )
    assert set(MISSING_MATERIAL_CODES) == {
        "missing:application_form",
        "missing:stamped_id_copy",
        "missing:hukou_certificate",
        "missing:id_card",
    }


def test_every_code_has_a_chinese_text_citing_its_source():
    assert set(REASON_TEXT_ZH) == set(REFUSAL_REASONS) | set(MISSING_MATERIAL_CODES)
    for code, text in REASON_TEXT_ZH.items():
        assert text.strip(), code
        assert "（" in text or "第" in text, code


def test_remedies():
    assert "六十日" in REMEDIES_ZH and "行政复议" in REMEDIES_ZH
    assert "六个月" in REMEDIES_ZH and "行政诉讼" in REMEDIES_ZH


def test_explain():
    refused = decide(application(status__retired=True, insurances=[]), today=TODAY)
    assert explain(refused) == [
        REASON_TEXT_ZH["no_insurance_selected"],
        REASON_TEXT_ZH["retired"],
        REMEDIES_ZH,
    ]
    correction = decide(application(channel="window", materials=[]), today=TODAY)
    assert explain(correction) == [REASON_TEXT_ZH["missing:application_form"]]
    assert explain(decide(application(), today=TODAY)) == []


def test_to_dict():
    result = decide(application(channel="window", materials=[]), today=TODAY)
    assert result.to_dict() == {
        "decision": "correction_required",
        "reasons": [],
        "missing_materials": ["missing:application_form"],
        "errors": [],
    }


def test_decide_does_not_change_the_application():
    body = application(status__retired=True)
    before = repr(body)
    decide(body, today=TODAY)
    assert repr(body) == before
