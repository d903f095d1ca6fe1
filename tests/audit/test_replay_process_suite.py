"""Replay reproduces every case of the process test suite (tests/processes) step for step: the
suite runs in a subprocess with tests/audit/replay_plugin.py, which replays each test's cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.kernel.config import ROOT


def test_every_case_of_the_process_test_suite_replays_identically(tmp_path: Path) -> None:
    report = tmp_path / "replays.jsonl"
    env = {**os.environ, "REPLAY_REPORT": str(report)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/processes",
            "-q",
            "-p",
            "tests.audit.replay_plugin",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    tests = {row["test"] for row in rows}
    # The suite drives every diagram through its paths: dozens of tests, each with a case.
    assert len(tests) >= 40, run.stdout[-2000:]
    assert sum(row["steps"] for row in rows) >= 3 * len(rows)
    diverged = [f"{r['test']} {r['case']}: {r['line']}" for r in rows if not r["identical"]]
    assert not diverged, "\n".join(diverged)
