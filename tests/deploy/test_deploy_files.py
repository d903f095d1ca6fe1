"""deploy/: the example environment lists every setting with its real default, and the systemd
units are valid and run what the README says (gunicorn with the config; the scheduler command)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from app.kernel.config import ROOT, Settings

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "sitransfer.env.example"
READ = re.compile(r'(?:os\.environ\.get|_flag)\(\s*"([A-Z][A-Z0-9_]*)"')


def _names(path: Path) -> set[str]:
    return set(READ.findall(path.read_text(encoding="utf-8")))


def _example() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = (line.lstrip("#").split("=", 1) for line in lines if re.match(r"#?[A-Z_]+=", line))
    return {name: value for name, value in pairs}


def test_every_setting_is_in_the_example_environment_and_the_readme() -> None:
    names = _names(ROOT / "app" / "kernel" / "config.py") | _names(DEPLOY / "gunicorn.conf.py")
    assert {"DATABASE_URL", "WEB_CONCURRENCY", "BIND", "LOGIN_MAX_FAILURES"} <= names
    assert sorted(names - set(_example())) == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_the_example_states_the_real_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # A commented-out line states the default; an active line is a choice for production.
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    example = dict(line[1:].split("=", 1) for line in lines if re.match(r"#[A-Z_]+=", line))
    for name in _example():
        monkeypatch.delenv(name, raising=False)
    defaults = Settings.from_env()
    checked = 0
    for field in fields(Settings):
        value = getattr(defaults, field.name)
        written = example.get(field.name.upper())
        if written is None or not isinstance(value, bool | int | float):
            continue  # paths, URLs and keys are examples, not defaults
        parsed = written in {"1", "true"} if isinstance(value, bool) else type(value)(written)
        assert parsed == value, f"{field.name.upper()}: example {written}, default {value}"
        checked += 1
    assert checked >= 10


def test_the_units_run_gunicorn_with_the_config_and_the_scheduler_command() -> None:
    web = (DEPLOY / "sitransfer-web.service").read_text(encoding="utf-8")
    scheduler = (DEPLOY / "sitransfer-scheduler@.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/sitransfer/.venv/bin/gunicorn --config deploy/gunicorn.conf.py" in web
    assert "ExecStart=/opt/sitransfer/.venv/bin/flask --app app scheduler" in scheduler
    for unit in (web, scheduler):
        assert "EnvironmentFile=/etc/sitransfer/sitransfer.env" in unit
    assert "load-demo" not in web + scheduler


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("unit", ["sitransfer-web.service", "sitransfer-scheduler@.service"])
def test_systemd_accepts_the_units(unit: str) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The programs live in /opt/sitransfer only once installed; anything else is a unit error.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert problems == []
