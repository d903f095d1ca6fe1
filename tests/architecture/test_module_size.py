"""No module of `app` over ~400 lines (issue 13): a module that grows past it is split by job."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# "~400": a little slack so that a fix near the limit does not force a split in the same change.
MAX_LINES = 420


def oversized(package: Path, limit: int = MAX_LINES) -> list[str]:
    """The package's Python modules longer than `limit` lines, with their length."""
    found = []
    for path in sorted(package.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{path.relative_to(package.parent)}: {lines} lines")
    return found


def test_no_module_of_app_is_over_the_limit() -> None:
    assert oversized(ROOT / "app") == []


def test_a_module_over_the_limit_is_named(tmp_path: Path) -> None:
    package = tmp_path / "app"
    (package / "features").mkdir(parents=True)
    (package / "features" / "small.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (package / "features" / "big.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert oversized(package) == [f"app/features/big.py: {MAX_LINES + 1} lines"]
