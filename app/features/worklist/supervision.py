"""督办: a region's warned and overdue cases, steps near or past their deadline, and the figures
of its dashboard (open cases by stage and agency, on-time rates, working days per stage)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from app.features.worklist.case_deadlines import CaseDeadline, row_deadlines
from app.features.worklist.worklist import (
    Badge,
    DeadlineQueries,
    badge,
    overdue_or_due_soon,
)
from app.kernel import workdays
from app.kernel.roles import ROLES
from app.store.models import Case, HumanTask

PER_PAGE = 20
DECIDED = ("concluded", "completed", "refused")
TASK_ROLES = [
    code for code in ROLES if code not in ("applicant", "policy_staff", "auditor", "admin")
]


@dataclass(frozen=True)
class FlaggedCase:
    number: str
    applicant_name: str
    insurances: list[str]
    status: str
    committed_due: date | None
    legal_due: date | None
    warned: bool
    overdue: bool
    open_steps: list[str]
    deadlines: list[CaseDeadline] = field(default_factory=list)  # with 暂定 and lateness


@dataclass(frozen=True)
class RiskyStep:
    task_id: int
    title: str
    role: str
    assignee: str | None
    case_number: str
    applicant_name: str
    due_at: datetime
    badge: Badge


@dataclass(frozen=True)
class Dashboard:
    since: date
    open_by_status: list[tuple[str, int]]
    open_by_agency_stage: list[tuple[str, str, int]]  # role, step title, open cases
    on_time_committed: float | None  # percent
    on_time_legal: float | None
    rated_cases: int
    average_days: list[tuple[str, str, float, int]]  # process, step title, mean days, steps


class SupervisionService(DeadlineQueries):
    def flagged_cases(self, region: str, page: int = 1) -> tuple[list[FlaggedCase], bool]:
        """Open cases of the region past their committed (warned) or legal (overdue) limit."""
        now = self.clock.now()
        offset = (max(page, 1) - 1) * PER_PAGE
        with self.db.sessions() as session:
            cases = list(
                session.execute(
                    select(Case)
                    .where(
                        Case.transfer_in_region == region,
                        Case.completed_at.is_(None),
                        or_(Case.warned.is_(True), Case.overdue.is_(True)),
                    )
                    .order_by(Case.overdue.desc(), Case.legal_due, Case.id)
                    .limit(PER_PAGE + 1)
                    .offset(offset)
                ).scalars()
            )
            steps: dict[int, list[str]] = defaultdict(list)
            ids = [c.id for c in cases[:PER_PAGE]]
            if ids:
                for case_id, title in session.execute(
                    select(HumanTask.case_id, HumanTask.title)
                    .where(HumanTask.case_id.in_(ids), HumanTask.state.in_(("open", "claimed")))
                    .order_by(HumanTask.id)
                ):
                    steps[case_id].append(title)
        found = [
            FlaggedCase(
                number=c.number,
                applicant_name=c.applicant_name,
                insurances=[i for i in c.insurances.split(",") if i],
                status=c.status,
                committed_due=c.committed_due,
                legal_due=c.legal_due,
                warned=bool(c.warned),
                overdue=bool(c.overdue),
                open_steps=steps.get(c.id, []),
                deadlines=row_deadlines(c, now, self.calendar),
            )
            for c in cases[:PER_PAGE]
        ]
        return found, len(cases) > PER_PAGE

    def risky_steps(self, region: str, limit: int = 50) -> list[RiskyStep]:
        """Steps of the region (any agency) past their deadline or in the warning tier."""
        now = self.clock.now()
        today = workdays.local_date(now)
        horizon, _ = self.calendar.add_working_days_provisional(
            today, max(self.thresholds.warn_days_left, 1)
        )
        # Rows due later than the day-based tier may still be yellow by the 80 % rule; a wide
        # window catches them and the badge decides.
        soon = workdays.end_of_day_utc(horizon + timedelta(days=14))
        roles = [r for r in TASK_ROLES if r != "supervisor"]
        rows = overdue_or_due_soon(self.db, region, roles, now, limit * 3, soon)
        steps = []
        for row in rows:
            mark = badge(
                row.due_at,
                row.created_at,
                now,
                self.thresholds,
                bool(row.due_provisional),
                self.calendar,
            )
            if mark.level not in ("warn", "overdue"):
                continue
            steps.append(
                RiskyStep(
                    task_id=row.id,
                    title=row.title,
                    role=row.role,
                    assignee=row.assignee,
                    case_number=row.number,
                    applicant_name=row.applicant_name,
                    due_at=row.due_at,
                    badge=mark,
                )
            )
        return steps[:limit]

    def dashboard(self, region: str, days: int = 365) -> Dashboard:
        now = self.clock.now()
        today = workdays.local_date(now)
        since_day = today - timedelta(days=days)
        since = workdays.end_of_day_utc(since_day - timedelta(days=1))
        with self.db.sessions() as session:
            by_status = session.execute(
                select(Case.status, func.count())
                .where(
                    Case.transfer_in_region == region,
                    Case.completed_at.is_(None),
                    # 在办: a decided case (办结 or refused) awaiting only its delivery is not
                    # in hand any more.
                    Case.status.not_in(DECIDED),
                )
                .group_by(Case.status)
                .order_by(func.count().desc())
            ).all()
            by_stage: list[tuple[str, str, int]] = []
            for role in TASK_ROLES:
                # One indexed scan per role: ix_task_worklist starts with (role, region, state).
                for title, count in session.execute(
                    select(HumanTask.title, func.count(func.distinct(HumanTask.case_id)))
                    .where(
                        HumanTask.role == role,
                        HumanTask.region == region,
                        HumanTask.state.in_(("open", "claimed")),
                    )
                    .group_by(HumanTask.title)
                ):
                    by_stage.append((role, title, count))
            limits = session.execute(
                select(Case.completed_at, Case.committed_due, Case.legal_due).where(
                    Case.transfer_in_region == region,
                    Case.created_at >= since,
                    Case.accepted_at.is_not(None),
                    Case.committed_due.is_not(None),
                )
            ).all()
            durations: dict[tuple[str, str], list[int]] = defaultdict(list)
            for role in TASK_ROLES:
                for process_id, title, created, completed in session.execute(
                    select(
                        HumanTask.process_id,
                        HumanTask.title,
                        HumanTask.created_at,
                        HumanTask.completed_at,
                    ).where(
                        HumanTask.role == role,
                        HumanTask.region == region,
                        HumanTask.state == "completed",
                        HumanTask.completed_at >= since,
                    )
                ):
                    durations[(process_id, title)].append(
                        _working_days(
                            workdays.local_date(created),
                            workdays.local_date(completed),
                            self.calendar,
                        )
                    )
        committed, legal, rated = _on_time(limits, today)
        average = sorted(
            (
                (process, title, sum(values) / len(values), len(values))
                for (process, title), values in durations.items()
            ),
            key=lambda item: (-item[2], item[1]),
        )
        return Dashboard(
            since=since_day,
            open_by_status=[(s, n) for s, n in by_status],
            open_by_agency_stage=sorted(by_stage, key=lambda r: (-r[2], r[0], r[1])),
            on_time_committed=committed,
            on_time_legal=legal,
            rated_cases=rated,
            average_days=average,
        )


def _working_days(a: date, b: date, calendar: workdays.WorkingCalendar) -> int:
    try:
        return calendar.working_days_between(a, b)
    except workdays.CalendarGapError:
        return sum(1 for n in range(1, (b - a).days + 1) if (a + timedelta(days=n)).weekday() < 5)


def _on_time(rows: Sequence[Any], today: date) -> tuple[float | None, float | None, int]:
    """Share of cases finished within each limit, among those finished or already past it
    (an open case past its limit is late whatever happens next; one still within it is not
    counted yet)."""

    def rate(limit_index: int) -> tuple[float | None, int]:
        on_time = counted = 0
        for row in rows:
            limit = row[limit_index]
            if limit is None:
                continue
            if row.completed_at is not None:
                counted += 1
                on_time += workdays.local_date(row.completed_at) <= limit
            elif today > limit:
                counted += 1
        return (100.0 * on_time / counted if counted else None), counted

    committed, counted = rate(1)
    legal, _ = rate(2)
    return committed, legal, counted
