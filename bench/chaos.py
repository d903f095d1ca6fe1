"""`make chaos`: PostgreSQL, 3 gunicorn workers and 2 schedulers under kill -9 while concurrent
clients drive whole bundles over HTTP and the simulated clock moves; then every check."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, text

from bench import chaos_checks as checks
from bench.chaos_client import Client, ClockReader, Tally, load_scenarios, results_path
from bench.chaos_cluster import Deployment, Postgres

CLOCK_END = datetime(2026, 12, 20, 1, 0)  # stay inside the years whose calendar is loaded (UTC)


class Chaos:
    def __init__(self, args: argparse.Namespace, deployment: Deployment, db: Engine, token: str):
        self.args = args
        self.dep = deployment
        self.db = db
        self.token = token
        self.rng = random.Random(args.seed)
        self.tally = Tally()
        self.stop = threading.Event()
        self.moves: list[checks.Move] = []
        self.kills: list[dict[str, Any]] = []
        self.scheduler_pids: set[int] = set()
        self.kills_spared = 0  # scheduler kills skipped: fewer than two schedulers had started
        self.lock = threading.Lock()
        self.next_bundle = 0

    # -- the clock -------------------------------------------------------------------------
    def _row(self) -> tuple[datetime, datetime]:
        with self.db.connect() as conn:
            row = conn.execute(
                text("SELECT now_at, moved_at FROM simulation_time WHERE id = 1")
            ).one()
        return row.now_at, row.moved_at

    def _record(self, how: str) -> None:
        now_at, moved_at = (_utc(t) for t in self._row())
        if not self.moves or now_at > self.moves[-1].now_at:
            self.moves.append(checks.Move(now_at, moved_at, how))

    def move_clock(self) -> None:
        """Every few seconds: half the moves through the API (the web worker fires what fell
        due before it answers), half by writing the clock row alone, as a process killed right
        after moving it would leave it; then only the schedulers' polls fire those timers.
        Which one is drawn at random: timers fall due at the end of a day, a whole number of
        steps apart, so strict alternation would leave every day's crossing to the same kind."""
        kinds = random.Random(self.args.seed + 1)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {self.token}"
        step = f"PT{self.args.clock_step_hours}H"
        while not self.stop.wait(self.args.clock_every):
            if self._row()[0] >= CLOCK_END:
                continue
            if kinds.random() < 0.5:
                # A killed worker may drop the answer; whether it moved is read from the row.
                with contextlib.suppress(requests.RequestException):
                    api.post(
                        self.dep.base + "/api/simulation/clock", json={"advance": step}, timeout=60
                    )
                self._record("api")
            else:
                with self.db.begin() as conn:
                    conn.execute(
                        text(
                            "UPDATE simulation_time SET now_at = now_at + make_interval(hours => :h),"
                            " moved_at = :wall WHERE id = 1"
                        ),
                        {
                            "h": self.args.clock_step_hours,
                            "wall": datetime.now(UTC).replace(tzinfo=None),
                        },
                    )
                self._record("row")

    # -- kill -9 ---------------------------------------------------------------------------
    def _holding(self) -> set[int]:
        """Pids holding a live lease on a pending timer right now."""
        with self.db.connect() as conn:
            holders = conn.execute(
                text(
                    "SELECT DISTINCT claimed_by FROM timer WHERE fired_at IS NULL"
                    " AND cancelled_at IS NULL AND lease_until > :wall"
                ),
                {"wall": datetime.now(UTC).replace(tzinfo=None)},
            ).scalars()
            return {int(h.split(":")[-2]) for h in holders if h}

    def _stranded(self, pid: int) -> list[int]:
        with self.db.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT id FROM timer WHERE fired_at IS NULL AND cancelled_at IS NULL"
                        " AND claimed_by LIKE :holder AND lease_until > :wall"
                    ),
                    {"holder": f"%:{pid}:%", "wall": datetime.now(UTC).replace(tzinfo=None)},
                ).scalars()
            )

    def _beating(self) -> set[int]:
        """Pids of the schedulers that have started (written their heartbeat row)."""
        with self.db.connect() as conn:
            ids = conn.execute(text("SELECT id FROM scheduler_heartbeat")).scalars()
            return {int(i.split(":")[-2]) for i in ids}

    def kill_loop(self) -> None:
        n = 0
        while not self.stop.wait(self.args.kill_every * (0.5 + self.rng.random())):
            n += 1
            if n % 2:
                self._kill_worker()
            else:
                self._kill_scheduler()

    def _kill_worker(self) -> None:
        pids = self.dep.worker_pids()
        if not pids:
            return
        pid = self.rng.choice(pids)
        try:
            self.dep.kill_worker(pid)
        except ProcessLookupError:
            return
        self.kills.append(
            {"at": time.time(), "kind": "web", "pid": pid, "stranded": self._stranded(pid)}
        )

    def _kill_scheduler(self) -> None:
        """Aim at a scheduler holding leases when one does within a second: the take-over after
        the lease is what this kill is for. Only a scheduler that has started (written its
        heartbeat) is a target, and only while another one has started too: killing a process
        still importing is not a fault a deployment sees, and the claim measured is that the
        remaining scheduler takes over."""
        beating = self._beating()
        alive = [
            i
            for i, p in enumerate(self.dep.scheduler_procs)
            if p.poll() is None and p.pid in beating
        ]
        if len(alive) < 2:
            self.kills_spared += 1
            return
        target = self.rng.choice(alive)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            holders = self._holding()
            aimed = [i for i in alive if self.dep.scheduler_procs[i].pid in holders]
            if aimed:
                target = aimed[0]
                break
            time.sleep(0.05)
        started = self._beating()  # read before the kill: was it up, or still starting?
        pid = self.dep.kill_scheduler(target)
        kill = {"at": time.time(), "kind": "scheduler", "pid": pid, "stranded": self._stranded(pid)}
        kill["was_running"] = pid in started
        self.kills.append(kill)
        restart = threading.Timer(self.args.restart_delay, self._restart, (target,))
        restart.daemon = True
        restart.start()

    def _restart(self, n: int) -> None:
        with self.lock:
            self.dep.restart_scheduler(n)
            self.scheduler_pids.add(self.dep.scheduler_procs[n].pid)

    # -- clients ---------------------------------------------------------------------------
    def client_loop(self, seed: int) -> None:
        scenarios = load_scenarios()
        client = Client(self.dep.base, self.token, self.db, self.tally, random.Random(seed))
        client.hard_deadline = self.deadline + self.args.grace
        clock = ClockReader(self.db)
        clock.stop = self.stop
        clock.end = CLOCK_END
        while True:
            with self.lock:
                n = self.next_bundle
                self.next_bundle += 1
            if n >= self.args.bundles or time.monotonic() > self.deadline:
                return
            try:
                client.run_bundle(scenarios[n % len(scenarios)], n, clock)
            except Exception as exc:  # a harness error is a failure to report, not a crash
                self.tally.note(failures=f"bundle {n}: {type(exc).__name__}: {exc}")

    def run(self) -> dict[str, Any]:
        self.scheduler_pids = set(self.dep.scheduler_pids())
        self._record("start")
        started = time.monotonic()
        self.deadline = started + self.args.max_seconds
        helpers = [threading.Thread(target=self.move_clock, daemon=True)]
        if self.args.kill_every > 0:
            helpers.append(threading.Thread(target=self.kill_loop, daemon=True))
        clients = [
            threading.Thread(
                target=self.client_loop, args=(self.args.seed * 1000 + i,), daemon=True
            )
            for i in range(self.args.clients)
        ]
        for thread in helpers + clients:
            thread.start()
        for thread in clients:
            while thread.is_alive():  # in slices, so that Ctrl-C stops the run (and cleans up)
                thread.join(timeout=1.0)
        driven = time.monotonic() - started
        self.stop.set()
        for thread in helpers:
            thread.join(timeout=90)
        time.sleep(self.args.restart_delay + 0.5)  # a scheduler restart still pending
        drained = self.drain()
        return self.report(driven, drained)

    def drain(self) -> float:
        """After the last kill: every due timer must fire within a lease (plus a poll)."""
        started = time.monotonic()
        limit = self.dep.lease_seconds * 3 + 10
        while time.monotonic() - started < limit:
            with self.db.connect() as conn:
                if not checks.missed_timers(conn):
                    break
            time.sleep(0.2)
        return time.monotonic() - started

    # -- the report ------------------------------------------------------------------------
    def report(self, driven: float, drained: float) -> dict[str, Any]:
        with self.db.connect() as conn:
            found = checks.integrity(
                conn, self.tally.acknowledged_cases, self.tally.acknowledged_tasks
            )
            missed = checks.missed_timers(conn)
            fired = checks.fires(conn)
        late = checks.lateness(self.moves, fired)
        by_id = {f.timer_id: f for f in fired}
        stranded_after: list[float] = []
        for kill in self.kills:
            for timer_id in kill["stranded"]:
                fire = by_id.get(timer_id)
                if fire is not None:
                    stranded_after.append(fire.fired_wall.timestamp() - kill["at"])
        verify = self.dep.flask("audit", "verify", check=False)
        replay = self.dep.flask("audit", "replay", "--all", check=False)
        summary = replay.stdout.strip().splitlines()[-1] if replay.stdout.strip() else ""
        sched = [x for f, _m, x in late if f.holder_pid in self.scheduler_pids]
        lost = len(found["lost_cases"]) + len(found["lost_tasks"])
        duplicated = (
            len(found["tasks_completed_twice"])
            + len(found["timers_fired_twice"])
            + len(found["timer_rows_events_differ"])
            + len(found["completions_without_event"])
        )
        values = [x for _f, _m, x in late]
        # Timers a kill left claimed wait out the lease by design; the others show the poll.
        stranded_ids = {t for kill in self.kills for t in kill["stranded"]}
        undisturbed = [x for f, _m, x in late if f.timer_id not in stranded_ids]
        stranded = sorted(round(x, 3) for f, _m, x in late if f.timer_id in stranded_ids)
        result: dict[str, Any] = {
            "bench": "chaos",
            "bundles": self.tally.bundles_done,
            "bundles_attempted": min(self.next_bundle, self.args.bundles),
            "bundles_abandoned": self.tally.abandoned,
            "kills": len(self.kills),
            "kills_web": sum(1 for k in self.kills if k["kind"] == "web"),
            "kills_scheduler": sum(1 for k in self.kills if k["kind"] == "scheduler"),
            # a scheduler killed before it had started: none may be left running meanwhile
            "kills_scheduler_starting": sum(
                1 for k in self.kills if k["kind"] == "scheduler" and not k["was_running"]
            ),
            "kills_scheduler_spared": self.kills_spared,
            "lost": lost,
            "duplicated": duplicated,
            "stuck": len(found["stuck"]),
            "timers_missed": len(missed),
            "http_5xx": len(self.tally.server_errors),
            "connection_errors": self.tally.connection_errors,
            "requests": self.tally.requests,
            "completions": len(self.tally.acknowledged_tasks),
            "timers_fired": len(late),
            "timer_lateness_p50_s": checks.percentile(values, 0.5),
            "timer_lateness_p95_s": checks.percentile(values, 0.95),
            "timer_lateness_max_s": checks.percentile(values, 1.0),
            "timer_lateness_scheduler_p95_s": checks.percentile(sched, 0.95),
            "timer_lateness_undisturbed_p95_s": checks.percentile(undisturbed, 0.95),
            # by how the clock passed the due time: API (that worker fires before answering)
            # or the row alone (only a scheduler's poll sees it)
            "timer_lateness_api_p95_s": checks.percentile(
                [x for _f, m, x in late if m.how == "api"], 0.95
            ),
            "timer_lateness_row_p95_s": checks.percentile(
                [x for _f, m, x in late if m.how == "row"], 0.95
            ),
            "timers_fired_by_schedulers": len(sched),
            "stranded_by_kills": len(stranded_after),
            "stranded_fired_after_kill_max_s": checks.percentile(stranded_after, 1.0),
            # each stranded timer: kill -> fired (the take-over, to hold against the lease) and
            # its lateness due -> fired (which adds the wait before the kill)
            "stranded_fired_after_kill_s": sorted(round(x, 3) for x in stranded_after),
            "timer_lateness_stranded_s": stranded,
            "drain_s": round(drained, 2),
            "lease_s": self.dep.lease_seconds,
            "poll_s": self.dep.poll_seconds,
            "audit_verify": verify.returncode == 0,
            "audit_verify_line": verify.stdout.strip().splitlines()[-1:] or verify.stderr[-200:],
            "replay": summary,
            "replay_ok": replay.returncode == 0,
            "failures": len(self.tally.failures),
            "duration_s": round(driven, 1),
            "workers": self.dep.workers,
            "schedulers": self.dep.schedulers,
            "clients": self.args.clients,
            "commit_timestamps": bool(fired),
        }
        details = {
            "checks": found,
            "missed": missed,
            "failures": self.tally.failures[:50],
            "server_errors": self.tally.server_errors[:50],
            "kills": self.kills,
            "statuses": dict(self.tally.statuses),
        }
        (self.dep.workdir / "details.json").write_text(
            json.dumps(details, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return result


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def passed(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """What makes the run fail (exit 1)."""
    problems = [
        f"{key} = {result[key]}"
        for key in ("lost", "duplicated", "stuck", "timers_missed", "http_5xx", "failures")
        if result[key]
    ]
    if not result["audit_verify"]:
        problems.append("audit verify failed")
    if not result["replay_ok"]:
        problems.append(f"audit replay: {result['replay']}")
    if result["bundles"] < args.min_bundles:
        problems.append(f"only {result['bundles']} bundles completed (< {args.min_bundles})")
    if result["kills"] < args.min_kills:
        problems.append(f"only {result['kills']} kills (< {args.min_kills})")
    return problems


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bundles", type=int, default=320)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--kill-every", type=float, default=5.0, help="mean seconds between kills")
    p.add_argument("--restart-delay", type=float, default=1.0, help="scheduler restart after")
    p.add_argument("--clock-every", type=float, default=1.0)
    p.add_argument("--clock-step-hours", type=int, default=3)
    p.add_argument("--lease", type=float, default=0.5)
    p.add_argument("--poll", type=float, default=0.5)
    p.add_argument("--max-seconds", type=float, default=1500, help="stop starting bundles after")
    p.add_argument("--grace", type=float, default=30, help="then bundles stop mid-way")
    p.add_argument("--min-bundles", type=int, default=300)
    p.add_argument("--min-kills", type=int, default=20)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--out", default="chaos", help="results file stem under bench/results/")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    workdir = Path(tempfile.mkdtemp(prefix="chaos."))
    pg = Postgres(os.environ.get("CHAOS_POSTGRES_URL") or None, workdir)
    deployment = Deployment(pg.url, workdir, poll_seconds=args.poll, lease_seconds=args.lease)
    db = create_engine(pg.url, pool_size=args.clients + 4, max_overflow=10)
    try:
        token = deployment.prepare()
        deployment.start()
        result = Chaos(args, deployment, db, token).run()
    finally:
        deployment.stop()
        db.dispose()
        pg.stop()
    line = json.dumps(result, ensure_ascii=False)
    print(line, flush=True)
    results_path().mkdir(exist_ok=True)
    (results_path() / f"{args.out}.json").write_text(line + "\n", encoding="utf-8")
    problems = passed(result, args)
    for problem in problems:
        print(f"chaos: FAIL {problem}", file=sys.stderr)
    print(f"chaos: logs and details in {workdir}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
