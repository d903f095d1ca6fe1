"""The region picker's data and markup: the division tree is public and cached, the window and
portal forms offer 省 → 市 → 区县, and a code outside the data is a field error."""

from __future__ import annotations

from typing import Any

import orjson

from tests.conftest import freeze
from tests.web.clerk_support import START, Staff, staff_app
from tests.web.test_intake import FORM


def test_the_division_tree_is_public_and_names_xihu(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    response = app.test_client().get("/regions.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    tree = orjson.loads(response.get_data())
    [zhejiang] = [p for p in tree if p[0] == "330000"]
    [hangzhou] = [c for c in zhejiang[2] if c[0] == "330100"]
    assert zhejiang[1] == "浙江省" and hangzhou[1] == "杭州市"
    assert ["330106", "西湖区", []] in hangzhou[2]


def test_the_window_form_offers_the_picker_and_names_a_wrong_code(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    page = clerk.get("/intake").get_data(as_text=True)
    assert page.count("data-region-picker") == 2  # 户籍所在地, 转出地 (转入地: this window)
    assert "js/region-picker.js" in page
    portal = app.test_client().get("/portal/apply").get_data(as_text=True)
    assert portal.count("data-region-picker") == 3
    response = clerk.post("/intake", {**FORM, "applicant.hukou_region": "339999"})
    body = response.get_data(as_text=True)
    assert "339999 不是有效的行政区划代码（GB/T 2260）" in body
    assert "data-region-picker" in body  # the form again, the code kept
