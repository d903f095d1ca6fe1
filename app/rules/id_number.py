"""Resident ID numbers (GB 11643-1999): validation, parsing, masking and age in full years."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

# GB 11643-1999 §8.2: weight of position i (1-based from the left) is 2^(18-i) mod 11.
WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character for (weighted sum mod 11) = 0, 1, 2, ... 10.
CHECK_CHARACTERS = "10X98765432"

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# 17 ASCII digits followed by an ASCII digit or capital X. `[0-9]` rather than `\d`
# so that full-width or other Unicode digits are not accepted.
_FORMAT = re.compile(r"[0-9]{17}[0-9X]")

Gender = Literal["male", "female"]


class InvalidIdNumber(ValueError):
    """The string is not a valid 18-character resident ID number; `reason_zh` says why."""

    def __init__(self, reason_zh: str) -> None:
        super().__init__(reason_zh)
        self.reason_zh = reason_zh


@dataclass(frozen=True)
class IdInfo:
    birth_date: date
    gender: Gender
    region_code: str  # the first 6 digits: 常住户口所在县（市、旗、区）的行政区划代码 at issue


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    # GB 11643-1999 §8.2 (ISO 7064 MOD 11-2)
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def normalize_id_number(s: str) -> str:
    """What an intake form may do before validation: trim spaces, upper-case a final x.

    parse_id_number itself is strict (GB 11643 writes the check character as capital X),
    so that the number stored as the person's unique identifier has one spelling only
    (seed 003 第十条: 身份证号码作为唯一识别码).
    """
    s = s.strip()
    if s.endswith("x"):
        s = s[:-1] + "X"
    return s


def parse_id_number(s: object, today: date) -> IdInfo:
    """Validate an 18-character resident ID number and read birth date, gender and region."""
    # contracts §3: birth date and gender come from the ID number (GB 11643)
    if not isinstance(s, str):
        raise InvalidIdNumber("身份证号码应为字符串")
    if len(s) != 18:
        raise InvalidIdNumber("身份证号码应为18位")
    if s.endswith("x") and _FORMAT.fullmatch(s[:-1] + "X"):
        raise InvalidIdNumber("身份证号码末位校验码应为大写字母X")
    if not _FORMAT.fullmatch(s):
        raise InvalidIdNumber("身份证号码应为17位数字加1位数字或字母X")

    region_code = s[:6]
    try:
        birth_date = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号码中的出生日期不是有效日期") from None
    if birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber("身份证号码中的出生日期早于1900年1月1日")
    if birth_date > today:
        raise InvalidIdNumber("身份证号码中的出生日期晚于当前日期")

    if check_character(s[:17]) != s[17]:
        raise InvalidIdNumber("身份证号码校验码错误")

    # GB 11643-1999 §5.3: the sequence code's last digit (17th character) is odd for men.
    gender: Gender = "male" if int(s[16]) % 2 == 1 else "female"
    return IdInfo(birth_date=birth_date, gender=gender, region_code=region_code)


def is_valid_id_number(s: object, today: date) -> bool:
    try:
        parse_id_number(s, today)
    except InvalidIdNumber:
        return False
    return True


def mask_id_number(s: str) -> str:
    """Show the region code and the last four characters only: 330602********1234."""
    if len(s) != 18:
        # Never echo a malformed number in full either.
        return "*" * min(len(s), 18)  # fits the masked-ID column whatever was typed
    return s[:6] + "*" * 8 + s[14:]


def age_on(birth_date: date, on_date: date) -> int:
    """Age in full years (周岁) on `on_date`.

    A person reaches age N on their Nth birthday itself. Someone born on 29 February
    reaches it on 1 March in a year that is not a leap year (28 February is still
    before the birthday), which is what comparing (month, day) pairs gives.
    """
    before_birthday = (on_date.month, on_date.day) < (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - (1 if before_birthday else 0)
