"""Security headers on every response, HTML, JSON, static files and errors alike (issue 14 §9),
and no template carries a script the Content-Security-Policy would block."""

from __future__ import annotations

import re
from typing import Any

from app.kernel.config import ROOT
from tests.web.api_support import ApiApp
from tests.web.clerk_support import Staff, staff_app

TEMPLATES = ROOT / "app" / "web" / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _assert_hardened(answer: Any, what: str) -> None:
    headers = answer.headers
    policy = _directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("script-src") == ["'self'"], what
    assert policy.get("frame-ancestors") == ["'none'"], what
    assert policy.get("object-src") == ["'none'"], what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), what


def test_every_kind_of_response_carries_the_headers(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    anonymous = app.test_client()
    api = ApiApp(app)
    clerk = Staff(app, "window_clerk_330602")
    answers = {
        "HTML page": anonymous.get("/login"),
        "staff page": clerk.get("/worklist"),
        "redirect": anonymous.get("/worklist"),
        "HTML 404": anonymous.get("/no/such/page"),
        "JSON": anonymous.get("/api/openapi.json"),
        "JSON 401": anonymous.get("/api/cases/330602-2026-000001"),
        "JSON 404": api.get("/api/cases/330602-2026-999999"),
        "health": anonymous.get("/healthz"),
        "static CSS": anonymous.get("/static/app.css"),
        "static JS": anonymous.get("/static/js/modeler.js"),
        "static vendor": anonymous.get(
            "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"
        ),
    }
    assert answers["static JS"].status_code == 200
    assert answers["JSON"].mimetype == "application/json"
    for what, answer in answers.items():
        _assert_hardened(answer, what)
        answer.close()


def test_no_template_has_an_inline_script_or_handler() -> None:
    """Inline code would be blocked by script-src 'self' (data blocks of type
    application/json are not code and are allowed)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append((path.name, tag))
        found += [(path.name, m) for m in re.findall(r"\son[a-z]+\s*=", text)]
        found += [(path.name, m) for m in re.findall(r"javascript:", text)]
    assert found == []
