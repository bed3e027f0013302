"""Structured logs and `GET /metrics`, on the real server and both databases.

The server runs as `inbreng serve` builds it, Slack pointed at the fake Web API; the
figures on /metrics are checked against the requests the test sent and against the rows
it reads from the database itself."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import pty
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from adapters.slack.settings import SlackSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import DeliveryKind, DeliveryStatus, Round, RoundStatus
from inbreng.logs import configure_logging
from inbreng.server import request_log
from inbreng.server.app import start
from inbreng.settings import Settings
from storage.database import create_database_engine
from storage.models import DeliveryRow, RoundRow
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import (
    BOT_TOKEN,
    FORM,
    MEMBER_ID,
    SIGNING_SECRET,
    SLACK_USERS,
    TEAM,
    LoopThread,
    SlackServer,
    command_body,
    fixture,
    wait_until,
)
from tests.adapters.slack.test_slack_server import answer_values, dm_posts, opened_modal
from tests.support import OPERATOR, FakeClock

# Member text no record at info level or above may hold.
TYPED = "Ons zwembad Kwakelbad lekt al sinds maart"
ANSWERED = "De Boterbloemschool heeft schimmel in lokaal 7"

HEX_ID = 32  # characters in a request id the server makes up


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every record, debug included, as the JSON lines `inbreng serve` writes."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", "json", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


# -- HTTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: str


def fetch(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    request = urllib.request.Request(
        base_url + path,
        data=None if body is None else body.encode(),
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read().decode())


def post_signed(
    server: SlackServer, body: str, *, secret: str = SIGNING_SECRET, content_type: str = FORM
) -> Answer:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }
    return fetch(server.url, "/slack/events", method="POST", body=body, headers=headers)


# -- /metrics ----------------------------------------------------------------------------

Labels = tuple[tuple[str, str], ...]


def scrape(base_url: str) -> dict[str, dict[Labels, float]]:
    """Sample name -> labels -> value, as Prometheus would read them."""
    answer = fetch(base_url, "/metrics")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(answer.body):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def by(samples: dict[Labels, float], label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for labels, value in samples.items()}


def requests_seen(metrics: dict[str, dict[Labels, float]]) -> dict[tuple[str, str, str], float]:
    return {
        (labels["route"], labels["method"], labels["status"]): value
        for labels, value in (
            (dict(key), value) for key, value in metrics["inbreng_http_requests_total"].items()
        )
    }


def test_requests_are_counted_per_route_method_and_status(
    slack: SlackServer, slack_api: FakeSlackWebApi
) -> None:
    assert fetch(slack.url, "/healthz").status == 200
    assert fetch(slack.url, "/healthz").status == 200
    assert post_signed(slack, command_body(slack_api, MEMBER_ID, "hulp")).status == 200
    slack_api.wait_for("response_url")
    forged = command_body(slack_api, MEMBER_ID, "hulp")
    assert post_signed(slack, forged, secret="not-the-signing-secret").status == 401
    # Paths no route serves share one label, whatever they are.
    assert fetch(slack.url, "/wp-login.php").status == 404
    assert fetch(slack.url, "/slack/events/../../etc").status == 404
    assert fetch(slack.url, "/healthz", method="DELETE").status == 405

    first = scrape(slack.url)
    assert requests_seen(first) == {
        ("/healthz", "GET", "200"): 2,
        ("/slack/events", "POST", "200"): 1,
        ("/slack/events", "POST", "401"): 1,
        ("unmatched", "GET", "404"): 2,
        ("unmatched", "DELETE", "405"): 1,
    }
    durations = first["inbreng_http_request_duration_seconds_count"]
    assert {(dict(k)["route"], dict(k)["method"]): v for k, v in durations.items()} == {
        ("/healthz", "GET"): 2,
        ("/slack/events", "POST"): 2,
        ("unmatched", "GET"): 2,
        ("unmatched", "DELETE"): 1,
    }
    assert all(value > 0 for value in first["inbreng_http_request_duration_seconds_sum"].values())
    # The scrape counts itself once it is answered.
    assert requests_seen(scrape(slack.url))[("/metrics", "GET", "200")] == 1


@dataclass(frozen=True)
class Stored:
    """The deliveries and rounds as the test reads them from the database itself."""

    deliveries: Counter[str]
    due: int
    oldest_due_seconds: float
    rounds: Counter[str]


def stored(database_url: str, now: datetime) -> Stored:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            deliveries = list(connection.execute(select(DeliveryRow.status, DeliveryRow.due_at)))
            rounds = Counter(connection.scalars(select(RoundRow.status)))
    finally:
        engine.dispose()
    due = [due_at for status, due_at in deliveries if status == "pending" and due_at <= now]
    return Stored(
        deliveries=Counter(status for status, _ in deliveries),
        due=len(due),
        oldest_due_seconds=(now - min(due)).total_seconds() if due else 0.0,
        rounds=rounds,
    )


def assert_gauges_match(metrics: dict[str, dict[Labels, float]], expected: Stored) -> None:
    assert by(metrics["inbreng_deliveries"], "status") == {
        status.value: expected.deliveries[status.value] for status in DeliveryStatus
    }
    assert by(metrics["inbreng_rounds"], "status") == {
        status.value: expected.rounds[status.value] for status in RoundStatus
    }
    assert metrics["inbreng_deliveries_due"][()] == expected.due
    assert metrics["inbreng_deliveries_dead"][()] == expected.deliveries["dead"]
    assert metrics["inbreng_deliveries_oldest_due_age_seconds"][()] == pytest.approx(
        expected.oldest_due_seconds
    )
    assert metrics["inbreng_database_up"][()] == 1


def test_delivery_and_round_gauges_equal_what_the_database_holds(
    slack: SlackServer,
    slack_api: FakeSlackWebApi,
    core: Core,
    clock: FakeClock,
    database_url: str,
    open_round: Round,
    scheduled_round: Round,
) -> None:
    clock.advance(minutes=90)  # the invitations have waited this long
    before = stored(database_url, clock.now())
    assert before.due > 0 and before.oldest_due_seconds == 90 * 60
    assert before.rounds == {"open": 1, "scheduled": 1}
    assert_gauges_match(scrape(slack.url), before)
    assert "inbreng_deliveries_sent_total" not in scrape(slack.url)  # nothing sent yet

    # Members the fake Slack knows get theirs, but for one that is to be tried again in a
    # few seconds (pending, not due); the others cannot be reached (dead).
    slack_api.fail_next("chat.postMessage", status=500)
    slack.run_outbox()
    core.deliveries.post_to_channels(open_round, DeliveryKind.SUMMARY, actor=OPERATOR)
    clock.advance(seconds=2)  # the channel posts are due, and waiting, unsent
    after = stored(database_url, clock.now())
    assert after.deliveries["sent"] > 0 and after.deliveries["dead"] > 0
    assert after.deliveries["pending"] > after.due > 0 and after.oldest_due_seconds == 2
    metrics = scrape(slack.url)
    assert_gauges_match(metrics, after)
    # Every delivery the outbox handled, it handled once: its outcome is the row's status
    # now, but for the one to be tried again.
    assert by(metrics["inbreng_deliveries_sent_total"], "outcome") == {
        "sent": after.deliveries["sent"],
        "dead": after.deliveries["dead"],
        "retry": 1,
    }
    # Counts only: no member, channel or error text on the page.
    page = fetch(slack.url, "/metrics").body
    for secret in (*SLACK_USERS, *SLACK_USERS.values(), "C05PMGFIN01", "internal_error"):
        assert secret not in page


def test_scheduler_lag_shows_a_tick_that_outlasts_its_interval(
    conversation: Conversation,
    slack_api: FakeSlackWebApi,
    open_round: Round,
    json_log: io.StringIO,
) -> None:
    """A tick that sends through a slow Web API takes longer than `tick_seconds`: the
    next one is overdue meanwhile, and /metrics says by how much. Each tick logs under
    an id of its own."""
    slack_api.latency = 0.5  # the tick sends, and so lasts, at least this long
    loop = LoopThread()
    settings = SlackSettings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, _env_file=None
    )
    started = time.time()
    server = loop.run(start(conversation, settings, host="127.0.0.1", port=0, tick_seconds=0.1))
    url = f"http://127.0.0.1:{server.port}"

    def lag() -> float:
        return scrape(url)["inbreng_scheduler_lag_seconds"][()]

    def job_lag(job: str) -> float:
        return by(scrape(url)["inbreng_scheduler_job_lag_seconds"], "job")[job]

    try:
        assert wait_until(lambda: lag() > 0.2 or None, timeout=20)
        # It is the sending job that lags; rounds run beside it (a job of their own).
        per_job = by(scrape(url)["inbreng_scheduler_job_lag_seconds"], "job")
        assert set(per_job) == {"rounds", "send"}
        assert wait_until(lambda: job_lag("send") > 0.2 or None, timeout=20)
        last_tick = scrape(url)["inbreng_scheduler_last_tick_timestamp_seconds"][()]
        assert started <= last_tick <= time.time()
        # Once everything is sent, ticks are quick again and nothing is overdue. Sending
        # keeps to Slack's rate limits (users.lookupByEmail: tier 3, about 50 a minute), so
        # that takes a while for a pillar's members.
        slack_api.latency = 0
        assert wait_until(lambda: lag() < 0.2 or None, timeout=180)
        later = scrape(url)["inbreng_scheduler_last_tick_timestamp_seconds"][()]
        assert last_tick < later <= time.time()
        sending = [r for r in records(json_log) if r["message"].startswith("outbox:")]
        assert sending and all(r["request_id"].startswith("send-") for r in sending)
    finally:
        slack_api.latency = 0
        loop.run(server.stop())
        loop.close()


def test_a_server_without_scheduler_shows_no_scheduler_figures(slack: SlackServer) -> None:
    metrics = scrape(slack.url)
    assert "inbreng_scheduler_lag_seconds" not in metrics
    assert "inbreng_scheduler_last_tick_timestamp_seconds" not in metrics
    assert metrics["inbreng_database_up"][()] == 1


# -- logs --------------------------------------------------------------------------------


def records(log: io.StringIO) -> list[dict[str, Any]]:
    """Every line must be one JSON object with the four fields every record has."""
    parsed = [json.loads(line) for line in log.getvalue().splitlines()]
    for record in parsed:
        assert {"time", "level", "logger", "message"} <= set(record)
        assert datetime.fromisoformat(record["time"]).utcoffset() is not None
    return parsed


def request_lines(log: io.StringIO, route: str) -> list[dict[str, Any]]:
    return [
        r
        for r in records(log)
        if r["logger"] == "inbreng.server.request_log" and r.get("route") == route
    ]


def test_each_request_has_an_id_that_its_log_records_and_response_carry(
    slack: SlackServer, json_log: io.StringIO, open_round: Round
) -> None:
    event = {
        "type": "message",
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "hulp",
        "ts": "1700000000.000300",
    }
    body = _event_body(event, "EvRetry1")
    first = post_signed(slack, body, content_type="application/json")
    wait_until(lambda: dm_posts(slack, MEMBER_ID))
    again = post_signed(slack, body, content_type="application/json")  # Slack's retry
    assert (first.status, again.status) == (200, 200)
    ids = [first.headers["X-Request-Id"], again.headers["X-Request-Id"]]
    assert all(len(i) == HEX_ID for i in ids) and ids[0] != ids[1]

    # Logged inside the handling, by the Slack adapter: it carries the retry's id.
    ignored = wait_until(
        lambda: [r for r in records(json_log) if "again" in r["message"] and r.get("request_id")]
    )
    assert [r["request_id"] for r in ignored] == [ids[1]]
    lines = request_lines(json_log, "/slack/events")
    assert [(r["request_id"], r["status"], r["method"]) for r in lines] == [
        (ids[0], 200, "POST"),
        (ids[1], 200, "POST"),
    ]
    assert all(r["level"] == "INFO" and r["duration_ms"] >= 0 for r in lines)


def test_a_callers_request_id_is_kept_if_sane(slack: SlackServer, json_log: io.StringIO) -> None:
    kept = fetch(slack.url, "/nowhere", headers={"X-Request-Id": "lb-7f3a.01:2"})
    replaced = fetch(slack.url, "/nowhere", headers={"X-Request-Id": "two words{}"})
    assert kept.headers["X-Request-Id"] == "lb-7f3a.01:2"
    made_up = replaced.headers["X-Request-Id"]
    assert len(made_up) == HEX_ID and made_up != "two words{}"
    assert [r["request_id"] for r in request_lines(json_log, "unmatched")] == [
        "lb-7f3a.01:2",
        made_up,
    ]


def test_a_failing_handler_gives_a_500_whose_id_its_log_record_carries(
    json_log: io.StringIO,
) -> None:
    """On a route of its own: no route of the bot fails on purpose."""

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("broken on purpose")

    async def call() -> tuple[int, str]:
        web_app = web.Application()
        request_log.install(web_app)
        web_app.router.add_get("/broken", broken)
        async with TestClient(TestServer(web_app)) as client:
            response = await client.get("/broken")
            return response.status, response.headers["X-Request-Id"]

    status, given = asyncio.run(call())
    assert status == 500
    [failed] = [r for r in records(json_log) if r["level"] == "ERROR"]
    assert failed["request_id"] == given
    assert failed["message"] == "GET /broken failed"
    assert "RuntimeError: broken on purpose" in failed["exception"]
    [line] = request_lines(json_log, "/broken")
    assert (line["request_id"], line["status"]) == (given, 500)


def test_member_text_reaches_no_record_at_info_level(
    slack: SlackServer, core: Core, json_log: io.StringIO, open_round: Round
) -> None:
    typed = {
        "type": "message",
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": TYPED,
        "ts": "1700000000.000400",
    }
    sent = post_signed(slack, _event_body(typed, "EvTyped9"), content_type="application/json")
    assert sent.status == 200
    wait_until(lambda: dm_posts(slack, MEMBER_ID))
    post_signed(slack, command_body(slack.slack, MEMBER_ID, "inbreng"))
    answered = slack.submit(MEMBER_ID, opened_modal(slack), answer_values(text=ANSWERED))
    assert answered.status == 200
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None
    assert [r.text for r in core.responses.of_member(member)] == [ANSWERED]
    wait_until(lambda: dm_posts(slack, MEMBER_ID)[1:])  # the confirmation
    slack.run_outbox()

    logged = records(json_log)
    assert len(request_lines(json_log, "/slack/events")) == 3
    for record in logged:
        if record["level"] != "DEBUG":
            line = json.dumps(record, ensure_ascii=False)
            assert TYPED not in line and ANSWERED not in line, record


def _event_body(event: dict[str, Any], event_id: str) -> str:
    """An Events API callback as in Slack's published example, carrying `event`."""
    body = fixture("events/message_im_event_callback.json")
    body.update(team_id=TEAM, event=event, event_id=event_id, event_time=int(time.time()))
    return json.dumps(body)


