"""The Flask application factory: settings, the runtime, blueprints, CLI and the in-process scheduler."""

from __future__ import annotations

import atexit
import logging
from typing import Any

import click
from flask import Flask

from app.bootstrap import Backoffice
from app.entrypoints.tuning import tune_collector
from app.features.exchange.receiver import MessageHandler
from app.kernel.clock import Clock
from app.kernel.config import Settings


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    exchange_handler: MessageHandler | None = None,
    **overrides: Any,
) -> Flask:
    tune_collector()  # process-wide: the entry point's business, not a runtime's
    settings = settings or Settings.from_env()
    app = Flask("app", template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SIMULATION=settings.simulation,
        COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        FOUR_EYES=settings.four_eyes,
        SESSION_IDLE_MINUTES=settings.session_idle_minutes,
        WORKLIST_WARN_DAYS_LEFT=settings.worklist_warn_days_left,
        PORTAL_APPLICATIONS_PER_HOUR=settings.portal_applications_per_hour,
        WORKLIST_WARN_USED_RATIO=settings.worklist_warn_used_ratio,
        MAX_CONTENT_LENGTH=settings.max_content_length,
    )
    app.config.update(overrides)
    settings.simulation = bool(app.config["SIMULATION"])
    backoffice = Backoffice(settings, clock=clock, exchange_handler=exchange_handler)
    app.extensions["backoffice"] = backoffice

    from app.web import register as register_web

    register_web(app)

    from app.entrypoints.cli import register as register_cli

    register_cli(app)

    if _serving():
        from app.entrypoints.cli_users import hint_first_admin

        hint_first_admin(backoffice.db)
    if settings.scheduler and _serving():
        _start_scheduler(app, backoffice)
    return app


def _serving() -> bool:
    """Only the `run` command hosts the scheduler; init-db, load-demo etc. must not."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name == "run"


def _start_scheduler(app: Flask, backoffice: Backoffice) -> None:
    from app.entrypoints.scheduler import TimerScheduler

    logging.getLogger("app").setLevel(logging.INFO)
    scheduler = TimerScheduler(backoffice)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    atexit.register(scheduler.shutdown)
