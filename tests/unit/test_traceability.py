"""docs/rules.md traces every seed clause to diagram elements, code and tests: keep it true.

The tables of docs/rules.md are parsed and every reference is checked against the files:
- Diagram `process#element`: an element with that id inside the process of
  processes/<process>.bpmn (XML).
- Code `path.py::name` / `path.py::Class.member`: defined in that module (AST), and the
  module imports and has the attribute; `path.json:key/key`: that key path exists; a bare
  path (template, form file): the file exists.
- Tests `tests/….py::test_name` (or `::Class::test_name`): a test function of that name in
  that file, found by parsing the file (pytest is not run inside pytest).
Every seed file 000–003 must be cited, every table row must start with its source, and a
row that references nothing must say "not implemented".
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = Path("docs") / "rules.md"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SEED_FILES = (
    "000_f06406eb70653165.txt",
    "001_663ca28c16883111.txt",
    "002_16ba3688d3544ac8.txt",
    "003_16068d712aa41b1c.txt",
)
SOURCES = ("000", "001", "002", "003", "national")
COLUMNS = ["Clause", "Rule", "Diagram", "Code", "Tests"]
NOT_IMPLEMENTED = "not implemented"

_BACKTICKED = re.compile(r"`([^`]+)`")
_SEPARATOR = re.compile(r":?-+:?")
_DIAGRAM_REF = re.compile(r"([a-z][a-z0-9_]*)#([A-Za-z_][A-Za-z0-9_.-]*)")
_PY_REF = re.compile(r"((?:[\w-]+/)*[\w-]+\.py)::([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_JSON_REF = re.compile(r"((?:[\w-]+/)*[\w.-]+\.json):([^:]+)")
_FILE_REF = re.compile(r"(?:[\w-]+/)+[\w-]+(?:\.[\w-]+)+")
_TEST_REF = re.compile(r"(tests/(?:[\w-]+/)*test_\w+\.py)::(\w+(?:::\w+)?)")


@dataclass(frozen=True)
class Row:
    line: int
    clause: str
    rule: str
    diagram: tuple[str, ...]
    code: tuple[str, ...]
    tests: tuple[str, ...]

    @property
    def source(self) -> str:
        return self.clause.split(maxsplit=1)[0] if self.clause else ""


def parse(text: str) -> tuple[list[Row], list[str]]:
    """The rows of every table in the document, and what is wrong with the tables' shape."""
    rows: list[Row] = []
    problems: list[str] = []
    header: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        if header is None:
            header = cells
            if cells != COLUMNS:
                problems.append(f"line {number}: table columns {cells}, expected {COLUMNS}")
            continue
        if all(_SEPARATOR.fullmatch(cell) for cell in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(f"line {number}: {len(cells)} cells, expected {len(COLUMNS)}")
            continue
        clause, rule, diagram, code, tests = cells
        rows.append(
            Row(
                number,
                clause,
                rule,
                tuple(_BACKTICKED.findall(diagram)),
                tuple(_BACKTICKED.findall(code)),
                tuple(_BACKTICKED.findall(tests)),
            )
        )
    return rows, problems


# --- what exists -------------------------------------------------------------------------


@cache
def _process_ids(path: Path, process: str) -> frozenset[str] | None:
    """Ids of every element inside <bpmn:process id=process>, or None without that process."""
    for element in ET.parse(path).getroot().iter(f"{BPMN}process"):
        if element.get("id") == process:
            ids = (e.get("id") for e in element.iter())
            return frozenset(i for i in ids if i)
    return None


@cache
def _module_body(path: Path) -> list[ast.stmt]:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body


def _names_bound_by(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _defines(body: list[ast.stmt], parts: list[str]) -> bool:
    """Whether `body` defines parts[0] (and, for a class, parts[1:] inside it)."""
    for node in body:
        if parts[0] not in _names_bound_by(node):
            continue
        if len(parts) == 1:
            return True
        if isinstance(node, ast.ClassDef) and _defines(node.body, parts[1:]):
            return True
    return False


def _defines_test(body: list[ast.stmt], parts: list[str]) -> bool:
    """Whether `body` has the test function parts[-1] (inside class parts[0] if given)."""
    if len(parts) == 2:
        return any(
            isinstance(node, ast.ClassDef)
            and node.name == parts[0]
            and _defines_test(node.body, parts[1:])
            for node in body
        )
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == parts[0]
        for node in body
    )


@cache
def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _has_key_path(data: Any, keys: list[str]) -> bool:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


# --- checks: each returns a list of problems, empty when all is well ----------------------


def _rows(root: Path) -> tuple[list[Row], list[str]]:
    return parse((root / DOC).read_text(encoding="utf-8"))


def source_problems(root: Path) -> list[str]:
    text = (root / DOC).read_text(encoding="utf-8")
    rows, problems = parse(text)
    if not rows:
        problems.append("docs/rules.md has no table rows")
    problems += [f"seed file {seed} is not cited" for seed in SEED_FILES if seed not in text]
    for row in rows:
        if row.source not in SOURCES:
            problems.append(f"line {row.line}: clause must start with one of {SOURCES}")
        if not (row.diagram or row.code or row.tests) and NOT_IMPLEMENTED not in row.rule.lower():
            problems.append(f"line {row.line}: nothing referenced but not marked not implemented")
    sources = {row.source for row in rows}
    problems += [f"no rows for source {s}" for s in SOURCES if s not in sources]
    return problems


def diagram_problems(root: Path) -> list[str]:
    problems = []
    for row in _rows(root)[0]:
        for ref in row.diagram:
            match = _DIAGRAM_REF.fullmatch(ref)
            if match is None:
                problems.append(f"line {row.line}: `{ref}` is not process#element")
                continue
            process, element = match.groups()
            path = root / "processes" / f"{process}.bpmn"
            if not path.is_file() and process.endswith("_out"):
                # A transfer-out participant lives in its transfer's file (docs/messages.md).
                path = root / "processes" / f"{process.removesuffix('_out')}.bpmn"
            ids = _process_ids(path, process) if path.is_file() else None
            if ids is None:
                problems.append(f"line {row.line}: `{ref}`: no process {process} in {path.name}")
            elif element not in ids:
                problems.append(f"line {row.line}: `{ref}`: no element {element} in {process}")
    return problems


def code_problems(root: Path) -> list[str]:
    problems = []
    for row in _rows(root)[0]:
        for ref in row.code:
            where = f"line {row.line}: `{ref}`"
            if match := _PY_REF.fullmatch(ref):
                path, name = root / match[1], match[2]
                if not path.is_file():
                    problems.append(f"{where}: no file {match[1]}")
                elif not _defines(_module_body(path), name.split(".")):
                    problems.append(f"{where}: {name} is not defined in {match[1]}")
            elif match := _JSON_REF.fullmatch(ref):
                path, keys = root / match[1], match[2].split("/")
                if not path.is_file():
                    problems.append(f"{where}: no file {match[1]}")
                elif not _has_key_path(_json(path), keys):
                    problems.append(f"{where}: no key path {match[2]} in {match[1]}")
            elif _FILE_REF.fullmatch(ref):
                if not (root / ref).is_file():
                    problems.append(f"{where}: no file {ref}")
            else:
                problems.append(f"{where}: not path.py::name, path.json:key/key or a file path")
    return problems


def listed_test_problems(root: Path) -> list[str]:
    problems = []
    for row in _rows(root)[0]:
        for ref in row.tests:
            match = _TEST_REF.fullmatch(ref)
            if match is None:
                problems.append(f"line {row.line}: `{ref}` is not tests/…/test_x.py::test_name")
                continue
            path, parts = root / match[1], match[2].split("::")
            if not parts[-1].startswith("test"):
                problems.append(f"line {row.line}: `{ref}`: {parts[-1]} is not a test name")
            elif not path.is_file():
                problems.append(f"line {row.line}: `{ref}`: no file {match[1]}")
            elif not _defines_test(_module_body(path), parts):
                problems.append(f"line {row.line}: `{ref}`: no test {match[2]} in {match[1]}")
    return problems


def import_problems(root: Path) -> list[str]:
    """Python references resolve by import + getattr too (only meaningful for the real tree)."""
    problems = []
    for row in _rows(root)[0]:
        for ref in row.code:
            if not (match := _PY_REF.fullmatch(ref)):
                continue
            try:
                target: Any = importlib.import_module(
                    match[1].removesuffix(".py").replace("/", ".")
                )
                for part in match[2].split("."):
                    target = getattr(target, part)
            except (ImportError, AttributeError) as error:
                problems.append(f"line {row.line}: `{ref}`: {error}")
    return problems


def all_problems(root: Path) -> list[str]:
    return (
        source_problems(root)
        + diagram_problems(root)
        + code_problems(root)
        + listed_test_problems(root)
    )


# --- the tests ----------------------------------------------------------------------------


def test_every_seed_is_cited_and_every_row_names_its_source() -> None:
    assert source_problems(ROOT) == []


def test_every_listed_diagram_element_exists() -> None:
    assert diagram_problems(ROOT) == []


def test_every_listed_function_data_key_and_file_exists() -> None:
    assert code_problems(ROOT) == []


def test_every_listed_python_reference_imports() -> None:
    assert import_problems(ROOT) == []


def test_every_listed_test_exists() -> None:
    assert listed_test_problems(ROOT) == []


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of the files the document points into, safe to damage."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("app", "tests", "processes", "forms"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    (tmp_path / "docs").mkdir()
    shutil.copy2(ROOT / DOC, tmp_path / DOC)
    return tmp_path


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_checks_fail_when_a_listed_element_function_key_test_or_seed_disappears(
    tree_copy: Path,
) -> None:
    assert all_problems(tree_copy) == []
    rows, _ = _rows(tree_copy)

    # Remove (rename) one referenced thing of each kind in the copy.
    diagram = next(ref for row in rows for ref in row.diagram)
    process, element = diagram.split("#")
    _replace_once(tree_copy / "processes" / f"{process}.bpmn", f'id="{element}"', 'id="gone"')

    test = next(ref for row in rows for ref in row.tests)
    test_path, test_name = test.split("::")
    _replace_once(tree_copy / test_path, f"def {test_name}(", "def test_gone(")

    function = next(
        ref
        for row in rows
        for ref in row.code
        if "::" in ref
        and "." not in ref.split("::")[1]
        and f"def {ref.split('::')[1]}(" in (ROOT / ref.split("::")[0]).read_text(encoding="utf-8")
    )
    py_path, py_name = function.split("::")
    _replace_once(tree_copy / py_path, f"def {py_name}(", "def gone(")

    key = next(ref for row in rows for ref in row.code if _JSON_REF.fullmatch(ref))
    json_path, key_path = key.split(":")
    data = json.loads((tree_copy / json_path).read_text(encoding="utf-8"))
    *parents, last = key_path.split("/")
    holder = data
    for part in parents:
        holder = holder[part]
    del holder[last]
    (tree_copy / json_path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    form = next(ref for row in rows for ref in row.code if _FILE_REF.fullmatch(ref))
    (tree_copy / form).unlink()

    doc = tree_copy / DOC
    doc.write_text(doc.read_text(encoding="utf-8").replace(SEED_FILES[3], "003"), encoding="utf-8")
    _process_ids.cache_clear()
    _module_body.cache_clear()
    _json.cache_clear()

    report = "\n".join(all_problems(tree_copy))
    for expected in (
        f"`{diagram}`: no element {element}",
        f"`{test}`: no test {test_name}",
        f"`{function}`: {py_name} is not defined",
        f"`{key}`: no key path {key_path}",
        f"`{form}`: no file {form}",
        f"seed file {SEED_FILES[3]} is not cited",
    ):
        assert expected in report, (expected, report)


def test_the_table_shape_is_checked() -> None:
    rows, problems = parse("| Clause | Rule |\n|---|---|\n| 000 x | y |\n")
    assert rows == [] and problems and "expected" in problems[0]
    rows, problems = parse(
        "| Clause | Rule | Diagram | Code | Tests |\n|---|---|---|---|---|\n"
        "| 000 a | b | `p#e` | `app/x.py::f` | `tests/test_y.py::test_z` |\n"
    )
    assert problems == []
    assert rows == [Row(3, "000 a", "b", ("p#e",), ("app/x.py::f",), ("tests/test_y.py::test_z",))]
