"""How fast answers are stored through the conversation, beside the bare service call.

Both runs use a fresh SQLite file with the PMG example network and one open round; the
baseline calls `ResponseService.submit` directly, the measured run sends each answer as a
form submission through `Conversation.handle` (identity lookup, validation, confirmation
message with its texts). Run: `.venv/bin/python bench/answers.py [--answers N]`.
Set INBRENG_BENCH_DATABASE_URL to run against another database (e.g. PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from adapters.console.session import console_actor
from bot.application.core import Core
from bot.clock import SystemClock
from bot.conversation.conversation import Conversation
from bot.domain import Role
from bot.events import FormEvent
from bot.network_file import load_network_file
from bot.permissions import Operator
from bot.services.network import load_network
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage import migrate
from storage.database import Database

NETWORK = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"
TEXT = "De normbedragen voor nieuwbouw van scholen liggen ver onder de werkelijke bouwkosten."


def _prepared(url: str) -> tuple[Database, Core, int, list[str]]:
    migrate.upgrade(url)
    database = Database(url)
    core = build_core(
        uow_factory=database.unit_of_work,
        settings=Settings(database_url=url, _env_file=None),
        clock=SystemClock(),
    )
    spec = load_network_file(NETWORK)
    load_network(database.unit_of_work, spec)
    now = core.clock.now()
    round_ = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_at=now + timedelta(days=14),
            closes_at=now + timedelta(days=7),
        ),
        actor=Operator(name="bench"),
    )
    emails = [
        m.email
        for m in spec.members
        if Role.MEMBER in m.roles and (not m.pillars or "financien" in m.pillars)
    ]
    return database, core, round_.id, emails


def _timed(run: Callable[[int], None], count: int) -> tuple[float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    for index in range(count):
        run(index)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak


def _measure(name: str, url: str, count: int) -> tuple[float, float]:
    database, core, round_id, emails = _prepared(url)
    conversation = Conversation(core=core)
    members = [core.members.by_email(e) for e in emails]

    def by_service(index: int) -> None:
        member = members[index % len(members)]
        assert member is not None
        core.responses.submit(
            member, round_id, AnswerInput(topic="onderwijshuisvesting", text=TEXT)
        )

    def by_conversation(index: int) -> None:
        email = emails[index % len(emails)]
        conversation.handle(
            FormEvent(
                actor=console_actor(email),
                form_id="answer",
                context=f"round:{round_id}",
                values={"topic": "onderwijshuisvesting", "text": TEXT, "attribution": "name"},
            )
        )

    result = _timed(by_service if name == "service" else by_conversation, count)
    stored = core.reports.summary(round_id).answers
    assert stored == count, f"{name}: {stored} of {count} answers stored"
    database.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=500)
    count = parser.parse_args().answers
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in ("service", "conversation"):
            url = os.environ.get("INBRENG_BENCH_DATABASE_URL") or (
                f"sqlite:///{Path(folder) / name}.db"
            )
            results[name] = _measure(name, url, count)

    base_seconds, base_peak = results["service"]
    seconds, peak = results["conversation"]
    print(f"{'run':<14}{'answers':>9}{'seconds':>10}{'per answer ms':>15}{'peak MB':>10}")
    for name, (run_seconds, run_peak) in results.items():
        per = 1000 * run_seconds / count
        print(f"{name:<14}{count:>9}{run_seconds:>10.2f}{per:>15.2f}{run_peak:>10.1f}")
    print(
        f"answers={count} seconds={seconds:.2f} baseline_seconds={base_seconds:.2f} "
        f"overhead={seconds / base_seconds:.2f} peak_mb={peak:.1f} baseline_peak_mb={base_peak:.1f}"
    )


if __name__ == "__main__":
    main()
