"""Exchange commands (issue 16): `exchange keygen --out DIR`, `exchange send`,
`exchange failed` and `exchange retry ID`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.bootstrap import Backoffice
from app.features.exchange import keys
from app.kernel.errors import NotFound

exchange_cli = AppGroup("exchange", help="Signed letters between deployments.")


def register(app: Flask) -> None:
    app.cli.add_command(exchange_cli)


def _backoffice() -> Backoffice:
    backoffice: Backoffice = current_app.extensions["backoffice"]
    return backoffice


@exchange_cli.command("keygen", with_appcontext=False)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for exchange_key.pem (mode 0600; an existing key is never replaced).",
)
def keygen(out: Path) -> None:
    """Write a new Ed25519 private key; print its public key for the peers' directories."""
    try:
        path, public = keys.generate(out)
    except FileExistsError:
        click.echo(f"{out / keys.KEY_FILE} exists: refusing to replace a key peers know", err=True)
        sys.exit(1)
    click.echo(f"private key: {path} (set EXCHANGE_PRIVATE_KEY to it)", err=True)
    click.echo(public)


@exchange_cli.command("send")
def send() -> None:
    """Deliver the letters due now (what the scheduler does every EXCHANGE_POLL_SECONDS)."""
    sent = _backoffice().exchange.sender.send_due()
    click.echo(f"{sent} letter(s) delivered")


@exchange_cli.command("failed")
def failed() -> None:
    """List the letters that could not be delivered."""
    for m in _backoffice().exchange.failed():
        click.echo(
            f"{m.id}\t{m.type}\t{m.transfer_key}\t{m.to_region}\t{m.attempts}\t{m.last_error}"
        )


@exchange_cli.command("retry")
@click.argument("message_id")
@click.option("--actor", default="cli", show_default=True, help="Who retries (audited).")
def retry(message_id: str, actor: str) -> None:
    """Put a failed letter back in the queue with a fresh count of tries."""
    try:
        _backoffice().exchange.resend(message_id, actor)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"{message_id}: pending again")
