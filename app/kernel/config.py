"""Configuration: every setting comes from an environment variable with a documented default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _instant(name: str) -> datetime | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an ISO-8601 instant with offset: {raw!r}") from exc
    if at.tzinfo is None:
        raise ValueError(f"{name} needs a time-zone offset, e.g. 2026-03-02T09:00:00+08:00")
    return at


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


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on through an OpenID Connect provider (authorization code + PKCE)."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile"
    redirect_uri: str = ""  # empty: this app's /login/sso/callback on the requested host


def _oidc() -> OidcSettings | None:
    issuer = os.environ.get("OIDC_ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    client_id = os.environ.get("OIDC_CLIENT_ID", "").strip()
    client_secret = os.environ.get("OIDC_CLIENT_SECRET", "").strip()
    if not client_id or not client_secret:
        raise ValueError("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are needed too")
    url = urlparse(issuer)
    local = url.hostname in {"localhost", "127.0.0.1", "::1"}
    if url.scheme != "https" and not (url.scheme == "http" and local):
        # Tokens and the client secret travel to this address: only over TLS (localhost: tests).
        raise ValueError(f"OIDC_ISSUER must be an https:// URL: {issuer!r}")
    scopes = os.environ.get("OIDC_SCOPES", "openid profile").split()
    if "openid" not in scopes:
        raise ValueError("OIDC_SCOPES must include openid")
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        scopes=" ".join(scopes),
        redirect_uri=os.environ.get("OIDC_REDIRECT_URI", "").strip(),
    )


@dataclass(frozen=True)
class ExchangeSettings:
    """Letters between deployments (docs/exchange.md); `_exchange()` documents each variable."""

    regions: tuple[str, ...] = ()  # region prefixes served here; () = every region, no exchange
    mode: str = "peer"  # "peer" or "hub" (a relay between peers, the national platform's role)
    name: str = ""  # this deployment's name in the receipts it signs as a hub
    directory: Path | None = None
    private_key: Path | None = None
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    timeout_seconds: float = 10.0
    poll_seconds: float = 2.0
    lease_seconds: float = 60.0
    max_bytes: int = 256 * 1024
    ready_pending_seconds: float = 600.0


def _regions(raw: str) -> tuple[str, ...]:
    regions = tuple(r.strip() for r in raw.split(",") if r.strip())
    for region in regions:
        if not (region.isascii() and region.isdigit() and 2 <= len(region) <= 6):
            raise ValueError(f"REGIONS: {region!r} is not a region prefix of 2-6 digits")
    return regions


def _path(raw: str) -> Path | None:
    raw = raw.strip()
    return Path(raw) if raw else None


def _exchange() -> ExchangeSettings:
    mode = os.environ.get("EXCHANGE_MODE", "peer").strip() or "peer"
    if mode not in {"peer", "hub"}:
        raise ValueError(f"EXCHANGE_MODE must be peer or hub: {mode!r}")
    return ExchangeSettings(
        # REGIONS: comma-separated region prefixes this deployment serves (e.g. 330602,3301);
        # empty (default): it serves every region and exchanges no letters
        regions=_regions(os.environ.get("REGIONS", "")),
        # EXCHANGE_MODE: peer (default) or hub (relays letters between peers by to_region)
        mode=mode,
        # EXCHANGE_NAME: this deployment's name, written into the receipts a hub signs
        name=os.environ.get("EXCHANGE_NAME", "").strip(),
        # EXCHANGE_DIRECTORY: the peer directory (JSON file); unset: no peers known
        directory=_path(os.environ.get("EXCHANGE_DIRECTORY", "")),
        # EXCHANGE_PRIVATE_KEY: this deployment's Ed25519 key (PEM; `flask exchange keygen`)
        private_key=_path(os.environ.get("EXCHANGE_PRIVATE_KEY", "")),
        # EXCHANGE_MAX_ATTEMPTS: deliveries tried before a letter is marked failed (default 8)
        max_attempts=int(os.environ.get("EXCHANGE_MAX_ATTEMPTS", "8")),
        # EXCHANGE_BACKOFF_SECONDS / EXCHANGE_BACKOFF_MAX_SECONDS: the wait after the n-th
        # failed try is base * 2**(n-1), capped (defaults 2 s and 600 s)
        backoff_seconds=float(os.environ.get("EXCHANGE_BACKOFF_SECONDS", "2")),
        backoff_max_seconds=float(os.environ.get("EXCHANGE_BACKOFF_MAX_SECONDS", "600")),
        # EXCHANGE_TIMEOUT_SECONDS: one delivery's HTTP timeout (default 10 s)
        timeout_seconds=float(os.environ.get("EXCHANGE_TIMEOUT_SECONDS", "10")),
        # EXCHANGE_POLL_SECONDS: how often a scheduler looks for letters due to be sent
        poll_seconds=float(os.environ.get("EXCHANGE_POLL_SECONDS", "2")),
        # EXCHANGE_LEASE_SECONDS: a letter claimed by a sender that died is taken over after this
        lease_seconds=float(os.environ.get("EXCHANGE_LEASE_SECONDS", "60")),
        # EXCHANGE_MAX_BYTES: largest envelope accepted or queued (default 256 KiB)
        max_bytes=int(os.environ.get("EXCHANGE_MAX_BYTES", str(256 * 1024))),
        # READY_EXCHANGE_PENDING_SECONDS: /readyz fails while a letter waits longer than this
        ready_pending_seconds=float(os.environ.get("READY_EXCHANGE_PENDING_SECONDS", "600")),
    )


@dataclass
class Settings:
    """Resolved settings; `from_env()` documents each variable."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{INSTANCE / 'sitransfer.db'}")
    simulation: bool = False
    simulation_start: datetime | None = None
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
    scheduler_poll_seconds: float = 10.0
    timer_lease_seconds: float = 0.5
    ready_expect_scheduler: bool = True
    ready_timer_delay_seconds: float = 300.0
    metrics_multiprocess_dir: str | None = None
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_lock_minutes: int = 15
    trusted_proxies: int = 0
    workflow_cache_size: int = 1000
    max_content_length: int = 1024 * 1024
    oidc: OidcSettings | None = None
    exchange: ExchangeSettings = field(default_factory=lambda: ExchangeSettings())

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            # DATABASE_URL: SQLAlchemy URL; default SQLite file instance/sitransfer.db
            database_url=os.environ.get("DATABASE_URL")
            or f"sqlite:///{INSTANCE / 'sitransfer.db'}",
            # SIMULATION=1: the clock only moves through POST /api/simulation/clock
            simulation=_flag("SIMULATION", False),
            # SIMULATION_START: ISO-8601 instant with offset where a simulated deployment's clock
            # starts (first start only; the clock then lives in the database); default real now
            simulation_start=_instant("SIMULATION_START"),
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
            # SCHEDULER_POLL_SECONDS: how often a scheduler writes its heartbeat and looks for
            # due timers other processes armed
            scheduler_poll_seconds=float(os.environ.get("SCHEDULER_POLL_SECONDS", "10")),
            # TIMER_LEASE_SECONDS: a claimed timer is taken over by another scheduler this long
            # after its claimer stopped renewing the lease (it renews every third of it)
            timer_lease_seconds=float(os.environ.get("TIMER_LEASE_SECONDS", "0.5")),
            # READY_EXPECT_SCHEDULER=0: /readyz does not require a recent scheduler heartbeat
            ready_expect_scheduler=_flag("READY_EXPECT_SCHEDULER", True),
            # READY_TIMER_DELAY_SECONDS: /readyz fails while a due timer is unfired this long
            ready_timer_delay_seconds=float(os.environ.get("READY_TIMER_DELAY_SECONDS", "300")),
            # PROMETHEUS_MULTIPROC_DIR: gunicorn workers pool their histograms in this directory
            # (prometheus_client's multiprocess mode) so /metrics sums every worker's
            metrics_multiprocess_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
            # LOGIN_MAX_FAILURES / LOGIN_MAX_FAILURES_PER_ADDRESS: failed sign-ins for one account
            # / from one client address within LOGIN_LOCK_MINUTES that lock it for that long
            login_max_failures=int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
            login_max_failures_per_address=int(
                os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")
            ),
            login_lock_minutes=int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
            # TRUSTED_PROXIES: reverse proxies in front of the app whose X-Forwarded-For and
            # X-Forwarded-Proto are believed (0: none; the client address is the peer's)
            trusted_proxies=int(os.environ.get("TRUSTED_PROXIES", "0")),
            # WORKFLOW_CACHE_SIZE: running cases' workflows kept in memory per process (default
            # 1000; 0 = none): a hit saves restoring the task tree, each entry costs ~50-100 KiB
            workflow_cache_size=int(os.environ.get("WORKFLOW_CACHE_SIZE", "1000")),
            # MAX_CONTENT_LENGTH: largest request body in bytes (default 1 MiB, 20× the largest
            # diagram); a larger one is answered 413 before anything reads it
            max_content_length=int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
            # OIDC_ISSUER (unset: no single sign-on), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
            # OIDC_SCOPES (default "openid profile"), OIDC_REDIRECT_URI (default: this app's
            # /login/sso/callback): sign-in through the province's staff identity platform
            oidc=_oidc(),
            exchange=_exchange(),
        )
