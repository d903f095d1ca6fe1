"""prometheus_client's multiprocess directory for gunicorn: emptied by the master at start,
a dead worker's live gauges dropped when it exits (deploy/gunicorn.conf.py calls these)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)
VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def configured() -> Path | None:
    value = os.environ.get(VARIABLE)
    return Path(value) if value else None


def prepare(path: Path) -> int:
    """Create the directory, or empty it: files left by the workers of an earlier run would be
    summed into this run's figures (a counter never goes back to 0 on a restart otherwise).
    Only `*.db` files, prometheus_client's own, are removed; returns how many."""
    path.mkdir(parents=True, exist_ok=True)
    removed = 0
    for stale in path.glob("*.db"):
        if stale.is_file():
            stale.unlink()
            removed += 1
        elif stale.is_dir():
            shutil.rmtree(stale)
    if removed:
        log.info("metrics: removed %d file(s) of an earlier run from %s", removed, path)
    return removed


def worker_exited(pid: int, path: Path) -> None:
    """A worker is gone (exit, kill -9, recycling): its live gauges must not count any longer.
    Its counters and histograms stay, so totals do not drop when a worker is replaced."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(path))
