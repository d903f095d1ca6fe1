"""Configuration: every setting comes from an environment variable with a documented default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    # A stable key per installation so sessions survive restarts; never committed.
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


@dataclass
class Settings:
    """Resolved settings; `from_env()` documents each variable."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{INSTANCE / 'sitransfer.db'}")
    simulation: bool = False
    scheduler: bool = True
    secret_key: str = ""
    processes_dir: Path = ROOT / "processes"
    forms_dir: Path = ROOT / "forms"
    timezone: str = "Asia/Shanghai"
    cookie_secure: bool = True
    four_eyes: bool = False
    session_idle_minutes: int = 30
    worklist_warn_days_left: int = 1
    worklist_warn_used_ratio: float = 0.8
    portal_applications_per_hour: int = 20
    workflow_cache_size: int = 1000

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            # DATABASE_URL: SQLAlchemy URL; default SQLite file instance/sitransfer.db
            database_url=os.environ.get("DATABASE_URL")
            or f"sqlite:///{INSTANCE / 'sitransfer.db'}",
            # SIMULATION=1: the clock only moves through POST /api/simulation/clock
            simulation=_flag("SIMULATION", False),
            # SCHEDULER=off: this process does not run the timer scheduler
            scheduler=_flag("SCHEDULER", True),
            # SECRET_KEY: session signing key; default generated into instance/secret_key
            secret_key=_secret_key(),
            # PROCESSES_DIR / FORMS_DIR: where the diagrams and forms are read from
            processes_dir=Path(os.environ.get("PROCESSES_DIR", ROOT / "processes")),
            forms_dir=Path(os.environ.get("FORMS_DIR", ROOT / "forms")),
            # COOKIE_SECURE=0: allow the session cookie over plain http on a non-local host
            cookie_secure=_flag("COOKIE_SECURE", True),
            # FOUR_EYES=1: a deployment needs a second policy officer's approval
            four_eyes=_flag("FOUR_EYES", False),
            # SESSION_IDLE_MINUTES: a staff session unused this long is ended
            session_idle_minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
            # WORKLIST_WARN_DAYS_LEFT / WORKLIST_WARN_USED_RATIO: when a task's badge turns yellow
            worklist_warn_days_left=int(os.environ.get("WORKLIST_WARN_DAYS_LEFT", "1")),
            worklist_warn_used_ratio=float(os.environ.get("WORKLIST_WARN_USED_RATIO", "0.8")),
            # PORTAL_APPLICATIONS_PER_HOUR: online applications accepted from one client address
            # per hour on the anonymous portal (0 = no limit; the bearer-token API is not limited)
            portal_applications_per_hour=int(os.environ.get("PORTAL_APPLICATIONS_PER_HOUR", "20")),
            # WORKFLOW_CACHE_SIZE: running cases' workflows kept in memory per process (default
            # 1000; 0 = none): a hit saves restoring the task tree, each entry costs ~50-100 KiB
            workflow_cache_size=int(os.environ.get("WORKFLOW_CACHE_SIZE", "1000")),
        )
