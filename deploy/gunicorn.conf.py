"""gunicorn settings for the back office (`gunicorn --config deploy/gunicorn.conf.py`).

Every value comes from the environment (deploy/sitransfer.env.example lists them):
WEB_CONCURRENCY workers, BIND address, GUNICORN_* tuning. The web workers never run the
timer scheduler; run `flask --app app scheduler` processes beside them."""

from __future__ import annotations

import os

wsgi_app = "app.entrypoints.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
# Sync workers: a request is a short database transaction; 2-4 per CPU core is the usual rule.
# GUNICORN_WORKER_CLASS=gthread with GUNICORN_THREADS keeps a browser's kept-alive connection
# on one worker (its hot cache then holds the clerk's cases); measured against sync on
# PostgreSQL it was neither cheaper nor faster by more than the noise (README, Performance).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# How long an idle kept-alive connection stays with its worker (gunicorn's default is 2 s).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # PDF rendering is the slowest page
graceful_timeout = 30
# A safety net against slow leaks only (issue 14 §4: memory must stay flat by itself); the
# jitter keeps the workers from recycling all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Access log to stdout (journald under systemd): client, request line, status, size, time.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Each worker builds its own app (no preload): database pools are never shared across fork.
preload_app = False
# X-Forwarded-Proto from the proxy in front (TRUSTED_PROXIES) decides https; gunicorn itself
# trusts only local proxies for it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn >= 25 opens a control socket at one fixed path per user ($HOME/.gunicorn): two
# servers of one user would fight over it, and systemd already manages the process.
control_socket_disable = True


def on_starting(server):  # type: ignore[no-untyped-def]
    """In the master, before any worker: settle the settings once (a generated SECRET_KEY file
    written by one process, not raced by every worker) and say how to create the first
    administrator if there is none. Demo users are never created here. With
    PROMETHEUS_MULTIPROC_DIR, that directory is emptied of an earlier run's figures."""
    from app.entrypoints import metrics_dir
    from app.entrypoints.cli_users import hint_first_admin
    from app.kernel.config import Settings
    from app.store.db import Database

    multiproc = metrics_dir.configured()
    if multiproc is not None:
        metrics_dir.prepare(multiproc)
    settings = Settings.from_env()
    db = Database(settings.database_url)
    try:
        hint_first_admin(db)
    finally:
        db.dispose()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """In the master, when a worker has gone (whatever the cause): prometheus_client's
    bookkeeping for a dead process in multiprocess mode."""
    from app.entrypoints import metrics_dir

    multiproc = metrics_dir.configured()
    if multiproc is not None:
        metrics_dir.worker_exited(worker.pid, multiproc)
