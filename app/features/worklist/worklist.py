"""Worklists (待办): a role's and region's task rows, paginated through indexes, with deadline badges.

Only task and case rows are read — never a workflow — so a page costs the same at 10^3 and at
10^5 open cases: every query walks `ix_task_worklist` (role, region, state, due_at) or
`ix_task_assignee` (assignee, state) and stops after one page; totals are counted up to a cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, and_, func, select

from app.features.worklist.case_deadlines import CaseDeadline, row_deadlines
from app.kernel import workdays
from app.kernel.clock import Clock
from app.store.db import Database
from app.store.models import Case, HumanTask

View = Literal["unclaimed", "mine"]
Sort = Literal["deadline", "deadline_desc", "case", "applicant", "newest"]
VIEWS: tuple[str, ...] = ("unclaimed", "mine")
SORTS: tuple[str, ...] = ("deadline", "deadline_desc", "case", "applicant", "newest")
DUE_FILTERS: tuple[str, ...] = ("overdue", "soon")
INSURANCES: tuple[str, ...] = ("pension", "medical", "unemployment")
COUNT_CAP = 1000  # totals above this show as "1000+": counting every row would be O(n)
PER_PAGE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Thresholds:
    """When a deadline badge turns yellow; red is always "past the deadline"."""

    warn_days_left: int = 1  # yellow when this many working days (or fewer) remain
    warn_used_ratio: float = 0.8  # ... or when this share of the step's limit is used up


@dataclass(frozen=True)
class Badge:
    level: str  # none | ok | warn | overdue
    text: str  # Chinese, e.g. 剩余 3 个工作日
    remaining: int | None = None
    provisional: bool = False


@dataclass(frozen=True)
class WorklistQuery:
    view: str = "unclaimed"
    sort: str = "deadline"
    insurance: str = ""
    case_number: str = ""
    applicant: str = ""
    due: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def parse(cls, args: Any) -> WorklistQuery:
        """From query-string arguments; anything unknown falls back to the default."""

        def pick(name: str, allowed: tuple[str, ...], default: str) -> str:
            value = str(args.get(name, "") or "")
            return value if value in allowed else default

        try:
            page = min(max(int(args.get("page", 1)), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        return cls(
            view=pick("view", VIEWS, "unclaimed"),
            sort=pick("sort", SORTS, "deadline"),
            insurance=pick("insurance", INSURANCES, ""),
            case_number=str(args.get("case_number", "") or "").strip()[:40],
            applicant=str(args.get("applicant", "") or "").strip()[:100],
            due=pick("due", DUE_FILTERS, ""),
            page=page,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments of this query with some changed (for links), defaults left out."""
        values = {
            "view": self.view,
            "sort": self.sort,
            "insurance": self.insurance,
            "case_number": self.case_number,
            "applicant": self.applicant,
            "due": self.due,
            "page": self.page,
        }
        values.update(changes)
        defaults = {"view": "unclaimed", "sort": "deadline", "page": 1}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}


@dataclass(frozen=True)
class WorkItem:
    task_id: int
    title: str
    process_id: str
    task_spec: str
    state: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    case_number: str
    case_status: str
    applicant_name: str
    applicant_id_masked: str
    insurances: list[str]
    transfer_out_region: str
    transfer_in_region: str
    badge: Badge
    deadlines: list[CaseDeadline] = field(default_factory=list)  # the case's committed, legal

    @property
    def late(self) -> bool:
        """Red: the step or the case is past a deadline."""
        return self.badge.level == "overdue" or any(d.late_days is not None for d in self.deadlines)


@dataclass
class WorklistPage:
    query: WorklistQuery
    items: list[WorkItem]
    has_next: bool
    counts: dict[str, tuple[int, bool]] = field(default_factory=dict)  # view -> (n, capped)


@dataclass(frozen=True)
class Owner:
    """Whose worklist: the signed-in clerk's username, role and region."""

    username: str
    role: str
    region: str


# -- deadline badges ----------------------------------------------------------------------------


def _between(a: date, b: date, calendar: workdays.WorkingCalendar) -> tuple[int, bool]:
    """Working days in (a, b]; a year whose schedule is not loaded counts Mon–Fri, flagged."""
    try:
        return calendar.working_days_between(a, b), False
    except workdays.CalendarGapError:
        if b <= a:
            return 0, True
        days = sum(1 for n in range(1, (b - a).days + 1) if (a + timedelta(days=n)).weekday() < 5)
        return days, True


