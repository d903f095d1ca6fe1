"""Sign-in, sign-out and the access checks every staff page uses (roles, regions, CSRF)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.bootstrap import Backoffice
from app.features.accounts.accounts import SignedIn
from app.features.accounts.login_throttle import SignInThrottled

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
COOKIE = "sit_session"


def backoffice() -> Backoffice:
    office: Backoffice = current_app.extensions["backoffice"]
    return office


def current_user() -> SignedIn | None:
    user: SignedIn | None = g.get("user")
    return user


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    # SESSION_IDLE_MINUTES: a session unused this long is ended (default 30).
    office: Backoffice = app.extensions["backoffice"]
    office.accounts.idle_timeout = timedelta(
        minutes=int(app.config.get("SESSION_IDLE_MINUTES", 30))
    )
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")

    @app.before_request
    def _load_user() -> None:
        g.user = backoffice().accounts.current(request.cookies.get(COOKIE))

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": g.get("user")}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_template(
            "error.html", error=_Message("页面已过期或缺少安全令牌，请刷新页面后重试。")
        ), 400

    @app.errorhandler(403)
    def _forbidden(exc: Any):
        return render_template("error.html", error=_Message("无权访问该页面或办理该事项。")), 403

    @app.errorhandler(404)
    def _not_found(exc: Any):
        return render_template("error.html", error=_Message("页面或办件不存在。")), 404


class _Message:
    def __init__(self, message: str) -> None:
        self.message = message
        self.errors: list[Any] = []


def require_roles(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in staff with one of these roles (none given: any staff role). Anything else is
    403 and an audit event. An expired session on a POST keeps the typed input for after sign-in."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.method == "POST":
                    form = {k: request.form.getlist(k) for k in request.form if k != "csrf_token"}
                    session["stashed_form"] = {"path": request.path, "form": form}
                    flash("登录已超时，请重新登录；您填写的内容已保留。")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                backoffice().accounts.record_denied(user, request.path, f"role {user.role}")
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def stashed_form(path: str) -> dict[str, list[str]] | None:
    """The input a user typed before their session expired, once, for the same page."""
    stash = session.get("stashed_form")
    if stash and stash.get("path") == path:
        session.pop("stashed_form", None)
        form: dict[str, list[str]] = stash.get("form", {})
        return form
    return None


def safe_next(target: str | None, role: str = "") -> str:
    return _safe_next(target, role)


def _safe_next(target: str | None, role: str = "") -> str:
    # Only local paths: an open redirect would let a phishing link bounce through us.
    if not target or urlparse(target).netloc or not target.startswith("/"):
        return landing_page(role)
    return target


# Roles whose own pages are not the workspace's: the auditor's search, the policy workbench.
LANDING_ENDPOINTS = {"auditor": "audit.index", "policy_staff": "modeler.index"}


def landing_page(role: str) -> str:
    """Where a role lands after signing in: its own page, never a generic home."""
    from .workspace import workspace_url  # the workspace pages import this module

    if role in LANDING_ENDPOINTS:
        return url_for(LANDING_ENDPOINTS[role])
    return workspace_url(role) or url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        try:
            result = backoffice().accounts.sign_in(username, password, request.remote_addr or "")
        except SignInThrottled as exc:
            return render_template("login.html", error=exc.message), exc.status
        if result is None:
            error = "用户名或密码不正确"
        else:
            token, user = result
            return signed_in_response(token, user, request.args.get("next"))
    return render_template("login.html", error=error), (401 if error else 200)


def signed_in_response(token: str, user: SignedIn, target: str | None) -> Any:
    """The redirect after a sign-in (password or SSO) carrying the session cookie; a password
    that an administrator reset leads to the change-password page first."""
    if user.must_change_password:
        target = url_for("account.password", next=_safe_next(target, user.role))
    response = redirect(_safe_next(target, user.role))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("COOKIE_SECURE", True),
    )
    return response


@bp.post("/logout")
def logout():
    backoffice().accounts.sign_out(request.cookies.get(COOKIE))
    response = redirect(url_for("auth.login"))
    response.delete_cookie(COOKIE)
    return response
