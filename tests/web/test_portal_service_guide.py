"""The portal states what the guides promise the applicant: free of charge, where to ask, where to
complain, where and when the windows are open (seed 000 十七、二十一至二十三; 001 十三、十六至十八;
002 十三、十六至十八), per region, from processes/service_guides.json."""

from __future__ import annotations

from typing import Any

from tests.conftest import freeze
from tests.web.api_support import START, api_app
from tests.web.test_portal import apply


def test_the_landing_page_gives_each_regions_fee_channels_and_hours(
    database_url: str, make_app: Any
) -> None:
    api = api_app(database_url, make_app)
    page = api.client.get("/portal/").get_data(as_text=True)
    assert "收费标准：不收费" in page
    for text in (
        # 330602 绍兴市越城区, seed 000 二十一、二十二、二十三
        "0575-85736120",
        "0575-88300255",
        "绍兴市政务服务办公室（凤林西路178号亿兆大厦）一楼D区医保社保窗口",
        "7月1日-9月15日工作日上午8:30-12:00，下午2:00-5:30",
        # 330304 温州市瓯海区, seed 001 十六、十七、十八
        "0577-88591986",
        "0577-55593157",
        "温州市瓯海区医保服务中心5.6.7.8号窗口",
        "春、秋、冬季工作日：周一至周五（上午8:30-12:00，下午14:00-17:30）",
        # 330100 杭州市, seed 002 十六、十七、十八
        "0571-12345-1、0571-87258563",
        "杭州市行政服务中心(市民中心L楼)（杭州市上城区新业路311号市民中心L楼）32号窗口",
        "法定工作日上午8:30-11:50 下午13:30-17:00",
        # every region
        "http://zxts.zjzwfw.gov.cn",
        # the province-level fallback for regions without a guide here
        "其他地区",
    ):
        assert text in page, text


def test_the_case_page_gives_the_transfer_in_windows_guide(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = apply(api.client)  # 330100 → 330602
    page = api.client.get(response.headers["Location"]).get_data(as_text=True)
    guide = page.split('id="service-guide"')[1]
    assert "收费标准：不收费" in guide
    assert "咨询电话：0575-85736120" in guide
    assert "监督投诉电话：0575-88300255、12345投诉热线" in guide
    assert "9月16日-次年6月30日工作日上午8:30-12:00，下午2:00-5:00" in guide
    assert "0571-87258563" not in guide  # not the transfer-out region's
