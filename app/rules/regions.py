"""Region codes compared the one way the rules allow: same pooling region (统筹地区), same province."""

from __future__ import annotations

# Municipalities directly under the central government (直辖市): 北京、天津、上海、重庆.
# Each is one pooling region; their codes 1101xx / 5001xx / 5002xx are all the same place.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Digits 3–4 "90": county-level units administered by the province directly
# (省直辖县级行政单位, e.g. 429004 仙桃市, 469001 五指山市): each is its own pooling region.
PROVINCE_ADMINISTERED = "90"


def pooling_region(code: str) -> str:
    """The pooling region (统筹地区) a 6-digit administrative division code lies in.

    Reading (docs/rules.md, 000 十、受理条件（二））: the pooling region of pension, medical and
    unemployment insurance is the prefecture-level city (设区的市, the first four digits): the
    seeds' agencies in a district (绍兴市越城区 330602, 温州市瓯海区 330304) act for their city's
    pooling region (seed 001 applies 温州市全民基本医疗保险办法 in 瓯海区; seed 002 names
    Hangzhou by its city code 330100), so two districts of one city, or a city and one of its
    districts, are one place. A municipality is one pooling region (first two digits); a
    county-level unit under the province is its own (all six digits).
    """
    if code[:2] in MUNICIPALITIES:
        return code[:2]
    if code[2:4] == PROVINCE_ADMINISTERED:
        return code
    return code[:4]


def same_pooling_region(code_a: str, code_b: str) -> bool:
    """Both codes lie in one pooling region: nothing moves between them (跨统筹地区 is not met)."""
    return pooling_region(code_a) == pooling_region(code_b)


def province(code: str) -> str:
    """The province: the first two digits of a region code (contracts §3)."""
    return code[:2]


def same_province(code_a: str, code_b: str) -> bool:
    """Both codes lie in one province (省内); otherwise a transfer is cross-province (跨省)."""
    return province(code_a) == province(code_b)
