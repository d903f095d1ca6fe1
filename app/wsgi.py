"""The WSGI entry point for production servers (gunicorn: `app.wsgi:application`).

Web workers never host the timer scheduler here: in production it runs as its own processes
(`flask --app app scheduler`, deploy/sitransfer-scheduler@.service)."""

from __future__ import annotations

from app.config import Settings
from app.production import build

application = build(Settings.from_env())
