"""Backup commands (issue 14 §5): `backup --out FILE` and `restore FILE` for DATABASE_URL."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.bootstrap import Backoffice
from app.features.operations.backup import BackupError, backup, restore


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _backoffice() -> Backoffice:
    backoffice: Backoffice = current_app.extensions["backoffice"]
    return backoffice


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (replaced atomically); keep it off this machine.",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the whole database (SQLite: online backup API; PostgreSQL: pg_dump)."""
    backoffice = _backoffice()
    try:
        # Wall-clock time on purpose: a backup is an operational fact, not a simulated one.
        manifest = backup(backoffice.db.url, out, datetime.now(UTC))
    except BackupError as exc:
        click.echo(f"错误：备份失败：{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"backed up {manifest.kind} ({manifest.size} bytes, sha256 {manifest.sha256}) "
        f"with audit chain head at event {manifest.audit_seq} -> {out}"
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Replace the database with a backup FILE; stop the web workers and schedulers first.
    Checks the file (kind, checksum, contents) before touching anything."""
    backoffice = _backoffice()
    # Nothing of this process may hold the database open while it is replaced.
    backoffice.db.dispose()
    try:
        manifest = restore(backoffice.db.url, file)
    except BackupError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    report = backoffice.audit_chain.verify()
    backoffice.db.dispose()
    click.echo(
        f"restored {manifest.kind} backup of {manifest.created_at} "
        f"(schema {manifest.revision}, audit chain head at event {manifest.audit_seq})"
    )
    click.echo(f"audit chain: {report.describe()}")
    if not report.ok:
        sys.exit(1)
    click.echo("next: `flask --app app audit verify --anchor FILE` with the last anchor exported")
    click.echo("before this backup; `flask --app app init-db` if the schema is older than the code")
