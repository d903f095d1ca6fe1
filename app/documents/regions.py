"""Regions the documents know: names, province abbreviations, agencies, phones, certificate numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.documents.errors import DocumentDataError
from app.documents.service_guides import agency_phone

# 省、自治区、直辖市的简称, keyed by the first two digits of the 6-digit administrative
# division code (GB/T 2260). Where a province has two 简称 the one used on licence plates
# and in agency names is taken (贵, 云, 甘, 陕).
PROVINCE_ABBR: dict[str, str] = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "贵",
    "53": "云",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
}

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
    name: str  # 统筹地区名称 as printed, e.g. 杭州市
    short: str  # 机关代字 used in default document numbers, e.g. 杭

    @property
    def province_abbr(self) -> str:
        return PROVINCE_ABBR[self.code[:2]]

    def phone(self, which: str) -> str | None:
        """The published phone of the region's agency of this kind (bureau | pension | medical
        | unemployment) from processes/service_guides.json, or None when no seed gives it: a
        document never prints another agency's line as the issuer's contact."""
        return agency_phone(self.code, which)

    def agency(self, which: str) -> str:
        """Full name of the region's agency: bureau | pension | medical | unemployment."""
        return self.name + AGENCY_SUFFIX[which]


# The demo regions (app.entrypoints.demo.REGIONS). Their agencies' phones are data, per agency kind, in
# processes/service_guides.json (each with the seed clause it is copied from).
REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("330100", "杭州市", "杭"),
        Region("330602", "绍兴市越城区", "越"),
        Region("330304", "温州市瓯海区", "瓯"),
    )
}


# Regions outside this deployment that its documents must name: the other end of a
# cross-province transfer (2021 通知), e.g. a 联系函 the Zhejiang transfer-in agency receives
# or sends. Only names are known here; their agencies' phones and guides are not (blank /
# 以办理地服务指南为准), and they are not offered as regions of this deployment.
PEER_REGIONS: dict[str, Region] = {r.code: r for r in (Region("310100", "上海市", "沪"),)}


def region(code: object, field: str) -> Region:
    """The region for a code, or a DocumentDataError naming `field`."""
    if not isinstance(code, str) or not code:
        raise DocumentDataError(field, "缺少地区代码")
    found = REGIONS.get(code) or PEER_REGIONS.get(code)
    if found is None:
        raise DocumentDataError(
            field,
            f"地区代码 {code} 不在文书地区表中（app.documents.regions.REGIONS），无法打印地区名称",
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
