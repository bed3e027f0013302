"""`GET /readyz`: whether the database can be written, from the write probe
(`storage.readiness`). The probe runs on a thread of its own, never one a request needs;
its answer is kept `CACHE_SECONDS`, so frequent checks and scrapes cost one probe."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from aiohttp import web

from bot.fault_log import FaultLog
from storage.readiness import Writability

logger = logging.getLogger(__name__)

ROUTE = "/readyz"
CACHE_SECONDS = 2.0
# Longer than the probe's own timeouts (2 s each): past this, the answer is "timeout"
# even if the probe's thread is still stuck (it is then not started again until it ends).
WAIT_SECONDS = 3.0


class Probe(Protocol):
    def check(self) -> Writability: ...

    def dispose(self) -> None: ...


class Readiness:
    def __init__(self, probe: Probe) -> None:
        self._probe = probe
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbreng-ready")
        self._running: asyncio.Future[Writability] | None = None
        self._latest: Writability | None = None
        self._latest_at = 0.0
        self._faults = FaultLog("database write probe", logger)

    async def check(self) -> Writability:
        if self._latest is not None and time.monotonic() - self._latest_at < CACHE_SECONDS:
            return self._latest
        if self._running is None:
            self._running = asyncio.get_running_loop().run_in_executor(
                self._executor, self._probe.check
            )
            self._running.add_done_callback(self._keep)
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), WAIT_SECONDS)
        except TimeoutError:
            found = Writability("timeout", f"no answer within {WAIT_SECONDS:g} s")
            self._faults.failed(f"{found.fault}: {found.detail}")
            return found

    def _keep(self, running: asyncio.Future[Writability]) -> None:
        self._running = None
        if running.cancelled():
            return
        error = running.exception()
        found = running.result() if error is None else Writability("error", str(error))
        self._latest, self._latest_at = found, time.monotonic()
        if found.writable:
            self._faults.recovered()
        else:
            self._faults.failed(f"{found.fault}: {found.detail}")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._probe.dispose()


def install(web_app: web.Application, readiness: Readiness) -> None:
    async def readyz(request: web.Request) -> web.Response:
        found = await readiness.check()
        if found.writable:
            return web.json_response({"status": "ready"})
        # The kind only: the route needs no authentication, and the detail may name hosts.
        return web.json_response({"status": "unavailable", "reason": found.fault}, status=503)

    web_app.router.add_get(ROUTE, readyz)
