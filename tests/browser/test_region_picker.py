"""Browser: the applicant chooses 浙江省 → 杭州市 → 西湖区 instead of typing a code, and the case
page names the place (issue 15 item 1)."""

from __future__ import annotations

from typing import Any

from app.features.cases.statuses import CASE_STATUS
from tests.browser.conftest import LiveServer, shot
from tests.browser.test_portal import _fill_application
from tests.conftest import freeze
from tests.web.api_support import START


def _choose(page: Any, field: str, province: str, city: str, county: str) -> None:
    page.select_option(f"#r-{field}-province", label=province)
    page.select_option(f"#r-{field}-city", label=city)
    page.select_option(f"#r-{field}-county", label=county)


def test_choose_province_city_district_and_see_the_name(live_server: LiveServer, page: Any) -> None:
    freeze(START)
    page.goto(f"{live_server.url}/portal/apply")
    _fill_application(page)  # types codes: the selects follow the code typed
    assert page.input_value("#r-transfer_in_region-province") != ""
    assert "绍兴市越城区" in page.inner_text("#f-transfer_in_region")
    _choose(page, "applicant-hukou_region", "浙江省", "杭州市", "西湖区")
    assert page.input_value('input[name="applicant.hukou_region"]') == "330106"
    _choose(page, "transfer_out_region", "浙江省", "杭州市", "西湖区")
    assert page.input_value('input[name="transfer_out_region"]') == "330106"
    assert "杭州市西湖区（330106）" in page.inner_text("#f-transfer_out_region")
    shot(page, "region-picker-chosen")
    page.click("button.primary")
    page.wait_for_load_state()
    assert page.inner_text("#case-status") == CASE_STATUS["accepted"]
    assert "杭州市西湖区 → 绍兴市越城区" in page.inner_text("main")
    shot(page, "region-picker-case-page")
