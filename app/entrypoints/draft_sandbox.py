"""Runs test scenarios against a draft in a separate process with a throwaway SQLite database.

The throwaway runtime has its own clock, calendar and limits, so it could run beside the live
office in the web process (tests/audit/test_runtime_isolation.py shows two runtimes apart).
It runs in a child process anyway because a draft is untrusted code: a script with an endless
loop or a crash must not take a web worker with it, and the child can be killed on timeout.
Usage: python -m app.entrypoints.draft_sandbox WORKDIR, where WORKDIR holds request.json ({"processes_dir", "forms_dir", "overrides": [[day, is_work, note]],
"scenarios": [{"name", "source", "body"}]}); the answer is written to WORKDIR/result.json.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.bootstrap import Backoffice


@contextmanager
def throwaway_backoffice(
    workdir: Path, processes_dir: Path, forms_dir: Path, overrides: list[list[Any]]
) -> Iterator[Backoffice]:
    """A Backoffice on a new SQLite database in workdir, with the given diagrams deployed and
    the live calendar overrides copied, on a clock of its own that scenarios move."""
    from app.bootstrap import Backoffice
    from app.features.modeling.calendar import DayEntry
    from app.kernel.clock import Clock
    from app.kernel.config import Settings
    from app.store.migrate import upgrade

    url = f"sqlite:///{workdir / 'sandbox.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        scheduler=False,
        secret_key="sandbox",
        processes_dir=processes_dir,
        forms_dir=forms_dir,
    )
    backoffice = Backoffice(settings, clock=Clock())
    try:
        days = [DayEntry(date.fromisoformat(d), bool(w), n) for d, w, n in overrides]
        if days:
            backoffice.calendar.set_days(days, actor="sandbox")
        backoffice.deployments.deploy_directory("scenario sandbox", "sandbox")
        yield backoffice
    finally:
        backoffice.close()


def run_scenario(backoffice: Backoffice, body: dict[str, Any]) -> dict[str, Any]:
    """One scenario's outcome as JSON; a scenario that breaks fails, it does not raise."""
    from app.kernel.errors import AppError

    try:
        result = backoffice.scenarios.run(body)
    except AppError as exc:
        details = [f"{e.field}: {e.message}" for e in getattr(exc, "errors", [])]
        return {
            "passed": False,
            "status": "",
            "case_number": "",
            "failures": [exc.message, *details],
        }
    except Exception as exc:  # noqa: BLE001 - a broken scenario fails, the run goes on
        return {
            "passed": False,
            "status": "",
            "case_number": "",
            "failures": [f"{type(exc).__name__}: {exc}"],
        }
    return result.to_json()


def run(workdir: Path) -> dict[str, Any]:
    request = json.loads((workdir / "request.json").read_text(encoding="utf-8"))
    with throwaway_backoffice(
        workdir,
        Path(request["processes_dir"]),
        Path(request["forms_dir"]),
        request["overrides"],
    ) as backoffice:
        results = []
        for item in request["scenarios"]:
            outcome = run_scenario(backoffice, item["body"])
            results.append({"name": item["name"], "source": item.get("source", ""), **outcome})
        return {"results": results}


def main(argv: list[str]) -> int:
    from app.entrypoints.tuning import tune_collector

    tune_collector()
    workdir = Path(argv[1])
    try:
        answer = run(workdir)
    except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed run
        answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
    (workdir / "result.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return 0 if "results" in answer else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
