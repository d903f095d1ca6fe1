"""Resident memory with 10^3 and 10^4 running cases (contracts §8 line `memory`).

Each count runs in a fresh subprocess that measures its own RSS: it tunes the collector as
the app's entry points do (app/entrypoints/tuning.py), opens a Backoffice on a new SQLite database,
submits that many applications through the real services (each an accepted bundle case
with its open review task, its workflow passing through the hot cache) and reads VmRSS from
/proc/self/status, without collecting first. Memory is bounded when the larger count does
not cost much more than the smaller: the cache holds at most WORKFLOW_CACHE_SIZE workflows
(default 1000), so the ratio should stay near 1 (target <= 1.5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

COUNTS = (1_000, 10_000)
ROOT = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    """This process's resident set size now (not the peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def child(count: int) -> dict[str, Any]:
    """Create `count` running cases in this process; report its RSS."""
    from app.bootstrap import Backoffice
    from app.entrypoints.tuning import tune_collector
    from app.features.cases.service import Actor
    from app.kernel.clock import Clock
    from app.kernel.config import Settings
    from app.store.migrate import upgrade

    tune_collector()
    scenario_file = ROOT / "tests" / "processes" / "scenarios" / "bundle_all_three_success.json"
    scenario = json.loads(scenario_file.read_text(encoding="utf-8"))
    clock = Clock()
    clock.freeze(datetime.fromisoformat(scenario["start"]))
    applicant = Actor("bench", "applicant")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'memory.db'}"
        upgrade(url)
        office = Backoffice(
            Settings(database_url=url, scheduler=False, secret_key="bench"), clock=clock
        )
        office.deployments.deploy_directory("bench", "bench")
        for _ in range(20):  # warm-up: imports, spec cache, prepared statements
            office.applications.submit(scenario["application"], applicant)
        baseline = rss_mib()
        started = time.perf_counter()
        for _ in range(count):
            office.applications.submit(scenario["application"], applicant)
        seconds = time.perf_counter() - started
        rss = rss_mib()
        stats = office.workflows.stats()
        office.close()
    return {
        "cases": count,
        "rss_mib": round(rss, 1),
        "baseline_rss_mib": round(baseline, 1),
        "seconds": round(seconds, 1),
        "cache": stats,
    }


def _measure(count: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory_bench", str(count)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    small, large = (_measure(count) for count in COUNTS)
    return {
        "bench": "memory",
        "rss_mib_at_1e3": small["rss_mib"],
        "rss_mib_at_1e4": large["rss_mib"],
        "ratio": round(large["rss_mib"] / small["rss_mib"], 2),
        "baseline_rss_mib": small["baseline_rss_mib"],
        "cache_capacity": large["cache"]["capacity"],
        "cache_evicted_at_1e4": large["cache"]["evicted"],
        "cases_per_s": round(large["cases"] / large["seconds"], 1),
        "database": "sqlite",
    }


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]))), flush=True)
