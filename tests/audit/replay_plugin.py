"""A pytest plugin: after each test that used a database, replay every case in it and write one
JSON line per case to $REPLAY_REPORT. test_replay_process_suite runs the process test suite with
it, so every case those tests create is replayed step for step."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from tests.conftest import current_clock, settings_for


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    try:
        return (yield)
    finally:
        url = getattr(item, "funcargs", {}).get("database_url")
        report = os.environ.get("REPLAY_REPORT")
        if url and report:
            _replay_all(item.nodeid, url, Path(report))


def _replay_all(nodeid: str, url: str, report: Path) -> None:
    office = Backoffice(settings_for(url), clock=current_clock())
    lines = []
    try:
        for result in Replayer(office).replay_all():
            lines.append(
                {
                    "test": nodeid,
                    "case": result.number,
                    "identical": result.identical,
                    "steps": len(result.steps),
                    "line": result.line(),
                }
            )
    except Exception as exc:  # noqa: BLE001 - a crash is reported as a failed replay, not lost
        lines.append(
            {"test": nodeid, "case": "?", "identical": False, "steps": 0, "line": repr(exc)}
        )
    finally:
        office.close()
    with report.open("a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