def test_auto_writes_text_to_a_terminal_and_json_elsewhere() -> None:
    logger = logging.getLogger("tests.observability")
    root = logging.getLogger()
    level = root.level
    controller, terminal_fd = pty.openpty()
    terminal = os.fdopen(terminal_fd, "w", buffering=1)
    pipe = io.StringIO()
    assert terminal.isatty()
    try:
        handler = configure_logging("INFO", "auto", stream=terminal)
        logger.info("round %s opened", 7, extra={"round_id": 7})
        shown = os.read(controller, 4096).decode()
        handler = configure_logging("INFO", "auto", stream=pipe)  # replaces the first
        logger.info("round %s opened", 8, extra={"round_id": 8})
        logger.debug("below the level")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        terminal.close()
        os.close(controller)
    assert shown.rstrip().endswith("INFO tests.observability [-] round 7 opened")
    assert not shown.lstrip().startswith("{")
    [line] = pipe.getvalue().splitlines()
    record = json.loads(line)
    assert (record["level"], record["message"], record["round_id"]) == ("INFO", "round 8 opened", 8)
    assert "request_id" not in record  # outside a request


@pytest.mark.parametrize(("given", "log_format"), [("json", "json"), ("text", "text")])
def test_an_explicit_format_wins_over_the_terminal(given: str, log_format: str) -> None:
    root = logging.getLogger()
    level = root.level
    controller, terminal_fd = pty.openpty()
    terminal = os.fdopen(terminal_fd, "w", buffering=1)
    try:
        handler = configure_logging("INFO", log_format, stream=terminal)  # type: ignore[arg-type]
        logging.getLogger("tests.observability").warning("careful")
        shown = os.read(controller, 4096).decode().strip()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        terminal.close()
        os.close(controller)
    assert shown.startswith("{") is (given == "json")


def test_log_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBRENG_LOG_LEVEL", "warning")
    monkeypatch.setenv("INBRENG_LOG_FORMAT", "json")
    settings = Settings(_env_file=None)
    assert (settings.log_level, settings.log_format) == ("WARNING", "json")
    monkeypatch.setenv("INBRENG_LOG_LEVEL", "chatty")
    with pytest.raises(ValueError, match="unknown log level"):
        Settings(_env_file=None)
    monkeypatch.setenv("INBRENG_LOG_LEVEL", "INFO")
    monkeypatch.setenv("INBRENG_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        Settings(_env_file=None)
    assert Settings(_env_file=None, log_format="auto").log_format == "auto"
