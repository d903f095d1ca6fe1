"""Reading a document's plain data: required fields, dates, money, ID numbers, with clear errors."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.documents.errors import DocumentDataError
from app.documents.regions import Region, region
from app.rules.amounts import InvalidMoney, format_money, parse_money, round_money, to_capital
from app.rules.id_number import InvalidIdNumber, mask_id_number, parse_id_number

# Documents are dated in the agencies' time zone (as the working-day calendar is).
TZ = ZoneInfo("Asia/Shanghai")
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def zh_date(d: date) -> str:
    """成文日期 with Arabic numerals and no leading zeros (GB/T 9704-2012 7.3.5.1): 2026年3月5日."""
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Money:
    """An amount as documents print it: figures with two decimals and capital numerals."""

    amount: Decimal

    @property
    def figures(self) -> str:
        return format_money(self.amount)  # 10,203.05 — grouped, two decimals, half-up

    @property
    def capital(self) -> str:
        return to_capital(self.amount)  # 壹万零贰佰零叁元零伍分


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str  # full: printed only where the masking policy allows (see builders)
    id_masked: str
    gender_zh: str
    birth_date: str


class Data:
    """Typed, validated access to a document's data by dotted path ("application.applicant.name")."""

    def __init__(self, data: object) -> None:
        if not isinstance(data, Mapping):
            raise DocumentDataError("context", "文书数据应为字典（键值对）")
        self.data = data

    # -- raw access ----------------------------------------------------------------------
    def raw(self, path: str) -> Any:
        """The value at `path`, or None when absent, null or an empty/blank string."""
        value: Any = self.data
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def first_path(self, *paths: str) -> str | None:
        """The first of `paths` that holds a value."""
        return next((p for p in paths if self.raw(p) is not None), None)

    def _missing(self, path: str, label: str) -> DocumentDataError:
        return DocumentDataError(path, f"缺少{label}")

    # -- typed readers -------------------------------------------------------------------
    def text(self, path: str, label: str) -> str:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        if not isinstance(value, str):
            raise DocumentDataError(path, f"{label}应为文字")
        return value.strip()

    def optional_text(self, path: str) -> str | None:
        value = self.raw(path)
        if value is None:
            return None
        if not isinstance(value, str):
            raise DocumentDataError(path, "应为文字")
        return value.strip()

    def text_list(self, path: str, label: str) -> list[str]:
        value = self.raw(path)
        if value is None or (
            isinstance(value, Sequence) and not isinstance(value, str) and not value
        ):
            raise self._missing(path, label)
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise DocumentDataError(path, f"{label}应为文字列表")
        items = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise DocumentDataError(path, f"{label}中有空白或非文字的项")
            items.append(item.strip())
        return items

    def boolean(self, path: str, label: str) -> bool:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        if not isinstance(value, bool):
            raise DocumentDataError(path, f"{label}应为是或否")
        return value

    def integer(self, path: str, label: str, *, minimum: int = 0) -> int:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise DocumentDataError(path, f"{label}应为不小于 {minimum} 的整数")
        return value

    def choice(self, path: str, label: str, choices: Mapping[str, str]) -> str:
        """The Chinese text for a coded value."""
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        if value not in choices:
            allowed = "、".join(choices)
            raise DocumentDataError(path, f"{label}“{value}”无效，应为 {allowed} 之一")
        return choices[value]

    def day(self, path: str, label: str) -> date:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        return as_date(value, path, label)

    def period_point(self, path: str, label: str) -> tuple[date, str]:
        """A day or a month (YYYY-MM), for periods: (first day, text as printed)."""
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        if isinstance(value, str) and (m := _MONTH.match(value.strip())):
            return date(int(m[1]), int(m[2]), 1), f"{int(m[1])}年{int(m[2])}月"
        d = as_date(value, path, label)
        return d, zh_date(d)

    def money(self, path: str, label: str) -> Money:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        try:
            if isinstance(value, Decimal):
                amount = round_money(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                amount = round_money(Decimal(value))
            elif isinstance(value, str):
                amount = parse_money(value.strip())
            else:
                # contracts §3: money is a decimal string, never a float
                raise InvalidMoney("金额应为字符串（如“1234.56”），不能是浮点数")
            if amount < 0:
                raise InvalidMoney("金额不能为负数")
            to_capital(amount)  # fails here, with the field named, if it cannot be written
        except (InvalidMoney, TypeError) as e:
            raise DocumentDataError(path, f"{label}：{e}") from None
        return Money(amount)

    def region(self, path: str, label: str) -> Region:
        value = self.raw(path)
        if value is None:
            raise self._missing(path, label)
        return region(value, path)

    def person(self, prefix: str, label: str, on: date) -> Person:
        """Name and validated ID number at `prefix`.name / `prefix`.id_number."""
        name = self.text(f"{prefix}.name", f"{label}姓名")
        id_number = self.id_number(f"{prefix}.id_number", f"{label}身份证号码", on)
        info = parse_id_number(id_number, on)
        return Person(
            name=name,
            id_number=id_number,
            id_masked=mask_id_number(id_number),
            gender_zh="男" if info.gender == "male" else "女",
            birth_date=zh_date(info.birth_date),
        )

    def id_number(self, path: str, label: str, on: date) -> str:
        value = self.text(path, label)
        try:
            parse_id_number(value, on)
        except InvalidIdNumber as e:
            raise DocumentDataError(path, f"{label}无效：{e.reason_zh}") from None
        return value


def as_date(value: object, path: str, label: str) -> date:
    """date, datetime (converted to Asia/Shanghai when aware) or an ISO-8601 string."""
    if isinstance(value, datetime):
        return (value.astimezone(TZ) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return (
                date.fromisoformat(text)
                if len(text) == 10
                else as_date(datetime.fromisoformat(text), path, label)
            )
        except ValueError:
            pass
    raise DocumentDataError(path, f"{label}应为日期（YYYY-MM-DD）")