def badge(
    due_at: datetime | None,
    created_at: datetime,
    now: datetime,
    thresholds: Thresholds,
    provisional: bool = False,
    calendar: workdays.WorkingCalendar | None = None,
) -> Badge:
    """The remaining working days to a step's deadline and its warning tier (counted with the
    runtime's calendar; the default calendar when none is given)."""
    calendar = calendar or workdays.default_calendar
    if due_at is None:
        return Badge("none", "无环节时限")
    today, due_day = workdays.local_date(now), workdays.local_date(due_at)
    # 暂定 marks a provisional date only (the row's flag: computed without its year's
    # schedule); a count that merely runs through a year not loaded is marked 约 instead.
    suffix = "（暂定）" if provisional else ""
    if now > due_at:
        late, guessed = _between(due_day, today, calendar)
        about = "约 " if guessed else ""
        text = f"已超期 {about}{late} 个工作日" if late else "已超期"
        return Badge("overdue", text + suffix, -late, provisional)
    remaining, guessed = _between(today, due_day, calendar)
    total, _ = _between(workdays.local_date(created_at), due_day, calendar)
    used_share = (total - remaining) / total if total > 0 else 1.0
    warn = remaining <= thresholds.warn_days_left or used_share >= thresholds.warn_used_ratio
    about = "约 " if guessed else ""
    text = "今日到期" if remaining == 0 else f"剩余 {about}{remaining} 个工作日"
    return Badge("warn" if warn else "ok", text + suffix, remaining, provisional)


# -- queries ----------------------------------------------------------------------------------

_T = HumanTask.__table__
_C = Case.__table__
_COLUMNS = (
    _T.c.id,
    _T.c.title,
    _T.c.process_id,
    _T.c.task_spec,
    _T.c.state,
    _T.c.assignee,
    _T.c.created_at,
    _T.c.due_at,
    _T.c.due_provisional,
    _C.c.number,
    _C.c.status,
    _C.c.applicant_name,
    _C.c.applicant_id_masked,
    _C.c.insurances,
    _C.c.transfer_out_region,
    _C.c.transfer_in_region,
    _C.c.accepted_at,
    _C.c.committed_due,
    _C.c.legal_due,
    _C.c.deadlines_provisional,
    _C.c.completed_at,
)


def _prefix(column: Any, text: str) -> Any:
    # A range instead of LIKE: it uses a B-tree index on both SQLite and PostgreSQL and is
    # case-sensitive everywhere (LIKE is not on SQLite).
    return and_(column >= text, column < text + "\U0010ffff")


