"""The composition root of the services: one Backoffice per database, shared by web, CLI, scheduler."""

from __future__ import annotations

import gc
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

# Python's default young-generation threshold (700 allocations) suits short scripts. A use
# case here builds and drops task trees (cyclic: only the collector frees them) and rows by
# the thousand; with fewer, larger collections a bundle took ~20 % less CPU, in memory and
# through the services alike (make bench: 21 -> 17 ms and 38 -> 31 ms per bundle).
GC_THRESHOLDS = (20_000, 50, 100)


class Backoffice:
    def __init__(self, settings: Settings) -> None:
        gc.set_threshold(*GC_THRESHOLDS)  # process-wide, like the calendar and limits below
        self.settings = settings
        self.db = Database(settings.database_url)
        self.engine = Engine()
        self.forms = FormCatalog(settings.forms_dir)
        self.specs = SpecCache()
        self.workflows = WorkflowCache()
        scripting.configure_limits(settings.processes_dir / "limits.json")
        self.overrides = DatabaseOverrides(self.db)
        workdays.set_override_source(self.overrides)
        self.overrides.overrides()  # load before any write transaction needs a deadline
        self.cases = CaseService(self.db, self.engine, self.forms, self.specs, self.workflows)
        self.deployments = DeploymentService(self.db, settings.processes_dir, settings.forms_dir)
        self.calendar = CalendarService(self.db, self.overrides)
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
