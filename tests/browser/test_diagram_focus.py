"""The task page opens the diagram at a readable size on the current step (issue 15, item 6):
the medical transfer's diagram, about 2,200 px wide, would be shrunk to some 40% to fit."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, shot, sign_in, wait_until
from tests.conftest import freeze
from tests.helpers import complete
from tests.modeling.support import medical_case
from tests.processes.driver import MEDICAL_CONTACT_OK

START = "2026-09-28T09:00:00+08:00"


def test_task_page_shows_the_current_step_readable_without_zooming(
    page: Any, live_server: LiveServer
) -> None:
    freeze(START)
    office = live_server.backoffice
    number = medical_case(office)
    complete(
        office,
        number,
        {"task": "contact_letter", "process": "medical_transfer", "data": MEDICAL_CONTACT_OK},
    )
    task = office.scenarios.open_task(number, "transfer_out", "medical_transfer")
    assert task is not None
    sign_in(page, live_server, f"{task.role}_{task.region}")
    page.goto(f"{live_server.url}/tasks/{task.id}")
    wait_until(page, "document.querySelector('[data-bpmn-url]').dataset.ready === 'true'")
    diagram = page.locator("[data-bpmn-url]")
    diagram.scroll_into_view_if_needed()
    assert float(diagram.get_attribute("data-zoom") or 0) >= 1
    box = diagram.bounding_box()
    step = page.locator('.djs-element.current-step[data-element-id="transfer_out"]').bounding_box()
    assert box is not None and step is not None
    # The whole step is inside the diagram's frame, at its drawn size (100 × 80 in the DI).
    assert box["x"] <= step["x"] and step["x"] + step["width"] <= box["x"] + box["width"]
    assert box["y"] <= step["y"] and step["y"] + step["height"] <= box["y"] + box["height"]
    assert step["width"] >= 100
    # ... and near its middle, so what comes before and after it shows too.
    middle = box["x"] + box["width"] / 2
    assert abs(step["x"] + step["width"] / 2 - middle) < box["width"] / 4
    shot(page, "diagram_focus_task_page")