class DeadlineQueries:
    """What the worklist and supervision read with: the database, the runtime's clock and
    calendar, and the thresholds that colour a deadline."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        thresholds: Thresholds | None = None,
        calendar: workdays.WorkingCalendar | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.thresholds = thresholds or Thresholds()
        self.calendar = calendar or workdays.default_calendar


class WorklistService(DeadlineQueries):
    def page(self, owner: Owner, query: WorklistQuery) -> WorklistPage:
        now = self.clock.now()
        with self.db.sessions() as session:
            rows, has_next = self._rows(session, owner, query, now)
            counts = {view: self._count(session, owner, query, view, now) for view in VIEWS}
        items = [self._item(row, now) for row in rows]
        return WorklistPage(query, items, has_next, counts)

    def _where(self, owner: Owner, query: WorklistQuery, view: str, now: datetime) -> list[Any]:
        conditions: list[Any] = [_T.c.role == owner.role, _T.c.region == owner.region]
        if view == "mine":
            conditions += [_T.c.state == "claimed", _T.c.assignee == owner.username]
        else:
            conditions.append(_T.c.state == "open")
        if query.insurance:
            conditions.append(_C.c.insurances.contains(query.insurance))
        if query.case_number:
            conditions.append(_prefix(_C.c.number, query.case_number))
        if query.applicant:
            conditions.append(_prefix(_C.c.applicant_name, query.applicant))
        if query.due == "overdue":
            conditions.append(_T.c.due_at < now)
        elif query.due == "soon":
            conditions += [_T.c.due_at >= now, _T.c.due_at <= self._soon_limit(now)]
        return conditions

    def _soon_limit(self, now: datetime) -> datetime:
        today = workdays.local_date(now)
        days = max(self.thresholds.warn_days_left, 0)
        if days == 0:
            return workdays.end_of_day_utc(today)
        day, _ = self.calendar.add_working_days_provisional(today, days)
        return workdays.end_of_day_utc(day)

    def _base(self, conditions: list[Any]) -> Select[Any]:
        return (
            select(*_COLUMNS).select_from(_T.join(_C, _C.c.id == _T.c.case_id)).where(*conditions)
        )

    def _rows(
        self, session: Any, owner: Owner, query: WorklistQuery, now: datetime
    ) -> tuple[list[Any], bool]:
        conditions = self._where(owner, query, query.view, now)
        size, offset = query.per_page, (query.page - 1) * query.per_page
        if query.sort in ("deadline", "deadline_desc"):
            return self._by_deadline(session, conditions, query, size, offset)
        order: tuple[Any, ...]
        if query.sort == "case":
            order = (_C.c.number, _T.c.id)
        elif query.sort == "applicant":
            order = (_C.c.applicant_name, _C.c.number, _T.c.id)
        else:
            order = (_T.c.id.desc(),)
        rows = list(
            session.execute(self._base(conditions).order_by(*order).limit(size + 1).offset(offset))
        )
        return rows[:size], len(rows) > size

    def _by_deadline(
        self, session: Any, conditions: list[Any], query: WorklistQuery, size: int, offset: int
    ) -> tuple[list[Any], bool]:
        """Dated tasks by deadline, then undated ones: two index range scans, never a sort.

        (NULLs sort first on SQLite and last on PostgreSQL; ordering on `due_at IS NULL` would
        make both sort every row.)"""
        desc = query.sort == "deadline_desc"
        dated_order = (_T.c.due_at.desc(), _T.c.id.desc()) if desc else (_T.c.due_at, _T.c.id)
        dated = self._base([*conditions, _T.c.due_at.is_not(None)]).order_by(*dated_order)
        rows = list(session.execute(dated.limit(size + 1).offset(offset)))
        if len(rows) > size or query.due:
            return rows[:size], len(rows) > size
        if rows:
            undated_offset = 0
        else:
            dated_total = session.execute(
                select(func.count()).select_from(dated.with_only_columns(_T.c.id).subquery())
            ).scalar_one()
            undated_offset = max(offset - dated_total, 0)
        undated = self._base([*conditions, _T.c.due_at.is_(None)]).order_by(
            _T.c.id.desc() if desc else _T.c.id
        )
        need = size + 1 - len(rows)
        rows += list(session.execute(undated.limit(need).offset(undated_offset)))
        return rows[:size], len(rows) > size

    def _count(
        self, session: Any, owner: Owner, query: WorklistQuery, view: str, now: datetime
    ) -> tuple[int, bool]:
        conditions = self._where(owner, query, view, now)
        rows = select(_T.c.id)
        if query.insurance or query.case_number or query.applicant:
            rows = rows.select_from(_T.join(_C, _C.c.id == _T.c.case_id))
        # Without a filter on the case the count reads the task index alone (no row lookups).
        capped = rows.where(*conditions).limit(COUNT_CAP + 1).subquery()
        n = session.execute(select(func.count()).select_from(capped)).scalar_one()
        return min(n, COUNT_CAP), n > COUNT_CAP

    def _item(self, row: Any, now: datetime) -> WorkItem:
        return WorkItem(
            task_id=row.id,
            title=row.title,
            process_id=row.process_id,
            task_spec=row.task_spec,
            state=row.state,
            assignee=row.assignee,
            created_at=row.created_at,
            due_at=row.due_at,
            case_number=row.number,
            case_status=row.status,
            applicant_name=row.applicant_name,
            applicant_id_masked=row.applicant_id_masked,
            insurances=[i for i in row.insurances.split(",") if i],
            transfer_out_region=row.transfer_out_region,
            transfer_in_region=row.transfer_in_region,
            badge=badge(
                row.due_at,
                row.created_at,
                now,
                self.thresholds,
                bool(row.due_provisional),
                self.calendar,
            ),
            deadlines=row_deadlines(row, now, self.calendar),
        )


def overdue_or_due_soon(
    db: Database, region: str, roles: list[str], now: datetime, limit: int, soon: datetime
) -> list[Any]:
    """Open steps of a region past (or near) their deadline, across roles: one indexed range
    scan per role and state, merged by deadline (the supervisor's 督办 list)."""
    found: list[Any] = []
    with db.sessions() as session:
        for role in roles:
            for state in ("open", "claimed"):
                statement = (
                    select(*_COLUMNS, _T.c.role, _T.c.region)
                    .select_from(_T.join(_C, _C.c.id == _T.c.case_id))
                    .where(
                        _T.c.role == role,
                        _T.c.region == region,
                        _T.c.state == state,
                        _T.c.due_at.is_not(None),
                        _T.c.due_at <= soon,
                    )
                    .order_by(_T.c.due_at)
                    .limit(limit)
                )
                found.extend(session.execute(statement))
    found.sort(key=lambda row: (row.due_at, row.id))
    return found[:limit]


__all__ = [
    "Badge",
    "Owner",
    "Thresholds",
    "WorkItem",
    "WorklistPage",
    "WorklistQuery",
    "WorklistService",
    "badge",
    "overdue_or_due_soon",
]
