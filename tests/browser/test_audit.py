"""An auditor walks through a finished case in a real browser: search, the timeline, the diagram
with the path taken, the step slider moved to a middle step, and the history export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.audit.support import load_demo
from tests.browser.conftest import LiveServer, shot, sign_in, wait_until
from tests.helpers import events

DONE = "330602-2026-000006"  # concluded and delivered electronically


def test_auditor_walks_through_a_finished_case(page: Any, live_server: LiveServer) -> None:
    office = live_server.backoffice
    load_demo(office)
    recorded = events(office, DONE)
    steps = [e for e in recorded if "state_hash" in e.data]

    sign_in(page, live_server, "auditor_330602")
    page.goto(f"{live_server.url}/audit/")
    page.fill("input[name=q]", DONE)
    page.click(".audit-search button")
    page.click(f"a[href='/audit/cases/{DONE}']")
    page.wait_for_selector("#diagram[data-ready]")
    assert "✔ 哈希链" in page.inner_text("#case-chain")
    assert f"{len(steps)} 步状态与记录完全一致" in page.inner_text("#replay-status")
    assert page.locator("#timeline > tbody > tr").count() == len(recorded)
    # The last step: the whole path is drawn, no token is left.
    assert f"第 {len(steps)} / {len(steps)} 步" in page.inner_text("#step-title")
    assert page.locator(".djs-element.audit-visited").count() > 5
    assert page.locator(".djs-connection.audit-path").count() > 5
    assert "流程已结束" in page.inner_text("#step-tokens")

    middle = len(steps) // 2
    page.locator("#step-slider").fill(str(middle))
    title = page.inner_text("#step-title")
    assert f"第 {middle} / {len(steps)} 步" in title and "✔ 与记录一致" in title
    assert "流程已结束" not in page.inner_text("#step-tokens")
    assert "时限届满" in page.inner_text("#step-timers")  # the bundle limits still run
    # The case data in words: Chinese labels, Beijing times; the raw JSON one click away.
    data = page.inner_text("#step-rows")
    assert "办件编号\t330602-2026-000006" in data and "受理时间\t2026-11-10 09:00:00" in data
    assert "case_number" not in data and "T01:00:00+00:00" not in data
    page.click("#step-raw summary")
    assert '"case_number": "330602-2026-000006"' in page.inner_text("#step-data")
    assert "<dt" not in page.inner_text("#timeline") and "受理决定" in page.inner_text("#timeline")
    assert page.locator(f"#event-{steps[middle - 1].seq}.current").count() == 1
    # The top diagram shows where the case stands (the running 办理 subprocess at least).
    assert page.locator(".djs-element.audit-active").count() >= 1
    shot(page, "audit_case_middle_step")

    page.click(".diagram-tab[data-index='1']")
    wait_until(
        page, "document.querySelector('#diagram').dataset.ready.indexOf('one_thing_bundle') < 0"
    )
    assert page.locator(".djs-element.audit-visited").count() > 0
    shot(page, "audit_case_transfer_diagram")

    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["seq"]) for r in rows] == [e.seq for e in recorded]
    with page.expect_download() as download:
        page.click("#export-json")
    body = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert body["chain"]["ok"] and body["case"]["number"] == DONE
