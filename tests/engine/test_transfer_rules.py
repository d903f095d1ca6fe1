"""Clerks' figures and choices are checked against the rules: funds 1.5×, the temporary
pension account, and the month unemployment benefit starts at the new place."""

from __future__ import annotations

from datetime import date

import pytest

from app.bootstrap import Backoffice
from app.kernel.errors import ValidationFailed
from app.rules.id_number import parse_id_number
from app.rules.pension import temporary_account_required
from tests.processes.driver import (
    PENSION_CONTACT_OK,
    UNEMPLOYMENT_CONCLUDED,
    UNEMPLOYMENT_FUNDS,
    UNEMPLOYMENT_IN_OK,
    UNEMPLOYMENT_OUT_OK,
    CaseDriver,
    application,
)


def test_temporary_account_age_and_place_boundaries() -> None:
    """国办发〔2009〕66号 第五条第（二）项, read at province level (户籍所在地指省): hukou,
    transfer-out, transfer-in, on."""
    man = parse_id_number("33060219761101123X", date(2026, 11, 1))  # 50 on 2026-11-01
    nov1, oct31 = date(2026, 11, 1), date(2026, 10, 31)
    # Zhejiang 户籍 moving from Zhejiang to Shanghai: cross-province, not his 户籍 province.
    assert temporary_account_required(man, "330602", "330100", "310101", nov1)
    assert not temporary_account_required(man, "330602", "330100", "310101", oct31)  # 49
    # Within Zhejiang, even between cities and even for another province's 户籍: no.
    assert not temporary_account_required(man, "330602", "330100", "330304", nov1)
    assert not temporary_account_required(man, "340102", "330100", "330602", nov1)
    # Back to the 户籍 province from another province: a normal transfer (第五条第（一）项).
    assert not temporary_account_required(man, "330602", "310101", "330100", nov1)
    woman = parse_id_number("340102198611011220", nov1)  # 40 on 2026-11-01
    assert temporary_account_required(woman, "340102", "310101", "330602", nov1)
    assert not temporary_account_required(woman, "340102", "310101", "330602", oct31)


def test_wrong_funds_amount_is_refused_with_the_right_figure(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(
        application(insurances=["unemployment"], transfer_out_region="310100")
    )
    d.complete("unemployment_transfer", "out_review", UNEMPLOYMENT_OUT_OK)
    d.complete("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_OK)
    d.complete("unemployment_transfer", "out_conclude", UNEMPLOYMENT_CONCLUDED)
    with pytest.raises(ValidationFailed) as error:
        d.complete(
            "unemployment_transfer",
            "transfer_funds",
            {**UNEMPLOYMENT_FUNDS, "unemployment_funds_amount": "16200.00"},
        )
    assert error.value.errors[0].field == "/unemployment_funds_amount"
    assert "24,300.00" in error.value.errors[0].message
    d.complete("unemployment_transfer", "transfer_funds", UNEMPLOYMENT_FUNDS)  # 1.5 × 1800 × 9


def test_temporary_account_choice_must_follow_the_rule(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["pension"]))
    with pytest.raises(ValidationFailed) as error:
        d.complete(
            "pension_transfer",
            "contact_letter",
            {**PENSION_CONTACT_OK, "pension_temporary_account": True},
        )
    assert error.value.errors[0].field == "/pension_temporary_account"
    d.complete("pension_transfer", "contact_letter", PENSION_CONTACT_OK)


def test_benefit_recipient_is_paid_from_the_month_after_approval(backoffice: Backoffice) -> None:
    recipient = application(
        insurances=["unemployment"],
        status={"employment": "unemployed"},
        unemployment={"receiving_benefit": True, "benefit_at_hukou": True},
    )
    d = CaseDriver(backoffice).submit(recipient)
    cause = {"unemployment_cause": "contract_terminated"}  # 2021 通知 第三条（一）
    d.complete("unemployment_transfer", "out_review", {**UNEMPLOYMENT_OUT_OK, **cause})
    with pytest.raises(ValidationFailed) as error:
        d.complete(
            "unemployment_transfer",
            "in_decision",
            {**UNEMPLOYMENT_IN_OK, "unemployment_benefit_start_month": "2026-09"},
        )
    assert "2026-10" in error.value.errors[0].message
    d.complete("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_OK)
    assert d.data()["unemployment_benefit_start_month"] == "2026-10"


def test_transfer_out_conclusion_follows_the_reply_letter(backoffice: Backoffice) -> None:
    d = CaseDriver(backoffice).submit(application(insurances=["unemployment"]))
    d.complete("unemployment_transfer", "out_review", UNEMPLOYMENT_OUT_OK)
    d.complete("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_OK)
    with pytest.raises(ValidationFailed) as error:
        d.complete(
            "unemployment_transfer",
            "out_conclude",
            {**UNEMPLOYMENT_CONCLUDED, "unemployment_out_outcome": "terminated"},
        )
    assert error.value.errors[0].field == "/unemployment_out_outcome"
    d.complete("unemployment_transfer", "out_conclude", UNEMPLOYMENT_CONCLUDED)


@pytest.mark.parametrize(
    "amount", ["24300.01", "24310", "30000.00", "48600.00", "24299.99", "0", "24300.1"]
)
def test_funds_other_than_one_and_a_half_times_the_unpaid_benefit_are_refused(
    backoffice: Backoffice, amount: str
) -> None:
    """2021 通知 第二条（一）: funds = unpaid benefit × 1.5, to the fen; more is as wrong as less,
    and a refused entry changes nothing."""
    d = CaseDriver(backoffice).submit(
        application(insurances=["unemployment"], transfer_out_region="310100")
    )
    d.complete("unemployment_transfer", "out_review", UNEMPLOYMENT_OUT_OK)
    d.complete("unemployment_transfer", "in_decision", UNEMPLOYMENT_IN_OK)
    d.complete("unemployment_transfer", "out_conclude", UNEMPLOYMENT_CONCLUDED)
    before = (d.case().version, d.data(), [(t.id, t.state) for t in d.tasks()], len(d.events()))
    with pytest.raises(ValidationFailed) as error:
        d.complete(
            "unemployment_transfer",
            "transfer_funds",
            {**UNEMPLOYMENT_FUNDS, "unemployment_funds_amount": amount},
        )
    [field_error] = error.value.errors
    assert field_error.field == "/unemployment_funds_amount"
    assert "24,300.00" in field_error.message and "第二条（一）" in field_error.message
    assert (
        d.case().version,
        d.data(),
        [(t.id, t.state) for t in d.tasks()],
        len(d.events()),
    ) == before
    # The exact amount, however written, goes through.
    d.complete(
        "unemployment_transfer",
        "transfer_funds",
        {**UNEMPLOYMENT_FUNDS, "unemployment_funds_amount": "24300"},
    )
    assert d.data()["unemployment_funds_expected"] == "24300.00"
