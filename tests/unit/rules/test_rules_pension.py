"""The pension temporary account (国办发〔2009〕66号 第五条第（二）项), both readings: the
province reading new cases use, and the city reading kept so that old cases replay."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules.id_number import Gender, IdInfo
from app.rules.pension import temporary_account_required, temporary_account_required_by_city

ON = date(2026, 11, 1)
DAY_BEFORE = date(2026, 10, 31)


def person(gender: Gender, age: int) -> IdInfo:
    """Someone whose `age`th birthday is ON."""
    return IdInfo(
        birth_date=date(ON.year - age, ON.month, ON.day), gender=gender, region_code="330602"
    )


MAN_50 = person("male", 50)
WOMAN_40 = person("female", 40)


@pytest.mark.parametrize(
    ("who", "on", "expected"),
    [
        (MAN_50, ON, True),  # 50 on his birthday itself
        (MAN_50, DAY_BEFORE, False),  # 49 the day before
        (WOMAN_40, ON, True),
        (WOMAN_40, DAY_BEFORE, False),
        (person("male", 40), ON, False),  # a man of 40: the women's age does not apply to him
        (person("male", 49), ON, False),
        (person("female", 39), ON, False),
        (person("female", 55), ON, True),
    ],
)
def test_the_age_threshold_is_by_gender_and_reached_on_the_birthday(
    who: IdInfo, on: date, expected: bool
) -> None:
    # 户籍 Zhejiang, from Zhejiang to Shanghai: a cross-province move away from the 户籍 province.
    assert temporary_account_required(who, "330602", "330100", "310101", on) is expected
    assert temporary_account_required_by_city(who, "330602", "310101", on) is expected


@pytest.mark.parametrize(
    ("hukou", "out", "into", "expected"),
    [
        ("330602", "330100", "310101", True),  # leaves the 户籍 province for another
        ("340102", "310101", "330602", True),  # neither end is the 户籍 province
        ("330602", "310101", "330100", False),  # back to the 户籍 province (第五条第（一）项)
        ("330602", "310101", "330602", False),  # back to the 户籍 city itself
        ("330602", "330100", "330304", False),  # within one province: never, whatever the 户籍
        ("340102", "330100", "330602", False),  # within Zhejiang for an Anhui 户籍
        ("310101", "310104", "310115", False),  # within a municipality
    ],
)
def test_the_province_reading_compares_provinces_only(
    hukou: str, out: str, into: str, expected: bool
) -> None:
    assert temporary_account_required(MAN_50, hukou, out, into, ON) is expected


@pytest.mark.parametrize(
    ("hukou", "into", "expected"),
    [
        ("330602", "330100", True),  # another city of the same province: old versions said yes
        ("330602", "331002", True),  # 台州 vs 绍兴: the first three digits agree, the city not
        ("330602", "330603", False),  # another district of the same city (first four digits)
        ("330602", "330612", False),  # the fifth digit differs, the city does not
        ("330602", "330602", False),
    ],
)
def test_the_city_reading_compares_the_first_four_digits(
    hukou: str, into: str, expected: bool
) -> None:
    assert temporary_account_required_by_city(MAN_50, hukou, into, ON) is expected
    younger = person("male", 49)
    assert temporary_account_required_by_city(younger, hukou, into, ON) is False
