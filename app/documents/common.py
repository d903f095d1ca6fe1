"""Pieces every document builder shares: the case, document numbers, contacts, periods."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.documents.errors import DocumentDataError
from app.documents.fields import Data, Money, Person, zh_date
from app.documents.labels import CHANNEL_ZH, DEFAULT_MEDICAL_SCHEME, MEDICAL_SCHEME_ZH
from app.documents.regions import Region, known_region
from app.documents.service_guides import ServiceGuide, guide_for

_CASE_NUMBER = re.compile(r"^([0-9]{6})-([0-9]{4})-([0-9]+)$")  # app.features.cases.service


@dataclass(frozen=True)
class Case:
    """What every bundle document needs: who, where from, where to, which case, which day."""

    data: Data
    case_number: str
    issued_on: date
    person: Person
    region_out: Region
    region_in: Region


def _case(d: Data) -> Case:
    case_number = d.text("case_number", "业务编号")
    issued_on = d.day("issued_on", "出具日期")
    if d.raw("application") is None or not isinstance(d.raw("application"), Mapping):
        raise DocumentDataError("application", "缺少申请表数据（application）")
    person = d.person("application.applicant", "申请人", issued_on)
    region_out = d.region("application.transfer_out_region", "转出地")
    region_in = d.region("application.transfer_in_region", "转入地")
    return Case(d, case_number, issued_on, person, region_out, region_in)


def _document_number(d: Data, paths: tuple[str, ...], issuer: Region, word: str, case: Case) -> str:
    """The number given in the data (a form field), else one derived from the case number.

    Derived: 机关代字 + word + 〔case year〕 + sequence + 号 (越人社不受〔2026〕12号). The case
    sequence is unique per transfer-in region and year, so a document issued by another
    region carries the transfer-in region's 代字 before it (杭就业联〔2026〕越12号).
    """
    path = d.first_path("document_number", *paths)
    if path is not None:
        return d.text(path, "文书编号")
    m = _CASE_NUMBER.match(case.case_number)
    if m is None:
        return f"{issuer.short}{word}〔{case.issued_on.year}〕{case.case_number}号"
    case_region, year, seq = m[1], m[2], int(m[3])
    if case_region == issuer.code:
        prefix = ""
    else:
        known = known_region(case_region)
        prefix = known.short if known else f"{case_region}-"
    return f"{issuer.short}{word}〔{year}〕{prefix}{seq}号"


def _money_text(m: Money) -> str:
    return f"¥{m.figures}元（大写：{m.capital}）"


def _limit(d: Data, key: str, default: int) -> int:
    return d.integer(key, "办理时限（工作日）", minimum=1) if d.raw(key) is not None else default


def _agency(d: Data, key: str, default: str) -> str:
    return d.optional_text(key) or default


def _contact(d: Data, region: Region, which: str) -> tuple[str | None, str | None]:
    """Contact person and phone of the issuing agency: the phone given in the data, else the
    published phone of that very agency (processes/service_guides.json); None (a blank to fill
    in by hand) when no seed publishes it — never another agency's line."""
    return d.optional_text("contact_person"), d.optional_text("contact_phone") or region.phone(
        which
    )


def _guide(region: Region) -> ServiceGuide | None:
    """What the issuing region's service guide promises the applicant (seed 000 十七、二十一至
    二十三; 001 十三、十六至十八; 002 十三、十六至十八), else the province-level channels."""
    return guide_for(region.code)


def _hukou_place(d: Data) -> str:
    explicit = d.optional_text("hukou_place")
    if explicit:
        return explicit
    code = d.raw("application.applicant.hukou_region")
    if code is None:
        raise DocumentDataError("application.applicant.hukou_region", "缺少户籍所在地")
    place = known_region(code)
    if place is None:
        raise DocumentDataError(
            "application.applicant.hukou_region",
            f"户籍所在地代码 {code} 不是有效的行政区划代码（GB/T 2260），无法打印户籍所在地",
        )
    return place.name


def _period(d: Data, start: str, end: str, label: str) -> tuple[str, str]:
    start_day, start_text = d.period_point(start, f"{label}（起）")
    end_day, end_text = d.period_point(end, f"{label}（止）")
    if end_day < start_day:
        raise DocumentDataError(end, f"{label}的止日期早于起日期")
    return start_text, end_text


def _optional_period(d: Data, start: str, end: str, label: str) -> tuple[str, str] | None:
    if d.raw(start) is None and d.raw(end) is None:
        return None
    return _period(d, start, end, label)


def _medical_scheme(d: Data) -> str:
    if d.raw("medical_scheme") is None:
        return MEDICAL_SCHEME_ZH[DEFAULT_MEDICAL_SCHEME]
    return d.choice("medical_scheme", "医疗保障类型", MEDICAL_SCHEME_ZH)


def _receiving_account(d: Data) -> dict[str, str] | None:
    """Optional bank account of the transfer-in fund (户名、开户银行、账号)."""
    if d.raw("receiving_account") is None:
        return None
    return {
        "account_name": d.text("receiving_account.account_name", "收款户名"),
        "bank": d.text("receiving_account.bank", "开户银行"),
        "account_number": d.text("receiving_account.account_number", "银行账号"),
    }


def _applicant_addressee(case: Case) -> dict[str, Any]:
    d = case.data
    agent = d.raw("application.agent")
    agent_name = d.optional_text("application.agent.name") if isinstance(agent, Mapping) else None
    return {"addressee": case.person.name, "agent_name": agent_name}


def _submitted(d: Data) -> dict[str, str | None]:
    submitted_on = zh_date(d.day("submitted_on", "申请日期")) if d.raw("submitted_on") else None
    channel = d.choice("application.channel", "申请渠道", CHANNEL_ZH)
    return {"submitted_on": submitted_on, "channel": channel}


def _insurance(d: Data, insurance: str | None, allowed: tuple[str, ...]) -> str:
    value = insurance if insurance is not None else d.raw("insurance")
    if value is None:
        raise DocumentDataError("insurance", "缺少险种（insurance）")
    if value not in allowed:
        raise DocumentDataError("insurance", f"险种“{value}”无效，应为 {'、'.join(allowed)} 之一")
    return str(value)


def _common(kind: str, title: str, case: Case, number: str, agency: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "document_number": number,
        "case_number": case.case_number,
        "issuing_agency": agency,
        "issued_on": zh_date(case.issued_on),
        "person": case.person,
        "region_out": case.region_out.name,
        "region_in": case.region_in.name,
    }
