"""Regions the documents know: names, province abbreviations, agencies, phones, certificate numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.documents.errors import DocumentDataError
from app.documents.service_guides import agency_phone
from app.rules.divisions import (
    CITY,
    COUNTY,
    PROVINCE_ABBR,
    division,
    pooling_name,
)
from app.rules.regions import MUNICIPALITIES

# Agency names are the region name plus these suffixes, the same wording as the demo
# users' agencies (app.kernel.roles); seed 000 七、八 names the Yuecheng ones 人社局 (受理机构),
# 社保中心, 就业中心, 医保分局 (决定机构). A caller may always pass `issuing_agency` /
# `addressee` to print another name.
AGENCY_SUFFIX: dict[str, str] = {
    "bureau": "人力资源和社会保障局",  # the 受理机构 that issues the bundle's notices
    "pension": "社会保险事业管理中心",
    "medical": "医疗保障分局",
    "unemployment": "就业管理中心",
}


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit administrative division code (contracts §3)
    name: str  # the division's name as printed (app.rules.divisions), e.g. 杭州市西湖区
    short: str  # 机关代字 used in default document numbers, e.g. 杭

    @property
    def province_abbr(self) -> str:
        return PROVINCE_ABBR[self.code[:2]]

    @property
    def pooling_name(self) -> str:
        """统筹地区名称 (seed 003 凭证号): the city of a district, e.g. 杭州市 for 330106."""
        return pooling_name(self.code) or self.name

    def phone(self, which: str) -> str | None:
        """The published phone of the region's agency of this kind (bureau | pension | medical
        | unemployment) from processes/service_guides.json, or None when no seed gives it: a
        document never prints another agency's line as the issuer's contact."""
        return agency_phone(self.code, which)

    def agency(self, which: str) -> str:
        """Full name of the region's agency: bureau | pension | medical | unemployment."""
        return self.name + AGENCY_SUFFIX[which]


def _from_division(code: str) -> Region | None:
    found = division(code)
    if found is None:
        return None
    # 机关代字: the first character of a city's or county's own name (杭, 越, 瓯); a province or
    # municipality uses its 简称 (沪).
    if found.level == COUNTY or (found.level == CITY and code[:2] not in MUNICIPALITIES):
        short = found.own_name[0]
    else:
        short = PROVINCE_ABBR.get(code[:2], found.own_name[0])
    return Region(code, found.name, short)


def known_region(code: object) -> Region | None:
    """The region of any GB/T 2260 code the division data knows, else None."""
    return _from_division(code) if isinstance(code, str) else None


# The regions of this deployment (app.entrypoints.demo.REGIONS): their agencies have users,
# and their phones are data, per agency kind, in processes/service_guides.json (each with
# the seed clause it is copied from). Their names come from the division data like any other.
DEPLOYMENT_CODES = ("330100", "330602", "330304")
REGIONS: dict[str, Region] = {
    r.code: r for r in map(_from_division, DEPLOYMENT_CODES) if r is not None
}


def region(code: object, field: str) -> Region:
    """The region for a code, or a DocumentDataError naming `field`. Any code of the division
    data is a region a document can name (the other end of a transfer, a 户籍 place)."""
    if not isinstance(code, str) or not code:
        raise DocumentDataError(field, "缺少地区代码")
    found = known_region(code)
    if found is None:
        raise DocumentDataError(
            field, f"地区代码 {code} 不是有效的行政区划代码（GB/T 2260），无法打印地区名称"
        )
    return found


CERTIFICATE_NUMBER_PATTERN = re.compile(r"^（\S+?）（\S+?）（[0-9]{4}）第 [0-9]{6} 号$")


def certificate_number(province_abbr: str, region_name: str, year: int, seq: int) -> str:
    """凭证号 of the 参保(合)凭证 (seed 003): （浙）（杭州市）（2026）第 000123 号."""
    # seed 003 凭证号：（省份简称）（统筹地区名称）（年份）第 XXXXXX 号 — six digits.
    if province_abbr not in PROVINCE_ABBR.values():
        raise DocumentDataError("province_abbr", f"“{province_abbr}”不是省份简称")
    if not region_name or not region_name.strip():
        raise DocumentDataError("region_name", "缺少统筹地区名称")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise DocumentDataError("year", "年份应为四位数字")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= 999_999:
        raise DocumentDataError("certificate_seq", "凭证序号应为 1 至 999999 的整数")
    return f"（{province_abbr}）（{region_name.strip()}）（{year}）第 {seq:06d} 号"
