"""One label per 办件 status on every page: portal, clerks, supervisor, audit (issue 15 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

from app.features.cases import progress_text, statuses
from app.web import labels

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "web" / "templates"


def test_every_page_reads_the_one_table() -> None:
    assert labels.CASE_STATUS is statuses.CASE_STATUS
    assert progress_text.STATUS_ZH is statuses.CASE_STATUS
    assert labels.JINJA_FILTERS["ws_case_status"]("concluded") == "已办结"
    assert labels.JINJA_FILTERS["ws_insurance_status"]("refused") == "不予转入"


def test_one_label_per_status_and_no_two_statuses_share_one_unless_synonyms() -> None:
    by_label: dict[str, set[str]] = {}
    for code, text in statuses.CASE_STATUS.items():
        by_label.setdefault(text, set()).add(code)
    shared = {text: codes for text, codes in by_label.items() if len(codes) > 1}
    # concluded is today's code, completed the one older rows carry: the same state.
    assert shared == {"已办结": {"concluded", "completed"}}


def test_no_template_keeps_a_status_table_of_its_own() -> None:
    # A dict literal mapping status codes to labels in a template is a second vocabulary.
    literal = re.compile(r"\{\s*'(?:concluded|not_started|in_transfer|accepted)'\s*:")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
