"""A letter exchanged with another agency's deployment as a printable page: the envelope's facts
and the payload in words (computed by the caller), raw content only behind 技术细节."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.render import _css, _environment

TEMPLATE = "exchanged_letter.html"


def render_exchanged_letter(view: Mapping[str, Any]) -> str:
    """A complete, self-contained HTML page (the documents' CSS inlined, no script)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(view, css=_css(), kind="exchanged-letter", kind_title=view["title"])
