"""Hypothesis: validate_application and decide never raise, and decisions keep their shape."""

import copy
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_helpers import EMPLOYER, TODAY, base_application, make_id

from app.rules.acceptance import (
    MISSING_MATERIAL_CODES,
    REASON_TEXT_ZH,
    REFUSAL_REASONS,
    decide,
)
from app.rules.application_schema import FieldError, validate_application

SETTINGS = settings(
    database=None,  # write nothing into the working tree
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


def paths(value, prefix=()):
    """Every path to a key or index inside a JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from paths(child, (*prefix, index))


BASE = base_application()
BASE_PATHS = sorted(paths(BASE), key=repr)


@st.composite
def damaged_applications(draw):
    """The contract example with one value replaced by arbitrary JSON, or removed."""
    body = copy.deepcopy(BASE)
    path = draw(st.sampled_from(BASE_PATHS))
    target = body
    for key in path[:-1]:
        target = target[key]
    if draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = draw(json_values)
    return body


def check_decision(result, body):
    assert result.decision in ("accepted", "correction_required", "refused")
    assert all(isinstance(e, FieldError) for e in result.errors)
    if result.decision == "refused":
        assert result.reasons and not result.missing_materials
        order = [code for code in REFUSAL_REASONS if code in result.reasons]
        assert result.reasons == order
        assert bool(result.errors) == (result.reasons == ["invalid_application"])
    elif result.decision == "correction_required":
        assert not result.reasons and result.missing_materials and not result.errors
        order = [code for code in MISSING_MATERIAL_CODES if code in result.missing_materials]
        assert result.missing_materials == order
        assert body["channel"] == "window"  # online needs no materials
    else:
        assert not result.reasons and not result.missing_materials and not result.errors
    for code in result.reasons + result.missing_materials:
        assert code in REASON_TEXT_ZH


@SETTINGS
@given(json_values)
def test_validate_application_never_raises(value):
    errors = validate_application(value, today=TODAY)
    assert isinstance(errors, list)
    if not isinstance(value, dict):
        assert errors == [FieldError("", "申请内容应为 JSON 对象")]
    for error in errors:
        assert error.field == "" or error.field.startswith("/")
        assert error.message


@SETTINGS
@given(json_values)
def test_decide_never_raises_on_any_json(value):
    result = decide(value, today=TODAY)
    check_decision(result, value)


@SETTINGS
@given(damaged_applications(), st.booleans())
def test_decide_never_raises_on_damaged_applications(body, system_has_id_data):
    result = decide(body, today=TODAY, system_has_id_data=system_has_id_data)
    check_decision(result, body)


@st.composite
def well_formed_applications(draw):
    """Schema-valid applications with every flag and choice drawn at random."""
    birth = draw(st.dates(date(1900, 1, 1), TODAY))
    region = draw(st.sampled_from(["330602", "330106", "510104", "110101"]))
    insurances = draw(
        st.lists(st.sampled_from(["pension", "medical", "unemployment"]), unique=True)
    )
    approved = draw(st.integers(0, 24))
    body = {
        "applicant": {
            "name": "张三",
            "id_number": draw(
                st.sampled_from(
                    [
                        make_id(
                            birth, gender=draw(st.sampled_from(["male", "female"])), region=region
                        ),
                        "330602199001011234",
                    ]
                )
            ),
            "phone": "13800000000",
            "hukou_region": draw(st.sampled_from([region, "330602", "510104"])),
            "hukou_type": draw(st.sampled_from(["urban", "rural"])),
        },
        "agent": draw(st.sampled_from([None, EMPLOYER])),
        "insurances": insurances,
        "transfer_out_region": draw(st.sampled_from(["330100", "330602", "510104"])),
        "transfer_in_region": "330602",
        "status": {
            "retired": draw(st.booleans()),
            "insured_at_transfer_out": draw(st.booleans()),
            "employment": draw(st.sampled_from(["employed", "unemployed"])),
            "first_insured_in_zhejiang": draw(st.dates(date(1990, 1, 1), TODAY)).isoformat(),
        },
        "medical": {
            "unsettled_expenses": draw(st.booleans()),
            "account_credited": draw(st.booleans()),
            "account_overdrawn": draw(st.booleans()),
            "account_balance": "0.00",
        },
        "unemployment": {
            "receiving_benefit": draw(st.booleans()),
            "benefit_at_hukou": draw(st.booleans()),
            "contribution_months_at_transfer_out": draw(st.integers(0, 400)),
            "benefit_months_approved": approved,
            "benefit_months_paid": draw(st.integers(0, approved)),
            "monthly_benefit": "1800.00",
        },
        "pension": {"contribution_months": draw(st.integers(0, 500))},
        "materials": draw(
            st.lists(
                st.sampled_from(
                    ["id_card", "application_form", "stamped_id_copy", "hukou_certificate"]
                ),
                unique=True,
            )
        ),
        "channel": draw(st.sampled_from(["online", "window"])),
        "delivery": draw(st.sampled_from(["on_site", "electronic", "express"])),
    }
    if body["delivery"] == "express":
        body["delivery_address"] = {"recipient": "张三", "phone": "13800000000", "address": "某地"}
    return body


@SETTINGS
@given(well_formed_applications(), st.booleans(), st.booleans())
def test_decisions_on_well_formed_applications(body, has_id, has_hukou):
    assert validate_application(body, today=TODAY) == []
    result = decide(body, today=TODAY, system_has_id_data=has_id, system_has_hukou_data=has_hukou)
    check_decision(result, body)
    assert "invalid_application" not in result.reasons
    # Medical flags never refuse an application that does not apply for medical.
    if "medical" not in body["insurances"]:
        assert not any(code.startswith("medical_") for code in result.reasons)
