"""Runs test scenarios against a draft in a separate process with a throwaway SQLite database.

A separate process, not just a separate database: a scenario freezes and moves the app clock,
and building a Backoffice re-points the working-day calendar and the limits table, all of
which are process-wide. Doing that inside the web server would move the live clock (and the
live scheduler with it). Usage: python -m app.services.draft_sandbox WORKDIR, where WORKDIR
holds request.json ({"processes_dir", "forms_dir", "overrides": [[day, is_work, note]],
"scenarios": [{"name", "source", "body"}]}); the answer is written to WORKDIR/result.json.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Any


def run(workdir: Path) -> dict[str, Any]:
    from app.config import Settings
    from app.errors import AppError
    from app.services.backoffice import Backoffice
    from app.services.calendar import DayEntry
    from app.store.migrate import upgrade

    request = json.loads((workdir / "request.json").read_text(encoding="utf-8"))
    url = f"sqlite:///{workdir / 'sandbox.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        simulation=True,
        scheduler=False,
        secret_key="sandbox",
        processes_dir=Path(request["processes_dir"]),
        forms_dir=Path(request["forms_dir"]),
    )
    backoffice = Backoffice(settings)
    try:
        overrides = [
            DayEntry(date.fromisoformat(d), bool(w), n) for d, w, n in request["overrides"]
        ]
        if overrides:
            backoffice.calendar.set_days(overrides, actor="sandbox")
        backoffice.deployments.deploy_directory("draft under test", "sandbox")
        results = []
        for item in request["scenarios"]:
            outcome = {"name": item["name"], "source": item.get("source", "")}
            try:
                result = backoffice.scenarios.run(item["body"])
            except AppError as exc:
                details = [f"{e.field}: {e.message}" for e in getattr(exc, "errors", [])]
                outcome.update(passed=False, status="", case_number="")
                outcome["failures"] = [exc.message, *details]
            except Exception as exc:  # noqa: BLE001 - a broken scenario fails, the run goes on
                outcome.update(passed=False, status="", case_number="")
                outcome["failures"] = [f"{type(exc).__name__}: {exc}"]
            else:
                outcome.update(
                    passed=result.passed,
                    status=result.status,
                    case_number=result.case_number,
                    failures=list(result.failures),
                )
            results.append(outcome)
        return {"results": results}
    finally:
        backoffice.close()


def main(argv: list[str]) -> int:
    workdir = Path(argv[1])
    try:
        answer = run(workdir)
    except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed run
        answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
    (workdir / "result.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return 0 if "results" in answer else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
