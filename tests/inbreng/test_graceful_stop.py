"""Stopping gracefully: SIGTERM lets the work under way finish and gives the rest back.

A real `inbreng serve` process sends a round's invitations to the fake Slack Web API and
gets SIGTERM in the middle of the fan-out. It must exit on its own, with every delivery
either sent or pending again (no claim left behind), and a second instance must then send
the rest: every member gets exactly one invitation. The claims last far longer than the
test waits, so the second instance can only have sent what the first gave back.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from adapters.slack.messenger import METADATA_TYPE
from bot.conversation.conversation import Conversation
from bot.domain import DeliveryStatus, Round
from bot.network_file import load_network_file
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.postgres import free_port
from testing.slack_harness import MEMBER_ID, SlackServer
from tests.inbreng.test_cli import INBRENG
from tests.inbreng.test_many_instances import (
    FINISH_TIMEOUT,
    LATENCY,
    MEMBERS,
    START_TIMEOUT,
    STOP_TIMEOUT,
    ClaimWatch,
    Instance,
    check_created,
    check_exactly_once,
    delivered,
    load_network,
    logs,
    member_email,
    report,
    serve_environment,
    slack_user_id,
    start_round,
    wait_for,
)
from tests.support import EXAMPLES

pytestmark = pytest.mark.postgres

UNFINISHED_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
CLAIM_SECONDS = 600  # longer than the whole test: a claim can only come back by release
SENT_BEFORE_STOP = 30
HELD_AT_STOP = 10  # claimed and unsent when SIGTERM comes


def posted_keys(slack: FakeSlackWebApi) -> Counter[str]:
    """How often each delivery's message is on Slack (its key is in the metadata): what
    Slack kept, a post whose answer never reached the bot included."""
    return Counter(
        str(key) for keys in slack.metadata_values(METADATA_TYPE, "key").values() for key in keys
    )


@pytest.fixture
def slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(latency=LATENCY) as fake:
        for n in range(MEMBERS):
            fake.add_user(slack_user_id(n), member_email(n))
        yield fake


@contextmanager
def watching(url: str) -> Iterator[ClaimWatch]:
    """A second connection that reads the deliveries table while the instance works."""
    if url.startswith("sqlite"):
        connection: Any = sqlite3.connect(
            url.removeprefix("sqlite:///"), timeout=30, isolation_level=None
        )
    else:
        connection = psycopg.connect(url, autocommit=True)
    try:
        yield ClaimWatch(connection)
    finally:
        connection.close()


@contextmanager
def instance(url: str, slack: FakeSlackWebApi, tmp_path: Path, name: str) -> Iterator[Instance]:
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    env = serve_environment(url, slack, port) | {"INBRENG_CLAIM_SECONDS": str(CLAIM_SECONDS)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(INBRENG), "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    started = Instance(process=process, port=port, log_path=log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not started.healthy():
            assert started.running(), logs([started])
            assert time.monotonic() < deadline, f"did not start\n{logs([started])}"
            time.sleep(0.05)
        yield started
    finally:
        started.stop()


def test_sigterm_during_a_fan_out_loses_nothing_and_sends_nothing_twice(
    database_url: str, slack: FakeSlackWebApi, tmp_path: Path
) -> None:
    started_at = time.monotonic()
    load_network(database_url, tmp_path)
    with watching(database_url) as watch:
        with instance(database_url, slack, tmp_path, "first") as first:
            creating = start_round(database_url, tmp_path)

            def mid_fan_out() -> bool:
                watch.look()
                return (
                    watch.sent_by_now(first.pid) >= SENT_BEFORE_STOP
                    and len(watch.held_by(first.pid)) >= HELD_AT_STOP
                )

            wait_for(
                mid_fan_out,
                instances=[first],
                what="the first instance sending",
                timeout=FINISH_TIMEOUT,
                creating=creating,
            )
            check_created(creating)
            stop_at = time.monotonic()
            first.process.terminate()
            first.process.wait(timeout=STOP_TIMEOUT)
            stop_seconds = time.monotonic() - stop_at
            assert first.process.returncode == 0, logs([first])

        states = watch.look()
        claimed = [s for s in states if s.status == "claimed"]
        pending = [s for s in states if s.status == "pending"]
        sent_by_first = sum(1 for s in states if s.status == "sent")
        # Nothing stays claimed by the stopped instance, and there was work left over.
        assert not claimed, f"{claimed[:5]}\n{logs([first])}"
        assert pending, logs([first])
        # What the first instance sent it finished: each row marked sent and its message
        # stored once; nothing it gave back was posted.
        assert len(delivered(slack)) == sent_by_first, logs([first])
        assert all(s.attempts == 0 for s in pending), pending[:5]

        with instance(database_url, slack, tmp_path, "second") as second:
            wait_for(
                watch.finished,
                instances=[second],
                what="the second instance sending the rest",
                timeout=FINISH_TIMEOUT,
            )
        check_exactly_once(watch.latest, delivered(slack), [first, second])
        # Each marked sent once, and no sender had to look on Slack for a message that
        # might have gone: nothing was cut off mid-send.
        assert all(s.attempts == 1 for s in watch.latest), logs([first, second])
        assert not slack.calls_to("conversations.history"), logs([first, second])
        assert second.process.returncode == 0, logs([second])
    report(
        f"deliveries={len(states)} sent_before_stop={sent_by_first} "
        f"given_back={len(pending)} stop_seconds={stop_seconds:.2f} lost=0 duplicates=0 "
        f"seconds={time.monotonic() - started_at:.1f}"
    )


def test_a_slack_request_acknowledged_before_the_stop_is_still_answered(
    conversation: Conversation, slack_api: FakeSlackWebApi
) -> None:
    """Slack does not send an acknowledged request again, so the work after the
    acknowledgement must finish before the server stops."""
    slack_api.latency = 0.5  # each Web API call: the reply comes well after the ack
    server = SlackServer(conversation, slack_api)
    message = {
        "type": "message",
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "hulp",
        "ts": "1700000000.000300",
    }
    try:
        assert server.event(message, event_id="EvStop1").status == 200
        assert not slack_api.calls_to("chat.postMessage")  # acknowledged, not yet answered
    finally:
        server.stop()
    # Answered once, by the time stop() returned.
    replies = [
        c
        for c in slack_api.calls_to("chat.postMessage")
        if c.params.get("channel") in (MEMBER_ID, f"D{MEMBER_ID}")
    ]
    assert len(replies) == 1, slack_api.calls


def test_sends_cut_short_are_given_back_as_uncertain_and_sent_once(
    conversation: Conversation, slack_api: FakeSlackWebApi, open_round: Round
) -> None:
    """Past the grace period a send is cancelled mid-call: its message may have reached
    Slack, so it goes back as uncertain, and the next sender looks before posting."""
    for number, member in enumerate(load_network_file(EXAMPLES / "network.yaml").members):
        # Every member on Slack: each delivery then ends as a message.
        if member.email not in slack_api.users.values():
            slack_api.add_user(member.slack_user_id or f"UALL{number:04d}", member.email)
    # The fake keeps a post as soon as it arrives and answers `latency` later: a send
    # cancelled in between reached Slack without the bot knowing.
    slack_api.latency = 1.0
    server = SlackServer(conversation, slack_api)
    deliveries = conversation.core.deliveries

    async def cut_short() -> None:
        sending = asyncio.create_task(server.server.outbox.send_due())
        # The first posts answered: they are recorded, and the next ones are under way
        # (posted, unanswered) until a `latency` later. Cancel halfway.
        while not slack_api.calls_to("chat.postMessage"):
            await asyncio.sleep(0.01)
        await asyncio.sleep(slack_api.latency / 2)
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending

    try:
        server.run(cut_short())
        cut = deliveries.for_round(open_round.id)
        assert not [d for d in cut if d.status is DeliveryStatus.CLAIMED], cut
        given_back = [d for d in cut if d.status is DeliveryStatus.PENDING]
        assert any(d.uncertain for d in given_back), cut
        slack_api.latency = 0.0
        # A send cut short while its post was being recorded may still be recorded (the
        # recording runs on in its thread): that one needs no look.
        still_uncertain = [
            d
            for d in deliveries.for_round(open_round.id)
            if d.status is DeliveryStatus.PENDING and d.uncertain
        ]
        server.run_outbox()
    finally:
        server.stop()
    done = {d.id: d for d in deliveries.for_round(open_round.id)}
    uncertain = [d.id for d in given_back if d.uncertain]
    keys = posted_keys(slack_api)
    assert not [d for d in done.values() if d.status in UNFINISHED_STATUSES], done
    sent = {str(d.id) for d in done.values() if d.status is DeliveryStatus.SENT}
    # Every message on Slack belongs to a sent delivery, once; among them ones that were
    # under way when cut short.
    assert keys and set(keys) == sent and set(keys.values()) == {1}, (keys, done)
    assert sent >= {str(i) for i in uncertain}, (uncertain, done)
    if still_uncertain:  # it looked before sending again
        assert slack_api.calls_to("conversations.history"), still_uncertain


def test_a_stopped_server_takes_no_new_requests(
    conversation: Conversation, slack_api: FakeSlackWebApi
) -> None:
    server = SlackServer(conversation, slack_api)
    assert server.get("/healthz").status == 200
    server.stop()
    with pytest.raises(OSError):
        server.get("/healthz")
