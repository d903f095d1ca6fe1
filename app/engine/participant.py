"""The task that runs a message-started participant (a transfer's transfer-out agency)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.spiff.specs.defaults import CallActivity


class Participant(CallActivity):
    """A message-started participant: it starts from its message's payload alone (it does not
    see the case data) and gives nothing back but its messages. Stored and compared as a task
    spec of its own type (state registers its converter), never as a call activity."""

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        pass

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        pass
