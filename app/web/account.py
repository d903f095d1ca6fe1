"""修改密码: a staff member's own password; after an administrator's reset the password session
reaches nothing else until it is changed (bearer-token API calls are not sessions: unaffected)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.kernel.errors import FieldError, NotFound, ValidationFailed

from .auth import COOKIE, backoffice, current_user, require_roles, safe_next

bp = Blueprint("account", __name__)
# What a must-change session may still reach: this page, signing out, the static files.
ALLOWED = {"account.password", "auth.logout", "auth.login", "static"}


@bp.before_app_request
def _password_first() -> Any:
    user = current_user()
    if user is None or not user.must_change_password:
        return None
    if request.endpoint in ALLOWED or request.path.startswith("/api/"):
        return None
    # 303: a POST elsewhere is not repeated, the browser fetches the page.
    return redirect(url_for("account.password", next=request.full_path.rstrip("?")), 303)


def _errors(errors: list[FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field, []).append(error.message)
    return found


def _page(errors: dict[str, list[str]], status: int = 200) -> Any:
    user = current_user()
    assert user is not None  # behind require_roles
    page = render_template(
        "account/password.html",
        required=user.must_change_password,
        errors=errors,
        next=request.args.get("next", ""),
    )
    return page, status


@bp.route("/account/password", methods=["GET", "POST"])
@require_roles()
def password() -> Any:
    if request.method == "GET":
        return _page({})
    user = current_user()
    assert user is not None
    try:
        backoffice().own_password.change(
            user.id,
            request.cookies.get(COOKIE, ""),
            request.form.get("current_password", ""),
            request.form.get("password", ""),
            request.form.get("password_again", ""),
        )
    except ValidationFailed as exc:
        return _page(_errors(exc.errors), 422)
    except NotFound:
        return redirect(url_for("auth.login"))
    flash("密码已修改；该账号的其他登录会话已结束")
    return redirect(safe_next(request.args.get("next"), user.role))
