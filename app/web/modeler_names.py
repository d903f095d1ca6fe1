"""Processes by their Chinese names on the workbench's pages (looked up once per request)."""

from __future__ import annotations

from flask import current_app, g

from app.features.modeling.drafts import ModelingService
from app.features.modeling.plain_catalog import process_names


def process_name_filter(process_id: str) -> str:
    """「基本医疗保险关系转移接续」 for medical_transfer; the id when the diagram names none."""
    names: dict[str, str] | None = g.get("modeler_process_names")
    if names is None:
        service: ModelingService | None = current_app.extensions.get("modeling")
        names = process_names(service) if service is not None else {}
        g.modeler_process_names = names
    return names.get(process_id, process_id)
