"""API token commands (contracts §0): `api-token create NAME` prints the token on its last line."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.features.accounts.api_tokens import ApiTokenService
from app.kernel.errors import AppError

api_token_cli = AppGroup("api-token", help="Bearer tokens of integration clients.")


def register(app: Flask) -> None:
    app.cli.add_command(api_token_cli)


def _tokens() -> ApiTokenService:
    return current_app.extensions["backoffice"].api_tokens


@api_token_cli.command("create")
@click.argument("name")
@click.option("--by", "actor", default="cli", help="Who creates it (recorded in the audit log).")
def token_create(name: str, actor: str) -> None:
    """Create a token for client NAME; the token is the last line (shown only once)."""
    try:
        token = _tokens().create(name, actor)
    except AppError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"token for {name.strip()} (store it now; only its hash is kept):")
    click.echo(token)


@api_token_cli.command("revoke")
@click.argument("name")
@click.option("--by", "actor", default="cli", help="Who revokes it (recorded in the audit log).")
def token_revoke(name: str, actor: str) -> None:
    """Revoke the token of client NAME; requests with it get 401 from now on."""
    try:
        count = _tokens().revoke(name, actor)
    except AppError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"revoked {count} token(s) of {name}")


@api_token_cli.command("list")
def token_list() -> None:
    """Every client with its token's dates (never the token)."""
    for info in _tokens().list():
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        used = f"{info.last_used_at:%Y-%m-%d %H:%M}" if info.last_used_at else "never"
        click.echo(
            f"{info.name}\tcreated {info.created_at:%Y-%m-%d %H:%M}\tlast used {used}\t{state}"
        )
