"""Resident ID number validation (GB 11643), masking and age in full years."""

from datetime import date

import pytest
from rules_helpers import TODAY, id_check_character, make_id

from app.rules.id_number import (
    CHECK_CHARACTERS,
    WEIGHTS,
    IdInfo,
    InvalidIdNumber,
    age_on,
    is_valid_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)


def test_tables_agree_with_the_definition():
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == WEIGHTS
    for total in range(11):
        value = (1 - total) % 11
        assert CHECK_CHARACTERS[total] == ("X" if value == 10 else str(value))


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # Published examples: GB 11643-1999 appendix and the classic sample numbers.
        ("11010519491231002X", IdInfo(date(1949, 12, 31), "female", "110105")),
        ("440524188001010014", None),  # born 1880: before 1900, refused
        ("330602199001011231", IdInfo(date(1990, 1, 1), "male", "330602")),
    ],
)
def test_known_numbers(number, expected):
    if expected is None:
        with pytest.raises(InvalidIdNumber):
            parse_id_number(number, TODAY)
    else:
        assert parse_id_number(number, TODAY) == expected


@pytest.mark.parametrize(
    ("birth", "gender", "region"),
    [
        (date(1990, 1, 1), "male", "330602"),
        (date(1975, 3, 15), "female", "510104"),
        (date(1964, 2, 29), "male", "110101"),
        (date(2000, 12, 31), "female", "330106"),
        (date(1900, 1, 1), "male", "330100"),
        (TODAY, "female", "330602"),  # born today: allowed
    ],
)
def test_good_numbers_parse(birth, gender, region):
    for seq in range(0, 100, 7):
        number = make_id(birth, gender=gender, region=region, seq=seq)
        assert parse_id_number(number, TODAY) == IdInfo(birth, gender, region)
        assert is_valid_id_number(number, TODAY)


def test_a_number_whose_check_character_is_x():
    numbers = [make_id(date(1985, 6, 7), seq=seq) for seq in range(100)]
    with_x = [n for n in numbers if n.endswith("X")]
    assert with_x, "some sequence code yields the check character X"
    assert parse_id_number(with_x[0], TODAY).birth_date == date(1985, 6, 7)


def test_every_wrong_check_character_is_refused():
    good = make_id(date(1990, 1, 1))
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(InvalidIdNumber, match="校验码错误"):
                parse_id_number(good[:17] + wrong, TODAY)


def with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (with_check("33060219900230123"), "不是有效日期"),  # 30 February
        (with_check("33060219900229123"), "不是有效日期"),  # 29 Feb in a non-leap year
        (with_check("33060219901301123"), "不是有效日期"),  # month 13
        (with_check("33060219900100123"), "不是有效日期"),  # day 0
        (with_check("33060218991231123"), "早于1900年1月1日"),
        (with_check("33060220260302123"), "晚于当前日期"),  # the day after TODAY
        (with_check("33060230000101123"), "晚于当前日期"),
        ("33060219900101123", "应为18位"),
        ("3306021990010112311", "应为18位"),
        ("", "应为18位"),
        ("33060219900101123A", "17位数字加1位数字或字母X"),
        ("3306021990O1011231", "17位数字加1位数字或字母X"),
        ("３３０６０２199001011231", "17位数字加1位数字或字母X"),  # full-width digits
        (" 30602199001011231", "17位数字加1位数字或字母X"),
    ],
)
def test_bad_numbers(number, reason):
    with pytest.raises(InvalidIdNumber, match=reason) as raised:
        parse_id_number(number, TODAY)
    assert raised.value.reason_zh == str(raised.value)
    assert not is_valid_id_number(number, TODAY)


@pytest.mark.parametrize("value", [None, 330602199001011231, ["330602199001011231"]])
def test_non_strings_are_refused(value):
    with pytest.raises(InvalidIdNumber, match="字符串"):
        parse_id_number(value, TODAY)


def test_lowercase_x_is_refused_but_normalize_fixes_it():
    upper = next(n for n in (make_id(date(1985, 6, 7), seq=s) for s in range(100)) if n[-1] == "X")
    lower = upper[:-1] + "x"
    with pytest.raises(InvalidIdNumber, match="大写字母X"):
        parse_id_number(lower, TODAY)
    assert normalize_id_number(f" {lower} ") == upper
    assert is_valid_id_number(normalize_id_number(lower), TODAY)


def test_lowercase_x_where_x_is_not_the_check_character_is_refused():
    good = make_id(date(1990, 1, 1))
    assert good[-1] != "X"
    with pytest.raises(InvalidIdNumber):
        parse_id_number(good[:17] + "x", TODAY)


def test_gender_comes_from_the_17th_character():
    for digit in range(10):
        first17 = f"3306021990010112{digit}"
        info = parse_id_number(with_check(first17), TODAY)
        assert info.gender == ("male" if digit % 2 else "female")


def test_mask():
    assert mask_id_number("330602199001011234") == "330602********1234"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("12345") == "*****"


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1960, 5, 1), date(2010, 5, 1), 50),  # the birthday itself counts
        (date(1960, 5, 1), date(2010, 4, 30), 49),
        (date(1960, 5, 1), date(1960, 5, 1), 0),
        (date(1960, 12, 31), date(2011, 1, 1), 50),
        # 29 February: in a non-leap year the birthday is reached on 1 March.
        (date(1964, 2, 29), date(2014, 2, 28), 49),
        (date(1964, 2, 29), date(2014, 3, 1), 50),
        (date(1964, 2, 29), date(2012, 2, 29), 48),
        (date(1964, 2, 29), date(2012, 2, 28), 47),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age
