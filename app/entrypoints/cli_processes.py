"""More `processes` commands: list versions, diff two versions, migrate running cases."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.features.modeling.drafts import ModelingService
from app.features.modeling.migration import MigrationService
from app.kernel.errors import AppError


def register(app: Flask) -> None:
    from app.entrypoints.cli import processes_cli

    processes_cli.add_command(versions_command)
    processes_cli.add_command(diff_command)
    processes_cli.add_command(migrate_command)


def _modeling() -> ModelingService:
    return ModelingService.for_backoffice(current_app.extensions["backoffice"])


@click.command("versions")
@with_appcontext
@click.argument("process_id")
def versions_command(process_id: str) -> None:
    """List the deployed versions of PROCESS_ID: version, when, who, sha256, note."""
    page = _modeling().versions(process_id, per_page=1000)
    if not page.items:
        click.echo(f"{process_id}: no deployed version", err=True)
        sys.exit(1)
    for v in page.items:
        click.echo(
            f"{v.process_id} version {v.version} {v.deployed_at.isoformat()} "
            f"{v.deployed_by} {v.sha256} {v.note}"
        )


@click.command("diff")
@with_appcontext
@click.argument("process_id")
@click.argument("old", type=int)
@click.argument("new", type=int)
def diff_command(process_id: str, old: int, new: int) -> None:
    """Elements added (+), removed (-) and changed (~) from version OLD to NEW."""
    try:
        changes = _modeling().diff(process_id, old, new)
    except AppError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    for line in changes.lines() or ["no element changed"]:
        click.echo(line)


@click.command("migrate")
@with_appcontext
@click.argument("process_id")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option("--dry-run", is_flag=True, help="Only report what would happen.")
@click.option("--by", "actor", default="cli", help="Who migrates (recorded in the audit log).")
def migrate_command(process_id: str, old: int, new: int, dry_run: bool, actor: str) -> None:
    """Move running cases of PROCESS_ID from version OLD to NEW where it is safe.

    Prints one line per case (`CASE migrated|safe|refused: details`) and a summary; exits 1
    when any case was refused."""
    service = MigrationService(current_app.extensions["backoffice"])
    try:
        if dry_run:
            report = service.plan(process_id, old, new)
        else:
            report = service.migrate(process_id, old, new, actor)
    except AppError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    for item in report.items:
        if not item.safe:
            click.echo(f"{item.case_number} refused: {'; '.join(item.reasons)}")
        else:
            outcome = "migrated" if item.migrated else "safe"
            click.echo(
                f"{item.case_number} {outcome}: {'; '.join(item.changes) or 'no visible change'}"
            )
    done = f"{report.safe} safe" if dry_run else f"{report.migrated} migrated"
    click.echo(f"{len(report.items)} running case(s): {done}, {report.refused} refused")
    sys.exit(1 if report.refused else 0)
