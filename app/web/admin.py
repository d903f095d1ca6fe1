"""系统管理: the administrator's accounts page (create, disable/enable, reset a password); every
change goes through AccountAdmin, as `flask users` does, and is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.documents.regions import REGIONS
from app.features.accounts.account_admin import USERNAME, NewAccount
from app.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.kernel.roles import ROLES

from .auth import backoffice, require_roles
from .workspace import user

bp = Blueprint("admin", __name__)
STAFF_ROLES = [(code, role.label) for code, role in ROLES.items() if code != "applicant"]


def _errors(errors: list[FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field.lstrip("/"), []).append(error.message)
    return found


def _page(
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    conflict: str | None = None,
) -> str:
    return render_template(
        "admin/users.html",
        accounts=backoffice().account_admin.list(),
        roles=STAFF_ROLES,
        role_labels=dict(STAFF_ROLES),
        regions=[(code, region.name) for code, region in REGIONS.items()],
        form=form or {},
        errors=_errors(errors or []),
        conflict=conflict,
    )


def _known(username: str) -> str:
    """The account named in the URL, or 404 (also for names no account can have)."""
    if not USERNAME.fullmatch(username) or not backoffice().account_admin.exists(username):
        abort(404)
    return username


@bp.get("/admin/users")
@require_roles("admin")
def users() -> Any:
    return _page()


@bp.post("/admin/users")
@require_roles("admin")
def create() -> Any:
    form = {k: request.form.get(k, "") for k in ("username", "name", "role", "region", "agency")}
    account = NewAccount(
        form["username"].strip(), form["name"], form["role"], form["region"], form["agency"]
    )
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return _page(form, [FieldError("password_again", "两次输入的密码不一致")]), 422
    try:
        backoffice().account_admin.create(account, password, user().username)
    except ValidationFailed as exc:
        return _page(form, exc.errors), 422
    flash(f"已创建账号 {account.username}")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<username>/active")
@require_roles("admin")
def set_active(username: str) -> Any:
    name = _known(username)
    active = request.form.get("active") == "1"
    if not active and name == user().username:
        return _page(conflict="不能停用自己正在使用的账号"), 409
    try:
        backoffice().account_admin.set_active(name, active, user().username)
    except Conflict as exc:
        return _page(conflict=exc.message), 409
    flash(f"已{'启用' if active else '停用'}账号 {name}")
    return redirect(url_for("admin.users"))


@bp.route("/admin/users/<username>/password", methods=["GET", "POST"])
@require_roles("admin")
def reset_password(username: str) -> Any:
    name = _known(username)
    if request.method == "GET":
        return render_template("admin/password.html", username=name, errors={})
    password = request.form.get("password", "")
    problems: list[FieldError] = []
    if password != request.form.get("password_again", ""):
        problems.append(FieldError("password_again", "两次输入的密码不一致"))
    else:
        try:
            backoffice().account_admin.reset_password(name, password, user().username)
        except (ValidationFailed, NotFound) as exc:
            problems = list(getattr(exc, "errors", [])) or [FieldError("password", exc.message)]
    if problems:
        page = render_template("admin/password.html", username=name, errors=_errors(problems))
        return page, 422
    flash(f"已重置账号 {name} 的密码；该账号的登录会话已结束")
    return redirect(url_for("admin.users"))
