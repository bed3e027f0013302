"""How many units of work (database transactions) each flow takes, through the real routes.

A fresh SQLite file with the PMG example network and one open round; the server of
`inbreng serve` with Slack on, pointed at a fake Slack Web API on a loopback port (every
member of the network is a Slack user there). Three flows are counted:

- an answer submitted in the modal (signed `view_submission`), until the confirmation
  DM and App Home are out;
- App Home opened (`app_home_opened`), until the view is published;
- one invitation delivered by the outbox: the units of work of a whole run divided by the
  invitations it sent.

Units of work are counted where they are made (the factory the bot is built with), and
database transactions where SQLAlchemy begins them. The baseline is one unit of work per
flow: the least a flow that writes or reads the database can take.

Run: `.venv/bin/python -m bench.transactions`.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event

from adapters.slack.actions import action_id
from bot.clock import SystemClock
from bot.conversation.conversation import Conversation
from bot.network_file import load_network_file
from bot.permissions import Operator
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage import migrate
from storage.database import Database
from storage.unit_of_work import SqlUnitOfWork
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import SlackServer

NETWORK = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"
TEXT = "De normbedragen voor nieuwbouw van scholen liggen ver onder de werkelijke bouwkosten."


class Counts:
    """Units of work made, and transactions begun, since the last `take`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.units = 0
        self.transactions = 0

    def unit(self) -> None:
        with self._lock:
            self.units += 1

    def transaction(self, *_: Any) -> None:
        with self._lock:
            self.transactions += 1

    def take(self) -> tuple[int, int]:
        with self._lock:
            taken = (self.units, self.transactions)
            self.units = self.transactions = 0
        return taken


def counting(database: Database, counts: Counts) -> Callable[[], SqlUnitOfWork]:
    def unit_of_work() -> SqlUnitOfWork:
        counts.unit()
        return database.unit_of_work()

    return unit_of_work


def _user_id(number: int) -> str:
    return f"UB{number:07d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/transactions.db"
        migrate.upgrade(url)
        database = Database(url)
        counts = Counts()
        event.listen(database.engine, "begin", counts.transaction)
        settings = Settings(
            database_url=url, working_hours="always", holidays="none", _env_file=None
        )
        factory = counting(database, counts)
        core = build_core(uow_factory=factory, settings=settings, clock=SystemClock())
        spec = load_network_file(NETWORK)
        load_network(factory, spec)
        now = core.clock.now()
        round_ = core.rounds.create(
            RoundRequest(
                pillar_slug="financien",
                meeting_title="Pijleroverleg Financiën",
                meeting_at=now + timedelta(days=14),
                closes_at=now + timedelta(days=7),
            ),
            actor=Operator(name="bench"),
        )
        with FakeSlackWebApi() as slack:
            users = {m.email: _user_id(n) for n, m in enumerate(spec.members, start=1)}
            for email, user_id in users.items():
                slack.add_user(user_id, email)
            server = SlackServer(Conversation(core=core), slack)
            try:
                figures = _measure(server, slack, users, round_.id, counts)
            finally:
                server.stop()
        database.dispose()
    print(f"{'flow':<24}{'units of work':>15}{'transactions':>14}{'baseline':>10}")
    for flow, (units, transactions) in figures.items():
        print(f"{flow:<24}{units:>15.2f}{transactions:>14.2f}{1:>10}")
    print(
        " ".join(
            f"{flow}_units={units:.2f} {flow}_transactions={transactions:.2f}"
            for flow, (units, transactions) in figures.items()
        )
    )


def _measure(
    server: SlackServer,
    slack: FakeSlackWebApi,
    users: dict[str, str],
    round_id: int,
    counts: Counts,
) -> dict[str, tuple[float, float]]:
    figures: dict[str, tuple[float, float]] = {}
    counts.take()
    outcomes = server.run_outbox()
    units, transactions = counts.take()
    sent = outcomes["sent"]
    assert sent > 0, outcomes
    figures["invitation"] = (units / sent, transactions / sent)

    member = users["a.jansen@zeist.example"]
    server.click(member, action_id("answer", 1), str(round_id))
    view = cast(dict[str, Any], slack.wait_for("views.open")[-1].params["view"])
    published = len(slack.calls_to("views.publish"))
    server.settle()
    counts.take()
    values = {
        "topic": "onderwijshuisvesting",
        "text": TEXT,
        "network_help": "",
        "attribution": "organisation",
    }
    reply = server.submit(member, view, values)
    assert reply.status == 200, reply
    slack.wait_for("views.publish", published + 1)
    server.settle()
    figures["answer_submission"] = tuple(map(float, counts.take()))  # type: ignore[assignment]

    server.event({"type": "app_home_opened", "user": member, "tab": "home",
                  "channel": f"D{member}"}, event_id="EvHome1")  # fmt: skip
    slack.wait_for("views.publish", published + 2)
    server.settle()
    figures["app_home"] = tuple(map(float, counts.take()))  # type: ignore[assignment]
    return figures


if __name__ == "__main__":
    main()
