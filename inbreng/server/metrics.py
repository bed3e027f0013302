"""`GET /metrics` in Prometheus's text format: HTTP requests and their latency per route,
and, counted at scrape time, the deliveries and rounds in the database, the outbox's
outcomes and the scheduler's lag.

Each server has its own registry (several run in one test process). The endpoint needs
no authentication and so shows counts only: no ids, names or text of members.

A scrape never holds a thread a request needs, nor waits long: the counts are read on a
thread of their own, within `READ_SECONDS`, and scrapes that come while a read is under way
share it. `inbreng_database_up` is the write probe of `/readyz`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.domain import DeliveryStatus
from bot.fault_log import FaultLog
from bot.schedule.jobs import Jobs
from bot.services.backlog import Backlog, BacklogService
from inbreng.server.readiness import Readiness
from inbreng.server.request_log import route_of
from inbreng.server.scheduler import TICKING, Schedule

logger = logging.getLogger(__name__)

ROUTE = "/metrics"
# What `generate_latest` writes: the classic text format, read by every Prometheus.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
READ_SECONDS = 2.0  # how long a scrape waits for the counts


class Metrics:
    """The server's registry, and the state read from the database before each scrape
    (known only once the server is built: `attach`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.state: StateCollector | None = None

    def attach(self, state: StateCollector) -> None:
        self.state = state
        self.registry.register(state)

    def close(self) -> None:
        if self.state is not None:
            self.state.close()


def install(web_app: web.Application) -> Metrics:
    """Measure every request and serve `GET /metrics`."""
    found = Metrics()
    web_app.middlewares.append(_measured(found.registry))
    web_app.router.add_get(ROUTE, _endpoint(found))
    return found


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


def _endpoint(found: Metrics) -> Handler:
    async def metrics(request: web.Request) -> web.Response:
        if found.state is not None:
            await found.state.refresh()
        # What the database said is read by now: collecting is quick and on the loop.
        body = generate_latest(found.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return metrics


class StateCollector:
    """What the server knows beyond HTTP, read at each scrape (`refresh`, then `collect`).

    Without `readiness` (servers built for tests of other things), `inbreng_database_up`
    says whether the counts could be read."""

    def __init__(
        self,
        *,
        backlog: BacklogService,
        jobs: Jobs,
        schedule: Schedule | None,
        readiness: Readiness | None = None,
    ) -> None:
        self._backlog = backlog
        self._jobs = jobs
        self._schedule = schedule
        self._readiness = readiness
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbreng-metrics")
        self._reading: asyncio.Future[Backlog] | None = None
        self._counts: Backlog | None = None
        self._writable = False
        self._faults = FaultLog("reading the counts for /metrics", logger)

    async def refresh(self) -> None:
        """Read the counts (on this collector's own thread, within `READ_SECONDS`) and
        whether the database can be written."""
        if self._reading is None:
            self._reading = asyncio.get_running_loop().run_in_executor(
                self._executor, self._backlog.count
            )
            self._reading.add_done_callback(self._read)
        try:
            self._counts = await asyncio.wait_for(asyncio.shield(self._reading), READ_SECONDS)
        except Exception as error:  # a timeout, or the database's error
            self._counts = None
            if isinstance(error, TimeoutError):
                self._faults.failed(f"no answer within {READ_SECONDS:g} s")
        if self._readiness is not None:
            self._writable = (await self._readiness.check()).writable
        else:
            self._writable = self._counts is not None

    def _read(self, reading: asyncio.Future[Backlog]) -> None:
        self._reading = None
        if reading.cancelled():
            return
        error = reading.exception()
        if error is None:
            self._faults.recovered()
        else:
            self._faults.failed(error)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

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
        yield GaugeMetricFamily(
            "inbreng_database_up",
            "1 if the database can be written (as GET /readyz says).",
            value=int(self._writable),
        )
        # The HTTP figures are still worth a scrape when the counts are not; the log says
        # what went wrong.
        yield GaugeMetricFamily(
            "inbreng_database_counts_up",
            f"1 if the counts below could be read within {READ_SECONDS:g} s.",
            value=int(self._counts is not None),
        )
        if self._counts is not None:
            yield from _backlog_metrics(self._counts)

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
