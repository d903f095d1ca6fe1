"""Audit commands (contracts §7): verify the hash chain of the audit log."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.services.backoffice import Backoffice

audit_cli = AppGroup("audit", help="Audit log.")


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)


def _backoffice() -> Backoffice:
    backoffice: Backoffice = current_app.extensions["backoffice"]
    return backoffice


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the whole audit log."""
    from app.store.audit_log import verify

    with _backoffice().db.sessions() as session:
        count, problem = verify(session)
    if problem:
        click.echo(f"broken: {problem}")
        sys.exit(1)
    click.echo(f"ok {count} events")
