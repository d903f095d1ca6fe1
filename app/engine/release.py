"""Break a dropped workflow's reference cycles, so reference counting frees it at once."""

from __future__ import annotations

from typing import Any


def release(workflow: Any) -> None:
    """Empty a workflow that nobody will run again: every (sub)workflow, its event manager and
    each of its tasks lose their attributes.

    A SpiffWorkflow task tree is cyclic (task -> workflow -> tasks -> task; workflow ->
    event manager -> workflow; sub-workflow -> top workflow -> sub-workflows), so a dropped
    workflow survives until a full collection, which the app's collector thresholds
    (app/entrypoints/tuning.py) make rare: evicted workflows piled up by the hundred MiB. After this, the
    last reference going away frees everything. The objects are unusable afterwards: call it
    only on a workflow no one holds any more (an entry evicted from, or refused by, the cache)."""
    parts = [workflow, *getattr(workflow, "subprocesses", {}).values()]
    for part in parts:
        for task in list(getattr(part, "tasks", {}).values()):
            task.__dict__.clear()
        manager = getattr(part, "event_manager", None)
        if manager is not None:
            manager.__dict__.clear()
    for part in parts:
        part.__dict__.clear()
