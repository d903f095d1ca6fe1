"""The extra context of the bundle's 审核 task page: the three transfers and the documents."""

from __future__ import annotations

from typing import Any

from app.features.cases import review_view
from app.features.cases.read_models import TaskPage

from .auth import backoffice
from .workspace import views


def context(page: TaskPage) -> dict[str, Any]:
    task = page.task
    panel = review_view.for_task(backoffice().cases, task, page.case.summary.number)
    if panel is None:
        return {"review": None}
    return {"review": panel, "review_documents": views().documents(page.case)}
