"""Staff account commands: `users create|disable|enable|reset-password|list` (issue 14 §9)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.features.accounts.account_admin import (
    STAFF_ROLES,
    AccountAdmin,
    NewAccount,
    first_admin_hint,
)
from app.features.accounts.password_policy import MIN_LENGTH, password_problems
from app.kernel.errors import AppError, ValidationFailed
from app.store.db import Database

users_cli = AppGroup(
    "users",
    help="Staff accounts: create, disable, enable, reset-password, link-sso, unlink-sso, list.",
)
T = TypeVar("T")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)


def _admin() -> AccountAdmin:
    office = current_app.extensions["backoffice"]
    return office.account_admin


def _or_exit(action: Callable[[], T]) -> T:
    """Run a use case; a refusal prints its reasons (field: message) and exits 1."""
    try:
        return action()
    except ValidationFailed as exc:
        click.echo(exc.message, err=True)
        for error in exc.errors:
            click.echo(f"  {error.field}: {error.message}", err=True)
    except AppError as exc:
        click.echo(exc.message, err=True)
    sys.exit(1)


def _password(username: str, from_stdin: bool) -> str:
    """Asked twice, hidden (or one line from stdin for scripts); checked before anything is
    written, and asked again at the terminal while it does not satisfy the policy."""
    while True:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt(
                f"Password / 密码（至少 {MIN_LENGTH} 个字符）",
                hide_input=True,
                confirmation_prompt="Repeat / 再次输入",
            )
        problems = password_problems(password, username)
        if not problems:
            return password
        for error in problems:
            click.echo(f"  {error.field}: {error.message}", err=True)
        if from_stdin:
            click.echo("密码不符合要求，未做任何更改", err=True)
            sys.exit(1)


_by = click.option("--by", "actor", default="cli", help="Who does it (recorded in the audit log).")
_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 张三.")
@click.option("--role", required=True, help=f"One of: {', '.join(STAFF_ROLES)}.")
@click.option("--region", required=True, help="6-digit region code of the clerk's agency.")
@click.option("--agency", default="", help="Agency name (default: region name + role's agency).")
@_stdin
@_by
def users_create(
    username: str,
    display_name: str,
    role: str,
    region: str,
    agency: str,
    password_stdin: bool,
    actor: str,
) -> None:
    """Create a staff account; the password is asked for (twice, hidden)."""
    admin = _admin()
    account = NewAccount(username, display_name, role, region, agency)
    _or_exit(lambda: admin.check_new(account))
    password = _password(username, password_stdin)
    info = _or_exit(lambda: admin.create(account, password, actor))
    click.echo(f"created {info.username} ({info.role}, {info.region}, {info.agency})")


@users_cli.command("disable")
@click.argument("username")
@_by
def users_disable(username: str, actor: str) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end now."""
    info = _or_exit(lambda: _admin().set_active(username, False, actor))
    click.echo(f"disabled {info.username}")


@users_cli.command("enable")
@click.argument("username")
@_by
def users_enable(username: str, actor: str) -> None:
    """Enable a disabled account again."""
    info = _or_exit(lambda: _admin().set_active(username, True, actor))
    click.echo(f"enabled {info.username}")


@users_cli.command("reset-password")
@click.argument("username")
@_stdin
@_by
def users_reset_password(username: str, password_stdin: bool, actor: str) -> None:
    """Set a new password (asked for twice, hidden); the account's sessions end and its next
    password sign-in must change it."""
    admin = _admin()
    if not admin.exists(username):
        click.echo(f"账号 {username} 不存在，未做任何更改", err=True)
        sys.exit(1)
    password = _password(username, password_stdin)
    _or_exit(lambda: admin.reset_password(username, password, actor))
    click.echo(f"password of {username} reset; its sessions have ended")


@users_cli.command("link-sso")
@click.argument("username")
@click.argument("subject")
@_by
def users_link_sso(username: str, subject: str, actor: str) -> None:
    """Let the person whose OIDC subject (`sub`) is SUBJECT sign in to USERNAME by single
    sign-on (one account per subject; replaces the account's earlier link)."""
    office = current_app.extensions["backoffice"]
    link = _or_exit(lambda: office.sso.link(username, subject, actor))
    click.echo(f"linked {link.username} to sso subject {link.subject}")


@users_cli.command("unlink-sso")
@click.argument("username")
@_by
def users_unlink_sso(username: str, actor: str) -> None:
    """USERNAME can no longer be signed in to by single sign-on."""
    office = current_app.extensions["backoffice"]
    link = _or_exit(lambda: office.sso.unlink(username, actor))
    click.echo(f"unlinked {link.username} from single sign-on")


@users_cli.command("list")
def users_list() -> None:
    """Every staff account: username, role, region, state, agency, name (tab-separated)."""
    for info in _admin().list():
        state = "active" if info.active else "disabled"
        click.echo(
            f"{info.username}\t{info.role}\t{info.region}\t{state}\t{info.agency}\t"
            f"{info.display_name}"
        )


def hint_first_admin(db: Database) -> None:
    """On `flask run` (and gunicorn's start): say how to create the first administrator when
    there is none. Before `init-db` there is no table to ask; that is said elsewhere."""
    try:
        hint = first_admin_hint(db)
    except (OperationalError, ProgrammingError):
        return
    if hint:
        click.echo(hint, err=True)
