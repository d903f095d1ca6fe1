"""The WSGI entry point for production servers (gunicorn: `app.entrypoints.wsgi:application`).

Web workers never host the timer scheduler here: in production it runs as its own processes
(`flask --app app scheduler`, deploy/sitransfer-scheduler@.service)."""

from __future__ import annotations

from app.entrypoints.production import build
from app.kernel.config import Settings

application = build(Settings.from_env())
