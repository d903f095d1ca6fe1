"""The composition root of the services: one Backoffice per database, shared by web, CLI, scheduler."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.engine import scripting
from app.engine.host import Engine
from app.features.accounts.account_admin import AccountAdmin
from app.features.accounts.accounts import AccountService
from app.features.accounts.api_tokens import ApiTokenService
from app.features.accounts.login_throttle import login_throttle
from app.features.accounts.own_password import OwnPassword
from app.features.accounts.sso import SsoAccounts
from app.features.audit.chain import AuditChain
from app.features.cases import document_checks, letters, local_rules, notifier, transfer_rules
from app.features.cases.caches import DatabaseOverrides, SpecCache, WorkflowCache
from app.features.cases.certificates import CertificateService
from app.features.cases.documents import CaseDocuments
from app.features.cases.forms import FormCatalog
from app.features.cases.notifier import Notifier
from app.features.cases.progress_text import insurance_progress
from app.features.cases.service import CaseService
from app.features.cases.snapshot import snapshot
from app.features.cases.task_actions import TaskActions
from app.features.exchange.receiver import MessageHandler
from app.features.exchange.service import Exchange
from app.features.intake.applications import ApplicationService
from app.features.intake.portal import PortalService
from app.features.modeling.calendar import CalendarService
from app.features.modeling.deployments import DeploymentService
from app.features.modeling.scenarios import ScenarioRunner
from app.kernel import workdays
from app.kernel.clock import Clock
from app.kernel.config import Settings
from app.kernel.errors import NotFound
from app.store.db import Database
from app.store.simulation_time import StoredTime


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    messages: Notifier | None = None,
    exchange_handler: MessageHandler | None = None,
) -> Backoffice:
    """The runtime for one database: `clock` defaults to the deployment's (see Backoffice),
    `messages` (how applicants are told of status changes) to the outbox table,
    `exchange_handler` (what a letter from another deployment does) to refusing them all."""
    return Backoffice(settings, clock=clock, messages=messages, exchange_handler=exchange_handler)


def deployment_clock(settings: Settings, db: Database) -> Clock:
    """Real time; in a simulated deployment, the simulated time every process shares (§6)."""
    if not settings.simulation:
        return Clock()
    start = settings.simulation_start or datetime.now(UTC)
    return Clock(StoredTime(db, start))


class Backoffice:
    """One runtime: a database and every service that works on it, wired explicitly.

    Nothing here touches process-wide state: two runtimes (a live office and a sandbox or a
    test's second office) live side by side in one process, each with its own clock,
    calendar, limits and caches."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        messages: Notifier | None = None,
        exchange_handler: MessageHandler | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.clock = clock if clock is not None else deployment_clock(settings, self.db)
        # This runtime's own calendar (bundled schedule + this database's overrides) and limits
        # table: the engine and the services compute this office's deadlines with them, never
        # with another runtime's or a replay's.
        self.overrides = DatabaseOverrides(self.db)
        self.working_calendar = workdays.WorkingCalendar(self.overrides)
        self.overrides.calendars.append(self.working_calendar)
        self.limits = scripting.LimitTable(settings.processes_dir / "limits.json")
        # A letter for a region served elsewhere leaves the workflow for the outbox.
        self.engine = Engine(
            scripting.ScriptFunctions(self.working_calendar, self.limits, self.clock),
            letters.routing(settings.exchange.regions),
        )
        self.forms = FormCatalog(settings.forms_dir)
        self.specs = SpecCache()
        self.workflows = WorkflowCache(settings.workflow_cache_size)
        self.overrides.overrides()  # load before any write transaction needs a deadline
        self.cases = CaseService(self.db, self.engine, self.forms, self.specs, self.workflows)
        self.cases.timer_leases.lease = timedelta(seconds=settings.timer_lease_seconds)
        self.deployments = DeploymentService(
            self.db, settings.processes_dir, settings.forms_dir, self.clock
        )
        self.calendar = CalendarService(self.db, self.overrides, self.clock, self.working_calendar)
        self.applications = ApplicationService(self.cases)
        self.accounts = AccountService(
            self.db, self.clock, throttle=login_throttle(settings, self.db)
        )
        self.account_admin = AccountAdmin(self.db, self.clock.now, self.accounts.throttle)
        self.api_tokens = ApiTokenService(self.db, self.clock)
        self.sso = SsoAccounts(self.db, self.clock)  # links work before OIDC_ISSUER is set
        self.own_password = OwnPassword(self.db, self.clock)
        self.audit_chain = AuditChain(self.db, self.clock)
        self.task_actions = TaskActions(self.db, self.clock)
        local_rules.install(self.cases)
        transfer_rules.install(self.cases)
        regions = settings.exchange.regions
        document_checks.install(self.cases, lambda region: letters.serves(regions, region))
        self.documents = CaseDocuments(self.db, self.cases.store, self.workflows, self.clock)
        self.certificates = CertificateService(self.db, self.documents)
        self.portal = PortalService(self.cases, self.documents, self.working_calendar)
        self.scenarios = ScenarioRunner(
            self.applications, self.cases, self.documents, self._insurance_results
        )
        # Status changes -> messages to the applicant (the outbox table unless given an adapter).
        notifier.install(self.cases, messages)
        # Letters to and from other deployments (docs/exchange.md).
        self.letters = letters.CaseLetters(self.cases)
        self.exchange = Exchange(
            settings.exchange, self.db, self.clock, exchange_handler or self.letters
        )
        if settings.exchange.regions:
            self.letters.attach(self.exchange.outbox)

    def on_timers_changed(self, listener: Callable[[], None]) -> None:
        """Called after a use case that may have armed timers commits (the scheduler re-arms)."""
        self.cases.listeners.append(listener)

    def _insurance_results(self, number: str) -> dict[str, str]:
        """Per insurance, the result code GET /api/cases/{n} shows."""
        snap = snapshot(self.cases, number)
        if snap is None:
            raise NotFound(f"办件 {number} 不存在")
        return {ins: insurance_progress(snap, ins)["status"] for ins in snap.insurances}

    def close(self) -> None:
        self.db.dispose()
