"""The composition root of the services: one Backoffice per database, shared by web, CLI, scheduler."""

from __future__ import annotations

from collections.abc import Callable

from app import workdays
from app.config import Settings
from app.engine import scripting
from app.engine.host import Engine
from app.errors import NotFound
from app.store.db import Database

from . import local_rules, notifier, transfer_rules
from .accounts import AccountService
from .applications import ApplicationService
from .calendar import CalendarService
from .case_data import snapshot
from .case_documents import CaseDocuments
from .cases import CaseService
from .certificates import CertificateService
from .deployments import DeploymentService
from .forms import FormCatalog
from .progress_text import insurance_progress
from .runtime import DatabaseOverrides, SpecCache, WorkflowCache
from .scenarios import ScenarioRunner


class Backoffice:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        # This runtime's own calendar (bundled schedule + this database's overrides) and limits
        # table: the engine and the services compute this office's deadlines with them, never
        # with another runtime's or a replay's.
        self.overrides = DatabaseOverrides(self.db)
        self.working_calendar = workdays.WorkingCalendar(self.overrides)
        self.overrides.calendars.append(self.working_calendar)
        self.limits = scripting.LimitTable(settings.processes_dir / "limits.json")
        self.engine = Engine(scripting.ScriptFunctions(self.working_calendar, self.limits))
        self.forms = FormCatalog(settings.forms_dir)
        self.specs = SpecCache()
        self.workflows = WorkflowCache(settings.workflow_cache_size)
        self.overrides.overrides()  # load before any write transaction needs a deadline
        self.cases = CaseService(self.db, self.engine, self.forms, self.specs, self.workflows)
        self.deployments = DeploymentService(self.db, settings.processes_dir, settings.forms_dir)
        self.calendar = CalendarService(self.db, self.overrides, self.working_calendar)
        self.applications = ApplicationService(self.cases)
        self.accounts = AccountService(self.db)
        local_rules.install(self.cases)
        transfer_rules.install(self.cases)
        self.documents = CaseDocuments(self.db, self.cases.store, self.workflows)
        self.certificates = CertificateService(self.db, self.documents)
        self.scenarios = ScenarioRunner(
            self.applications, self.cases, self.documents, self._insurance_results
        )
        notifier.install(self)  # status changes -> messages to the applicant (outbox by default)

    def on_timers_changed(self, listener: Callable[[], None]) -> None:
        """Called after a use case that may have armed timers commits (the scheduler re-arms)."""
        self.cases.listeners.append(listener)

    def _insurance_results(self, number: str) -> dict[str, str]:
        """Per insurance, the result code GET /api/cases/{n} shows."""
        snap = snapshot(self, number)
        if snap is None:
            raise NotFound(f"办件 {number} 不存在")
        return {ins: insurance_progress(snap, ins)["status"] for ins in snap.insurances}

    def close(self) -> None:
        self.db.dispose()
