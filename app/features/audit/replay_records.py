"""What a replay reads and reports: recorded events, a case's history, steps, divergences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATE_KEY = "state_hash"

# What each divergence reason means, for the CLI (English) and the auditor's page (Chinese).
REASONS: dict[str, tuple[str, str]] = {
    "state_mismatch": ("the state differs from the recorded state", "重放后的流程状态与记录不一致"),
    "task_not_ready": (
        "the recorded task is not ready in the replay",
        "记录中办理的任务在重放中并不处于待办状态",
    ),
    "timer_unknown": (
        "the rescheduled timer is not armed in the replay",
        "记录中重算的计时器在重放中不存在",
    ),
    "engine_error": ("the engine failed", "流程引擎执行出错"),
    "input_refused": (
        "the service's rules refuse the recorded input",
        "记录的办理数据不符合业务规则（记录被改动）",
    ),
    "input_mismatch": (
        "the stored start data does not match the sha256 recorded at creation",
        "保存的申请数据与创建时记录的摘要不一致（申请数据被改动）",
    ),
    "missing_input": ("the case has no stored start data", "缺少案件的申请数据"),
    "version_missing": ("a pinned process version is missing", "案件锁定的流程版本不存在"),
    "no_start": (
        "the history has no case_created step with a recorded state",
        "记录中没有带状态摘要的案件创建事件",
    ),
    "unexpected_start": ("a second case_created step", "出现第二个案件创建事件"),
    "unknown_step": ("replay cannot apply this kind of step", "重放无法执行此类事件"),
}


@dataclass(frozen=True)
class RecordedEvent:
    """One audit event of the case, as replay reads it (a plain copy of the row)."""

    seq: int
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]

    @property
    def is_step(self) -> bool:
        return STATE_KEY in self.data

    @property
    def label(self) -> str:
        """The task or timer the event is about: `process/task` or the timer's kind."""
        if "spec" in self.data:
            return f"{self.data.get('process', '')}/{self.data['spec']}"
        return str(self.data.get("kind") or self.data.get("process") or "")


@dataclass
class CaseHistory:
    """Everything replay reads: the start data, the pinned versions, the events in order."""

    case_id: int
    number: str
    top_version_id: int | None
    pinned: dict[str, int]
    start_data: dict[str, Any] | None
    events: list[RecordedEvent]
    # Letters received from other deployments, by the digest their letter_received event holds.
    letters: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """The workflow after a step: tokens, path so far, data per process, armed timers."""

    tokens: list[dict[str, str]]
    visited: dict[str, list[str]]
    data: dict[str, dict[str, Any]]
    timers: list[dict[str, Any]]


@dataclass
class ReplayStep:
    number: int
    event: RecordedEvent
    expected: str
    actual: str
    snapshot: Snapshot | None = None

    @property
    def identical(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class Divergence:
    step: int
    seq: int
    kind: str
    label: str
    reason: str
    expected: str
    actual: str
    detail: str = ""

    def describe(self) -> str:
        text = REASONS.get(self.reason, (self.reason, self.reason))[0]
        if self.detail:
            text = f"{text}: {self.detail}"
        what = f"{self.kind} {self.label}".strip()
        return (
            f"diverged at step {self.step} (event {self.seq} {what}): {text}; "
            f"expected {self.expected}; actual {self.actual}"
        )

    def describe_zh(self) -> str:
        text = REASONS.get(self.reason, (self.reason, self.reason))[1]
        if self.detail:
            text = f"{text}：{self.detail}"
        return f"第 {self.step} 步（事件 #{self.seq}）出现偏差：{text}"


@dataclass
class ReplayResult:
    number: str
    steps: list[ReplayStep] = field(default_factory=list)
    divergence: Divergence | None = None

    @property
    def identical(self) -> bool:
        return self.divergence is None

    def line(self) -> str:
        if self.divergence is None:
            return f"identical {len(self.steps)} steps"
        return self.divergence.describe()
