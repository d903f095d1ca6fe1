"""bin/system-deps installs what the README's own steps use (issue 15 item 8): the tools the
Makefile's install steps call and the tools tests call, each checked and named."""

from __future__ import annotations

from app.kernel.config import ROOT

SCRIPT = (ROOT / "bin" / "system-deps").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_tool_the_steps_use_is_installed_when_missing() -> None:
    used = {
        "-m venv": "python3-venv",  # make: $(PY) -m venv .venv
        "npm ci": "npm",  # make: bpmn-js from npm
    }
    for step, package in used.items():
        assert step in MAKEFILE, step
        assert f"need+=({package})" in SCRIPT, package
    # tests/unit/documents/test_seal_clear.py looks at PDFs with poppler's pdftoppm.
    assert "command -v pdftoppm" in SCRIPT and "need+=(poppler-utils)" in SCRIPT
    assert "need+=(chromium)" in SCRIPT and "fonts-wqy-zenhei" in SCRIPT
