"""Flask CLI commands (contracts §0): init-db, load-demo, calendar, processes, timers, audit."""

from __future__ import annotations

import functools
import importlib
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.features.modeling.calendar import DayEntry, parse_import
from app.features.modeling.deployments import DeploymentRejected
from app.kernel.errors import ValidationFailed


def _backoffice() -> Backoffice:
    backoffice: Backoffice = current_app.extensions["backoffice"]
    return backoffice


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(load_demo)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(processes_cli)
    app.cli.add_command(timers_cli)
    app.cli.add_command(scheduler_command)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    for command in app.cli.commands.values():
        if command.name != "init-db":
            _explain_missing_schema(command)


def _explain_missing_schema(command: click.Command) -> None:
    """A command run before `init-db` says so, instead of a database traceback."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _explain_missing_schema(sub)
        return
    callback = command.callback
    if callback is None:
        return

    @functools.wraps(callback)
    def guarded(*args: object, **kwargs: object) -> object:
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig) if exc.orig is not None else str(exc)
            if "no such table" in text or "does not exist" in text:
                click.echo(
                    "database has no schema yet: run `flask --app app init-db` first", err=True
                )
                sys.exit(2)
            raise

    command.callback = guarded


# Modules with more command groups, each exposing register(app); one line per module.
COMMAND_MODULES = [
    "app.entrypoints.cli_audit",
    "app.entrypoints.cli_api",
    "app.entrypoints.cli_processes",
    "app.entrypoints.cli_scenarios",
    "app.entrypoints.cli_users",
    "app.entrypoints.cli_backup",
    "app.entrypoints.cli_exchange",
]


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the schema and deploy processes/*.bpmn not yet deployed."""
    from app.store.migrate import upgrade

    backoffice = _backoffice()
    upgrade(backoffice.db.url)
    for item in backoffice.deployments.deploy_directory("initial deployment", "init-db"):
        state = "deployed" if item.new else "unchanged"
        click.echo(f"{item.process_id} version {item.version} {item.sha256} ({state})")


@click.command("load-demo")
def load_demo() -> None:
    """Demo users (one per role and region) and demo cases in every stage."""
    from app.entrypoints.demo import load

    for line in load(_backoffice()):
        click.echo(line)


calendar_cli = AppGroup("calendar", help="Working-day calendar overrides.")


@calendar_cli.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["work", "rest"]))
@click.option(
    "--note", required=True, help="The notice that decreed it (e.g. 国办发明电〔2026〕x号)."
)
def calendar_set(day: str, kind: str, note: str) -> None:
    """Mark DAY as a working day (work) or a rest day (rest)."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {day}", param_hint="DAY") from None
    backoffice = _backoffice()
    backoffice.calendar.set_days([DayEntry(parsed, kind == "work", note)], actor="cli")
    changed = backoffice.cases.recompute_provisional(Actor("cli", "admin"))
    click.echo(f"{parsed.isoformat()} {kind}; {changed} provisional deadline(s) recomputed")


@calendar_cli.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """List the holidays, make-up working days and overrides of YEAR."""
    loaded = _backoffice().working_calendar.is_year_loaded(year)
    click.echo(
        f"{year}: {'loaded' if loaded else 'NOT LOADED (deadlines in this year are provisional)'}"
    )
    for day, is_work, source, note in _backoffice().calendar.year(year):
        label = "work" if is_work else "rest"
        click.echo(f"{day.isoformat()} {day.strftime('%a')} {label} {source} {note}".rstrip())


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(file: Path) -> None:
    """Import overrides from CSV (date,kind,note) or JSON; all or nothing."""
    try:
        entries = parse_import(file)
    except ValidationFailed as exc:
        for error in exc.errors:
            click.echo(f"{file}: {error.field}: {error.message}", err=True)
        sys.exit(1)
    backoffice = _backoffice()
    backoffice.calendar.set_days(entries, actor="cli")
    changed = backoffice.cases.recompute_provisional(Actor("cli", "admin"))
    click.echo(f"imported {len(entries)} day(s); {changed} provisional deadline(s) recomputed")


processes_cli = AppGroup("processes", help="Validate and deploy BPMN process files.")


@processes_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def processes_validate(files: tuple[Path, ...]) -> None:
    """Exit 0 when valid; else one line per problem: FILE:LINE: element-id: message."""
    problems = _backoffice().deployments.validate(list(files))
    for problem in problems:
        click.echo(str(problem))
    sys.exit(1 if problems else 0)


@processes_cli.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--note", required=True, help="Why this version is deployed.")
@click.option("--by", "actor", default="cli", help="Who deploys it.")
def processes_deploy(files: tuple[Path, ...], note: str, actor: str) -> None:
    """Validate and store new immutable versions; prints `process-id version N sha256`."""
    try:
        results = _backoffice().deployments.deploy(list(files), note, actor)
    except DeploymentRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        sys.exit(1)
    for item in results:
        click.echo(f"{item.process_id} version {item.version} {item.sha256}")


timers_cli = AppGroup("timers", help="Timer events.")


@timers_cli.command("fire")
def timers_fire() -> None:
    """Fire every timer that is due now (what the scheduler does)."""
    click.echo(f"fired {_backoffice().cases.fire_due_timers()} timer(s)")


@click.command("scheduler")
@click.option("--metrics-port", type=int, default=None, help="serve /metrics on this port")
def scheduler_command(metrics_port: int | None) -> None:
    """Run a timer scheduler alone (any number may run; web workers then use SCHEDULER=off)."""
    from app.entrypoints import scheduler_daemon

    click.echo("scheduler running; Ctrl-C or SIGTERM to stop")
    scheduler_daemon.run(_backoffice(), metrics_port)
