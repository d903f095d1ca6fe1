"""`flask scenarios run` (contracts §9): every scenario file of the suite passes, and the runner
fails a scenario whose expectations or refusals do not hold."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import settings_for

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))
KEYS = [
    "file", "name", "passed", "failures", "case_number", "status", "decision", "reasons",
    "results", "open_tasks", "timers", "events", "documents",
]  # fmt: skip


@pytest.fixture
def cli(database_url: str, make_app: Any) -> Any:
    return make_app(settings_for(database_url)).test_cli_runner()


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def _beijing(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_every_scenario_file_passes_and_reports_as_the_contract_says(cli: Any) -> None:
    result = cli.invoke(args=["scenarios", "run", "--json", *map(str, SCENARIOS)])
    lines = _lines(result.output)
    assert [line["file"] for line in lines] == [str(p) for p in SCENARIOS]
    assert [(line["name"], line["failures"]) for line in lines if not line["passed"]] == []
    assert result.exit_code == 0, result.output
    for line in lines:
        assert list(line) == KEYS
        assert line["decision"] in ("accepted", "correction_required", "refused")
        for task in line["open_tasks"]:
            assert set(task) == {"task", "process", "role", "region", "due"}
            assert task["due"] is None or _beijing(task["due"])
        for timer in line["timers"]:
            assert set(timer) == {"element", "process", "due", "fired"}
            assert timer["process"] and _beijing(timer["due"])
        assert line["events"][0] == "case_created"


def _write(tmp_path: Path, name: str, body: dict[str, Any]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _base() -> dict[str, Any]:
    return json.loads((SCENARIOS[0].parent / "bundle_only_medical_express.json").read_text("utf-8"))


def test_an_unmet_expectation_fails_the_file_with_exit_1(cli: Any, tmp_path: Path) -> None:
    body = _base()
    body["expect"] = {
        "status": "refused",
        "results": {"medical": "refused_in"},
        "documents": ["refusal_decision"],
        "open_tasks": ["review"],
    }
    result = cli.invoke(args=["scenarios", "run", "--json", _write(tmp_path, "wrong", body)])
    assert result.exit_code == 1
    (line,) = _lines(result.output)
    assert not line["passed"]
    assert [f.split(" ")[1] for f in line["failures"]] == [
        "status",
        "open",
        "results",
        "documents",
    ]


def test_a_step_marked_refused_must_be_refused_and_change_nothing(cli: Any, tmp_path: Path) -> None:
    body = _base()
    first = body["steps"][0]
    # The same completion, once with a required field missing (refused: passes) and once
    # as given (accepted: a scenario that says it must be refused fails).
    broken = {**first, "data": {}, "refused": True}
    body["steps"] = [broken, *body["steps"]]
    ok = cli.invoke(args=["scenarios", "run", _write(tmp_path, "refused_ok", body)])
    assert ok.exit_code == 0, ok.output
    body["steps"] = [{**first, "refused": True}]
    body.pop("expect")
    bad = cli.invoke(args=["scenarios", "run", _write(tmp_path, "refused_bad", body)])
    assert bad.exit_code == 1
    assert "should have been refused" in bad.output


def test_an_unreadable_file_fails_without_a_traceback(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = cli.invoke(args=["scenarios", "run", str(path)])
    assert result.exit_code == 1
    assert "cannot read scenario" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
