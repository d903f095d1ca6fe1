"""A case's data read from its stored parts without restoring the workflow.

A page shows what the steps recorded (Engine.case_data) and an open task's data (the form's
starting values). Restoring a bundle to read them costs more CPU than the rest of the page, and
with several server processes the page is often served by one whose hot cache does not hold
the case. This computes the same values from the serialized parts (task data is stored as each
task's delta from its parent, as SpiffWorkflow does); a test checks it equals Engine.case_data
and Engine.task_data at every step of whole bundles."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from .state import TOP, registry

_COMPLETED = TaskState.COMPLETED


class _Part:
    """One serialized workflow (top or subprocess) with its tasks' data resolved on demand."""

    def __init__(self, dct: dict[str, Any]) -> None:
        self.dct = dct
        self.tasks: dict[str, dict[str, Any]] = dct["tasks"]
        self._data: dict[str, dict[str, Any]] = {}

    def data(self, task_id: str) -> dict[str, Any]:
        found = self._data.get(task_id)
        if found is not None:
            return found
        # Iteratively up to the nearest resolved ancestor: trees are deep.
        chain: list[str] = []
        current: str | None = task_id
        while current is not None and current not in self._data:
            chain.append(current)
            current = self._parent(current)
        for tid in reversed(chain):
            dct = self.tasks[tid]
            parent = self._parent(tid)
            delta = dct.get("delta")
            if delta and parent is not None:
                data = dict(self._data[parent])
                data.update(registry.restore(delta.get("updates", {})))
                for key in delta.get("deletions", {}):
                    data.pop(key, None)
            else:
                data = registry.restore(dct["data"])
            self._data[tid] = data
        return self._data[task_id]

    def _parent(self, task_id: str) -> str | None:
        parent = self.tasks[task_id].get("parent")
        return parent if parent in self.tasks else None

    @property
    def last_task(self) -> str | None:
        last = self.dct.get("last_task")
        return last if isinstance(last, str) and last in self.tasks else None

    def assignments(self) -> dict[str, Any]:
        """As app.engine.host._assignments: each variable's latest value as set by a completed
        task (one whose value differs from its parent's)."""
        completed = sorted(
            (
                (dct["last_state_change"], tid)
                for tid, dct in self.tasks.items()
                if dct["state"] == _COMPLETED and self._parent(tid) is not None
            ),
            key=lambda item: item[0],
        )
        found: dict[str, Any] = {}
        for _at, tid in completed:
            parent_data = self.data(self._parent(tid) or "")
            for name, value in self.data(tid).items():
                if name not in parent_data or parent_data[name] != value:
                    found[name] = value
        return found


class StoredCase:
    """The parts of one case as read from the database (key -> decoded JSON)."""

    def __init__(self, parts: dict[str, Any]) -> None:
        parts = dict(parts)
        self.top = _Part(parts.pop(TOP))
        # In the order a restore builds them: depth first, in task order (see SpiffWorkflow's
        # subprocesses_from_dict), which is the order Engine.case_data merges them in.
        self.subprocesses: list[_Part] = []
        self._collect(self.top, parts)

    def _collect(self, part: _Part, pending: dict[str, Any]) -> None:
        for tid in part.tasks:
            if tid in pending:
                sub = _Part(pending.pop(tid))
                self.subprocesses.append(sub)
                self._collect(sub, pending)

    def case_data(self) -> dict[str, Any]:
        """What Engine.case_data gives for the restored workflow."""
        merged: dict[str, Any] = {}
        for part in [self.top, *self.subprocesses]:
            last = part.last_task
            if last is not None:
                merged.update(part.data(last))
                merged.update(part.assignments())
        completed = bool(self.top.dct.get("completed"))
        if completed:
            merged.update(registry.restore(self.top.dct.get("data", {})))
        merged["status"] = self._latest_data(completed).get("status", merged.get("status"))
        return merged

    def _latest_data(self, completed: bool) -> dict[str, Any]:
        # As Engine.data: the most recently completed task's data in any part.
        if completed:
            return dict(registry.restore(self.top.dct.get("data", {})))
        latest: tuple[float, _Part, str] | None = None
        for part in [self.top, *self.subprocesses]:
            last = part.last_task
            if last is not None:
                at = part.tasks[last]["last_state_change"]
                if latest is None or at > latest[0]:
                    latest = (at, part, last)
        if latest is not None:
            return dict(latest[1].data(latest[2]))
        return dict(self.top.data(self.top.dct["root"]))

    def task_data(self, task_uuid: str) -> dict[str, Any]:
        """What Engine.task_data gives: the data of the task with this id, in any part."""
        for part in [self.top, *self.subprocesses]:
            if task_uuid in part.tasks:
                return dict(part.data(task_uuid))
        return {}
