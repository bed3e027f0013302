"""`GET /metrics` in Prometheus's text format: HTTP requests and their latency per route,
and, counted at scrape time, the deliveries and rounds in the database, the outbox's
outcomes and the scheduler's lag.

Each server has its own registry (several run in one test process). The endpoint needs
no authentication and so shows counts only: no ids, names or text of members."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.domain import DeliveryStatus
from bot.schedule.jobs import Jobs
from bot.services.backlog import Backlog, BacklogService
from inbreng.server.request_log import route_of
from inbreng.server.scheduler import TICKING, Schedule

logger = logging.getLogger(__name__)

ROUTE = "/metrics"
# What `generate_latest` writes: the classic text format, read by every Prometheus.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def install(web_app: web.Application) -> CollectorRegistry:
    """Measure every request and serve `GET /metrics`; returns the registry, for the
    collectors of what is known only once the server is built (`StateCollector`)."""
    registry = CollectorRegistry()
    web_app.middlewares.append(_measured(registry))
    web_app.router.add_get(ROUTE, _endpoint(registry))
    return registry


def _measured(registry: CollectorRegistry) -> Middleware:
    requests = Counter(
        "inbreng_http_requests",
        "HTTP requests answered, by route pattern, method and status.",
        ["route", "method", "status"],
        registry=registry,
    )
    durations = Histogram(
        "inbreng_http_request_duration_seconds",
        "Time to answer an HTTP request, by route pattern and method.",
        ["route", "method"],
        registry=registry,
    )

    @web.middleware
    async def measured(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500  # unless the handler says otherwise
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as refusal:
            status = refusal.status
            raise
        finally:
            route = route_of(request)
            requests.labels(route, request.method, str(status)).inc()
            durations.labels(route, request.method).observe(time.perf_counter() - started)

    return measured


def _endpoint(registry: CollectorRegistry) -> Handler:
    async def metrics(request: web.Request) -> web.Response:
        # In a thread: collecting queries the database.
        body = await asyncio.to_thread(generate_latest, registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return metrics


class StateCollector:
    """What the server knows beyond HTTP, read at each scrape."""

    def __init__(self, *, backlog: BacklogService, jobs: Jobs, schedule: Schedule | None) -> None:
        self._backlog = backlog
        self._jobs = jobs
        self._schedule = schedule

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        sent = CounterMetricFamily(
            "inbreng_deliveries_sent",
            "Deliveries the outbox handled since start-up, by outcome (sent, retry, dead, "
            "deferred, throttled, dropped, released, unrecorded).",
            labels=["outcome"],
        )
        for outcome, count in sorted(self._jobs.sent_total.items()):
            sent.add_metric([outcome], count)
        yield sent
        if self._schedule is not None:
            yield from self._scheduler(self._schedule)

    def _database(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "inbreng_database_up", "1 if the counts below could be read from the database."
        )
        try:
            backlog = self._backlog.count()
        except Exception:
            # The HTTP figures are still worth a scrape; the log says what went wrong.
            logger.exception("could not count deliveries and rounds for /metrics")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _backlog_metrics(backlog)

    def _scheduler(self, schedule: Schedule) -> Iterator[Metric]:
        if schedule.last_tick_at is not None:
            yield GaugeMetricFamily(
                "inbreng_scheduler_last_tick_timestamp_seconds",
                "When the scheduler's last tick started (Unix time).",
                value=schedule.last_tick_at,
            )
        yield GaugeMetricFamily(
            "inbreng_scheduler_lag_seconds",
            "How late the scheduler is: how long the next run of the later ticking job is "
            "overdue (a slow run, a busy event loop), else how late its last one started.",
            value=schedule.lag_seconds(),
        )
        by_job = GaugeMetricFamily(
            "inbreng_scheduler_job_lag_seconds",
            "The same per ticking job: rounds (open, remind, close) and send (the outbox).",
            labels=["job"],
        )
        for job in TICKING:
            by_job.add_metric([job], schedule.lag_seconds(job))
        yield by_job


def _backlog_metrics(backlog: Backlog) -> Iterator[Metric]:
    deliveries = GaugeMetricFamily(
        "inbreng_deliveries", "Deliveries in the database, by status.", labels=["status"]
    )
    for status, count in sorted(backlog.deliveries.by_status.items()):
        deliveries.add_metric([status.value], count)
    yield deliveries
    yield GaugeMetricFamily(
        "inbreng_deliveries_due",
        "Pending deliveries due now, direct messages waiting for working hours included.",
        value=backlog.deliveries.due,
    )
    yield GaugeMetricFamily(
        "inbreng_deliveries_oldest_due_age_seconds",
        "How long the longest-waiting due delivery has been due; 0 when none is.",
        value=backlog.oldest_due_seconds,
    )
    yield GaugeMetricFamily(
        "inbreng_deliveries_dead",
        "Deliveries given up on; their last error is in the round's details.",
        value=backlog.deliveries.by_status[DeliveryStatus.DEAD],
    )
    rounds = GaugeMetricFamily("inbreng_rounds", "Rounds by status.", labels=["status"])
    for round_status, count in sorted(backlog.rounds.items()):
        rounds.add_metric([round_status.value], count)
    yield rounds
