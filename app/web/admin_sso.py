"""系统管理 · 统一身份认证关联: the administrator links a staff account to the subject (`sub`)
the OIDC provider gives the person, or removes the link; as `flask users link-sso` does, audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.features.accounts.account_admin import USERNAME
from app.kernel.errors import Conflict, NotFound, ValidationFailed

from .auth import backoffice, require_roles
from .workspace import user

bp = Blueprint("admin_sso", __name__)


def _page(username: str, subject: str, error: str = "", status: int = 200) -> Any:
    page = render_template(
        "admin/sso.html",
        username=username,
        subject=subject,
        error=error,
        sso_on=backoffice().settings.oidc is not None,
    )
    return page, status


@bp.route("/admin/users/<username>/sso", methods=["GET", "POST"])
@require_roles("admin")
def edit(username: str) -> Any:
    if not USERNAME.fullmatch(username):
        abort(404)
    sso = backoffice().sso
    try:
        link = sso.link_of(username)
    except NotFound:
        abort(404)
    if request.method == "GET":
        return _page(username, link.subject or "")
    subject = request.form.get("subject", "")
    try:
        if subject:
            sso.link(username, subject, user().username)
            flash(f"已将账号 {username} 关联到统一身份认证标识 {subject}")
        elif link.subject is not None:
            sso.unlink(username, user().username)
            flash(f"已取消账号 {username} 的统一身份认证关联")
    except ValidationFailed as exc:
        return _page(username, subject, exc.errors[0].message, 422)
    except Conflict as exc:
        return _page(username, subject, exc.message, 409)
    return redirect(url_for("admin.users"))
