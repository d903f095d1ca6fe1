"""Rendering: Jinja2 templates to printable HTML (CSS inlined) and, through WeasyPrint, to PDF."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.documents.builders import BUILDERS, DOCUMENT_KINDS
from app.documents.errors import UnknownDocumentKind

TEMPLATES = Path(__file__).parent / "templates"
CSS_FILE = TEMPLATES / "documents.css"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Everything that came from a person or a clerk is escaped; only the package's own
        # CSS file is marked safe (base.html).
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,  # a view-model key missing is a bug, not a blank field
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


def build(kind: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The checked view model of one document (raises DocumentDataError)."""
    if kind not in BUILDERS:
        raise UnknownDocumentKind(kind)
    return BUILDERS[kind](context)


def render_html(kind: str, context: Mapping[str, Any]) -> str:
    """A complete, self-contained HTML page of the document (its CSS inlined)."""
    view = build(kind, context)
    template = _environment().get_template(f"{kind}.html")
    return template.render(view, css=_css(), kind_title=view.get("title", DOCUMENT_KINDS[kind]))


def render_pdf(kind: str, context: Mapping[str, Any]) -> bytes:
    """The document as PDF; WeasyPrint embeds (subsets of) the fonts it uses."""
    html = render_html(kind, context)
    # Imported here: WeasyPrint loads Pango and fonts, which only PDF output needs.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
