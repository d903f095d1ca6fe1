"""Prometheus metrics of one runtime: a registry of its own (never the process-wide default),
per-process histograms, and gauges computed from the database and the runtime at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from app.features.cases.timer_leases import FiredTimer, TimerLeases
from app.features.operations.health import HealthChecks

log = logging.getLogger(__name__)
PREFIX = "sitransfer"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 86400.0)


class RuntimeCollector(Collector):
    """Figures every worker computes alike: read from the database when scraped, so they are
    right whichever gunicorn worker answers, with no multiprocess bookkeeping."""

    def __init__(self, health: HealthChecks, cache_size: Callable[[], int]) -> None:
        self.health = health
        self.cache_size = cache_size

    def collect(self) -> Iterator[Metric]:
        cache = GaugeMetricFamily(
            f"{PREFIX}_workflow_cache_entries", "Workflows held in this process's hot cache"
        )
        cache.add_metric([], self.cache_size())
        yield cache
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 when the database answered this scrape")
        try:
            figures = self.health.figures()
        except Exception:  # a scrape must still answer (and say the database is down)
            log.exception("metrics: reading figures from the database failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        due = GaugeMetricFamily(
            f"{PREFIX}_timers_due_unfired", "Timers past their due instant and not yet fired"
        )
        due.add_metric([], figures.due_unfired)
        yield due
        cases = GaugeMetricFamily(f"{PREFIX}_cases", "Cases by status", labels=["status"])
        for status, count in sorted(figures.cases_by_status.items()):
            cases.add_metric([status], count)
        yield cases
        audit = GaugeMetricFamily(f"{PREFIX}_audit_chain_length", "Events in the audit chain")
        audit.add_metric([], figures.audit_events)
        yield audit
        completions = CounterMetricFamily(
            f"{PREFIX}_task_completions", "User tasks completed (all processes, from the database)"
        )
        completions.add_metric([], figures.task_completions)
        yield completions
        outbox = GaugeMetricFamily(
            f"{PREFIX}_exchange_outbox",
            "Letters to other deployments in the outbox by status (pending, sent, failed)",
            labels=["status"],
        )
        for status in ("pending", "sent", "failed"):
            outbox.add_metric([status], figures.outbox_by_status.get(status, 0))
        yield outbox
        if figures.newest_heartbeat_age is not None:
            beat = GaugeMetricFamily(
                f"{PREFIX}_scheduler_heartbeat_age_seconds",
                "Seconds since the most recent scheduler heartbeat",
            )
            beat.add_metric([], figures.newest_heartbeat_age)
            yield beat


class Metrics:
    def __init__(
        self,
        health: HealthChecks,
        leases: TimerLeases,
        cache_size: Callable[[], int],
        multiprocess_dir: str | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir
        if multiprocess_dir:
            # The histograms below open their files there at once: a CLI command run with the
            # deployment's environment (init-db before gunicorn made it) must not crash.
            Path(multiprocess_dir).mkdir(parents=True, exist_ok=True)
        self.request_seconds = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "HTTP request latency by route (the URL rule, not the path)",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.timer_lateness = Histogram(
            f"{PREFIX}_timer_lateness_seconds",
            "From a timer's due instant to its firing, for timers this process fired",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self.runtime = RuntimeCollector(health, cache_size)
        self.registry.register(self.runtime)
        leases.listeners.append(self._observe_fired)

    def _observe_fired(self, fired: FiredTimer) -> None:
        self.timer_lateness.observe(max(fired.lateness, 0.0))

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The body and its content type, in the format the scraper's Accept header asks for
        (Prometheus text, or OpenMetrics)."""
        encode, content_type = choose_encoder(accept or "")
        if not self.multiprocess_dir:
            return encode(self.registry), content_type
        # gunicorn workers: histograms are summed over every worker's files in the directory
        # (PROMETHEUS_MULTIPROC_DIR); the database figures come from this worker's collector.
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        registry.register(self.runtime)
        return encode(registry), content_type
