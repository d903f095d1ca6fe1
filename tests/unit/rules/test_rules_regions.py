"""One definition of "same pooling region" (统筹地区) and of "same province" for every rule."""

import pytest

from app.rules.regions import pooling_region, same_pooling_region, same_province


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("330602", "3306"),  # 绍兴市越城区: a district of the pooling region 绍兴市
        ("330603", "3306"),  # 绍兴市柯桥区: the same pooling region
        ("330600", "3306"),  # 绍兴市 itself
        ("330100", "3301"),  # 杭州市 (seed 002 uses the city code)
        ("330106", "3301"),  # 杭州市西湖区
        ("330304", "3303"),  # 温州市瓯海区 (seed 001)
        ("310101", "31"),  # 上海市黄浦区: a municipality is one pooling region
        ("500101", "50"),  # 重庆市万州区
        ("500230", "50"),  # 重庆市丰都县 (the municipality's county codes)
        ("110105", "11"),
        ("120101", "12"),
        ("429004", "429004"),  # 仙桃市: a county-level city under the province is its own
        ("469001", "469001"),  # 五指山市 (海南省直辖)
    ],
)
def test_pooling_region(code: str, region: str) -> None:
    assert pooling_region(code) == region


def test_same_pooling_region() -> None:
    assert same_pooling_region("330602", "330602")
    assert same_pooling_region("330602", "330603")
    assert same_pooling_region("330100", "330106")
    assert same_pooling_region("310101", "310115")
    assert not same_pooling_region("330100", "330602")
    assert not same_pooling_region("330304", "330602")
    assert not same_pooling_region("429004", "429005")
    assert not same_pooling_region("510104", "330602")


def test_same_province_is_the_first_two_digits() -> None:
    assert same_province("330100", "330602")
    assert not same_province("310100", "330602")
