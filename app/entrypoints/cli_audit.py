"""Audit commands (contracts §7): verify the hash chain (optionally against an anchor), anchor
its head, and replay cases from their recorded inputs."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.bootstrap import Backoffice
from app.features.audit.chain import AnchorFileError, read_anchor
from app.features.audit.replay import Replayer
from app.kernel.errors import NotFound

audit_cli = AppGroup("audit", help="Audit log: verify, anchor, replay.")


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)


def _backoffice() -> Backoffice:
    backoffice: Backoffice = current_app.extensions["backoffice"]
    return backoffice


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An anchor file from `audit anchor`: the chain must still pass through it.",
)
def audit_verify(anchor_file: Path | None) -> None:
    """Check the hash chain of the whole audit log: `ok N events`, or exit 1 naming the
    first broken event."""
    anchor = None
    if anchor_file is not None:
        try:
            anchor = read_anchor(anchor_file)
        except AnchorFileError as exc:
            raise click.BadParameter(str(exc), param_hint="--anchor") from exc
    report = _backoffice().audit_chain.verify(anchor)
    if not report.ok:
        click.echo(report.describe())
        sys.exit(1)
    click.echo(report.describe())
    if anchor is not None:
        click.echo(
            f"anchor ok: the chain passes through event {anchor.seq} "
            f"anchored {anchor.at.isoformat()}"
        )


@audit_cli.command("anchor")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the anchor (JSON); keep it outside this database's reach.",
)
@click.option("--by", "actor", default="cli", help="Who anchors.")
def audit_anchor(out: Path, actor: str) -> None:
    """Record the chain head (event count, hash, time) and export it to a file."""
    chain = _backoffice().audit_chain
    report = chain.verify()
    if not report.ok:
        click.echo(f"not anchored, the chain is broken: {report.describe()}")
        sys.exit(1)
    anchor = chain.create_anchor(out, actor)
    click.echo(f"anchored event {anchor.seq} {anchor.hash} at {anchor.at.isoformat()} -> {out}")


@audit_cli.command("replay")
@click.argument("case_number", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every case, with a summary.")
def audit_replay(case_number: str | None, replay_all: bool) -> None:
    """Re-execute a case from its recorded inputs on its pinned process versions and compare
    every recorded state: `identical N steps`, or exit 1 with the first divergence."""
    if bool(case_number) == replay_all:
        raise click.UsageError("give either a CASE_NUMBER or --all")
    replayer = Replayer(_backoffice())
    if case_number:
        try:
            result = replayer.replay(case_number)
        except NotFound:
            click.echo(f"no case {case_number}")
            sys.exit(1)
        click.echo(result.line())
        sys.exit(0 if result.identical else 1)
    total = diverged = 0
    for result in replayer.replay_all():
        total += 1
        diverged += 0 if result.identical else 1
        click.echo(f"{result.number}: {result.line()}")
    click.echo(f"replayed {total} cases: {total - diverged} identical, {diverged} diverged")
    sys.exit(1 if diverged else 0)
