"""`flask scenarios run FILE... [--json]` (contracts §9): each scenario file through the current
diagrams in its own throwaway database; exit 0 when every expectation holds."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.bootstrap import Backoffice
from app.entrypoints.draft_sandbox import run_scenario, throwaway_backoffice
from app.features.modeling.policy_scenarios import ScenarioLibrary, check_scenario

scenarios_cli = AppGroup("scenarios", help="Scenario files: procedures checked as data.")


def register(app: Flask) -> None:
    app.cli.add_command(scenarios_cli)


def _live_overrides(backoffice: Backoffice) -> list[list[Any]]:
    """The live calendar overrides, so scenarios count working days as the deployment does;
    none when the live database has no schema yet (a fresh clone)."""
    try:
        return ScenarioLibrary(backoffice.db, backoffice.clock).overrides()
    except (OperationalError, ProgrammingError):
        return []


def _read(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [f"cannot read scenario: {exc}"]
    problems = [f"{e.field}: {e.message}" for e in check_scenario(body)]
    return (body if not problems else None), problems


def run_file(path: Path, backoffice: Backoffice, overrides: list[list[Any]]) -> dict[str, Any]:
    """One file's outcome as the JSON line of contracts §9."""
    body, problems = _read(path)
    if body is None:
        return {"file": str(path), "name": path.stem, "passed": False, "failures": problems}
    settings = backoffice.settings
    with (
        tempfile.TemporaryDirectory(prefix="scenario-") as work,
        throwaway_backoffice(
            Path(work), settings.processes_dir, settings.forms_dir, overrides
        ) as sandbox,
    ):
        outcome = run_scenario(sandbox, body)
    return {"file": str(path), "name": body.get("name") or path.stem, **outcome}


@scenarios_cli.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line and file.")
def scenarios_run(files: tuple[Path, ...], as_json: bool) -> None:
    """Run each scenario FILE in a fresh throwaway database on the current diagrams."""
    backoffice: Backoffice = current_app.extensions["backoffice"]
    overrides = _live_overrides(backoffice)
    failed = 0
    for path in files:
        outcome = run_file(path, backoffice, overrides)
        failed += not outcome["passed"]
        if as_json:
            click.echo(json.dumps(outcome, ensure_ascii=False))
            continue
        click.echo(f"{'ok  ' if outcome['passed'] else 'FAIL'} {path}: {outcome['name']}")
        for failure in outcome["failures"]:
            click.echo(f"     {failure}")
    if not as_json:
        click.echo(f"{len(files) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
