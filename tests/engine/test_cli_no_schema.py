"""Commands run before init-db explain themselves instead of printing a database traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import settings_for


def test_commands_before_init_db_say_what_to_do(tmp_path: Path, make_app: Any) -> None:
    app = make_app(settings_for(f"sqlite:///{tmp_path / 'empty.db'}"))
    runner = app.test_cli_runner()
    for args in (["audit", "verify"], ["timers", "fire"], ["calendar", "show", "2026"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)
        assert "init-db" in result.output
        assert "Traceback" not in result.output
