"""Where a user-task completion's time goes (`python -m bench.completion_profile`).

The clerk UI's three requests of a completion (GET the task page, POST the form, GET the
page the redirect names) run in process through Flask's test client (no network), over the
HTTP bench's cases and lanes: the first half unprofiled (CPU time per completion, the real
cost), the second half under cProfile. Prints one JSON object: milliseconds per
completion spent in each part under the profiler (inclusive times; the parts are named after the functions
measured, and nested parts are listed under their parent)."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from app import create_app
from app.kernel.config import Settings
from bench.http_bench import CSRF, PASSWORD, Lane, postgres_database, prepare

PER_LANE = 85
WARMUP = 5
# (label, file suffix, function name, only when called by): inclusive time, per completion.
PARTS = (
    ("whole request (Flask wsgi_app)", "flask/app.py", "wsgi_app"),
    ("signed-in user lookup (before_request)", "accounts/accounts.py", "current"),
    ("CSRF check", "flask_wtf/csrf.py", "protect"),
    ("task page: render (GET + redirect GET)", "web/clerk.py", "_render_task"),
    ("  case view: task row", "cases/view.py", "task"),
    ("  case view: page data (rows + workflow)", "cases/view.py", "task_page"),
    ("    case data from the hot workflow (cache hit)", "engine/host.py", "case_data"),
    ("    case data from the stored parts (cache miss)", "engine/stored_data.py", "case_data"),
    ("    steps (audit events, timers)", "cases/view.py", "_steps"),
    ("    documents offered on the page", "cases/view.py", "documents"),
    ("  templates (Jinja render)", "flask/templating.py", "render_template"),
    ("  form fields from the schema", "web/schema_form.py", "fields"),
    ("POST: parse and validate the form", "web/schema_form.py", "validate"),
    ("complete_task (use case, one transaction)", "cases/service.py", "complete_task"),
    ("  load the workflow (cache or restore)", "cases/repository.py", "load", "complete_task"),
    ("  engine: complete the user task and run on", "engine/host.py", "complete_user_task"),
    ("  persist: rows, state parts, audit", "cases/repository.py", "save"),
    ("  commit", "sqlalchemy/engine/base.py", "commit"),
    ("flash message and redirect", "flask/helpers.py", "flash"),
)


def _session_cookie_login(client: Any, user: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    answer = client.post(
        "/login",
        data={
            "username": user,
            "password": PASSWORD,
            "csrf_token": token.group(1) if token else "",
        },
    )
    assert answer.status_code == 302, f"sign-in of {user}: {answer.status_code}"


def _complete(client: Any, lane: Lane, task_id: int) -> None:
    path = f"/tasks/{task_id}"
    page = client.get(path)
    assert page.status_code == 200
    token = CSRF.search(page.get_data(as_text=True))
    assert token
    answer = client.post(path, data={**lane.fields, "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    assert client.get(answer.headers["Location"]).status_code == 200


def _inclusive(stats: pstats.Stats) -> dict[str, float]:
    found: dict[str, float] = {}
    rows = stats.stats.items()  # type: ignore[attr-defined]
    for label, suffix, wanted, *caller in PARTS:
        for (filename, _line, name), row in rows:
            if name != wanted or not filename.replace("\\", "/").endswith(suffix):
                continue
            if caller:  # only the time spent under that caller
                found[label] = found.get(label, 0.0) + sum(
                    times[3] for (_f, _l, by), times in row[4].items() if by == caller[0]
                )
            else:
                found[label] = found.get(label, 0.0) + row[3]
    return found


def run() -> dict[str, Any]:
    """On SQLite in a temporary folder, or with BENCH_POSTGRES_URL on a fresh PostgreSQL
    database beside it (the production set-up's database code paths)."""
    admin_url = os.environ.get("BENCH_POSTGRES_URL")
    if admin_url:
        with postgres_database(admin_url) as url:
            return {"database": "postgresql", **profile(url)}
    folder = tempfile.mkdtemp(prefix="bench-profile-")
    try:
        return {"database": "sqlite", **profile(f"sqlite:///{Path(folder) / 'profile.db'}")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def profile(url: str) -> dict[str, Any]:
    lanes = prepare(url, PER_LANE)
    settings = Settings(database_url=url, scheduler=False, secret_key="bench", cookie_secure=False)
    app = create_app(settings)
    clients = {}
    for lane in lanes:
        clients[lane.user] = app.test_client()
        _session_cookie_login(clients[lane.user], lane.user)
    for lane in lanes:
        for task_id in lane.tasks[:WARMUP]:
            _complete(clients[lane.user], lane, task_id)
    half = (WARMUP + PER_LANE) // 2
    cpu = time.process_time()
    for index in range(WARMUP, half):  # unprofiled: the real cost
        for lane in lanes:
            _complete(clients[lane.user], lane, lane.tasks[index])
    cpu = (time.process_time() - cpu) / ((half - WARMUP) * len(lanes))
    # CPU time, not wall time: on a shared host preemption would land on whatever ran.
    profiler = cProfile.Profile(time.process_time)
    count = 0
    started = time.perf_counter()
    profiler.enable()
    for index in range(half, PER_LANE):
        for lane in lanes:  # interleaved, as the four clients' requests arrive
            _complete(clients[lane.user], lane, lane.tasks[index])
            count += 1
    profiler.disable()
    wall = time.perf_counter() - started
    app.extensions["backoffice"].close()
    if os.environ.get("BENCH_PROFILE_OUT"):  # the raw profile, for pstats or snakeviz
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    found = _inclusive(pstats.Stats(profiler))
    breakdown = {label: round(found.get(label, 0.0) * 1000 / count, 2) for label, *_ in PARTS}
    return {
        "cpu_ms_per_completion": round(cpu * 1000, 2),
        "completions_profiled": count,
        "ms_per_completion_profiled": round(wall * 1000 / count, 2),
        "breakdown_ms": breakdown,
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1), flush=True)
