"""bpmn.io's own checks (bpmnlint with the rules of .bpmnlintrc) on BPMN files, as Problems."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .parsing import Problem

# Every message starts so: the modeler explains them in Chinese by this prefix and the rule.
PREFIX = "bpmnlint"


@dataclass(frozen=True)
class BpmnLint:
    """Runs bin/bpmnlint-json.js under Node.js from the project root (node_modules from `npm ci`).

    A file that cannot be checked (no Node.js, bpmnlint not installed) gets a problem saying so:
    a diagram nobody checked is not passed as standard.
    """

    root: Path
    node: str | None = None  # the node executable; None: the one on PATH
    timeout: float = 60.0

    def check(self, paths: list[Path]) -> list[Problem]:
        if not paths:
            return []
        node = self.node or shutil.which("node")
        if node is None or not Path(node).exists():
            return self._cannot_run(paths, "Node.js (node) not found; install it and run npm ci")
        command = [
            node,
            str(self.root / "bin" / "bpmnlint-json.js"),
            str(self.root / ".bpmnlintrc"),
            *(str(p) for p in paths),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return self._cannot_run(paths, str(exc))
        if done.returncode != 0:
            lines = (done.stderr or "").strip().splitlines()
            return self._cannot_run(paths, lines[0] if lines else f"exit {done.returncode}")
        try:
            found = json.loads(done.stdout)
        except ValueError:
            return self._cannot_run(paths, "unreadable output")
        lines_by_file = {str(p): _lines(p) for p in paths}
        return [
            Problem(
                item["file"],
                lines_by_file.get(item["file"], {}).get(item.get("id", ""), 1),
                item.get("id", ""),
                f"{PREFIX} {item['rule']}: {item['message']}",
            )
            for item in found
        ]

    @staticmethod
    def _cannot_run(paths: list[Path], why: str) -> list[Problem]:
        return [Problem(str(p), 1, "", f"{PREFIX} could not run: {why}") for p in paths]


def _lines(path: Path) -> dict[str, int]:
    """Element id -> line, to point at what bpmnlint names by id."""
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return {}
    return {
        str(node.get("id")): node.sourceline or 1
        for node in root.iter()
        if isinstance(node.tag, str) and node.get("id")
    }
