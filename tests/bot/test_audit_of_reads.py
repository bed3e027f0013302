"""Reading others' personal data leaves a trace, on SQLite and PostgreSQL.

Every path on which someone sees names or answers of others writes one audit entry: who
(a member, or the operating-system user of the command line), what, which round, when.
Member text and e-mail addresses never go into the audit log.
"""

from __future__ import annotations

import getpass
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import AuditEntry, DeliveryKind, DeliveryStatus, Round
from bot.ports import UnitOfWorkFactory
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import LEAD_ID, SlackServer
from tests.db_snapshot import snapshot
from tests.inbreng.test_cli import inbreng, succeeded
from tests.support import (
    COLLEAGUE,
    LEAD,
    MEMBER,
    OPERATOR,
    SECRETARIAT,
    ScriptedChat,
    answer,
    member,
)

# Distinctive answer texts: they must show up where they are read, never in the audit log.
ANSWER_TEXT = "Zwembad De Vennen kost ons jaarlijks een vermogen aan energie."
OTHER_TEXT = "Het verdeelmodel sociaal domein benadeelt kleine kernen in Zeist."
READS = frozenset({"summary.viewed", "summary.sent", "round.exported", "member.exported"})
Chat = Callable[[str], ScriptedChat]


@pytest.fixture
def answered(core: Core, open_round: Round) -> Round:
    """The open round with two answers under the members' names."""
    answer(core, open_round, MEMBER, "onderwijshuisvesting", ANSWER_TEXT)
    answer(core, open_round, COLLEAGUE, "verdeelmodel-sociaal-domein", OTHER_TEXT)
    return open_round


def reads(uow_factory: UnitOfWorkFactory) -> list[AuditEntry]:
    with uow_factory() as uow:
        return [e for e in uow.audit.list() if e.action in READS]


def one_read(uow_factory: UnitOfWorkFactory, since: datetime) -> AuditEntry:
    """The only read in the audit log, written since `since`."""
    [entry] = reads(uow_factory)
    assert entry.at is not None and since <= entry.at <= datetime.now(UTC)
    return entry


def assert_no_member_text(database_url: str) -> None:
    audit_log = repr(snapshot(database_url)["audit_events"])
    for text in (ANSWER_TEXT, OTHER_TEXT, "Anna Jansen", "Vermeulen", "@"):
        assert text not in audit_log


# --- in the chat ---------------------------------------------------------------------------


@pytest.mark.parametrize("closed", [False, True], ids=["running", "summarised"])
def test_a_lead_reading_a_summary_in_the_chat_is_written_down(
    core: Core,
    chat: Chat,
    answered: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    closed: bool,
) -> None:
    if closed:
        core.rounds.close(answered.id, actor=OPERATOR)
    since = datetime.now(UTC)

    shown = chat(LEAD).type(f"samenvatting {answered.id}")

    assert ANSWER_TEXT in shown and "Anna Jansen" in shown  # she allowed her name
    entry = one_read(uow_factory, since)
    assert (entry.action, entry.actor_member_id) == ("summary.viewed", member(core, LEAD).id)
    assert (entry.subject_type, entry.subject_id) == ("round", answered.id)
    assert entry.details == {"round_id": answered.id, "names": True}
    assert_no_member_text(database_url)


def test_closing_a_round_in_the_chat_shows_its_summary_and_writes_that_down(
    core: Core, chat: Chat, answered: Round, uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    since = datetime.now(UTC)
    shown = chat(SECRETARIAT).type(f"sluit {answered.id}")
    assert OTHER_TEXT in shown
    entry = one_read(uow_factory, since)
    assert (entry.action, entry.actor_member_id, entry.subject_id) == (
        "summary.viewed",
        member(core, SECRETARIAT).id,
        answered.id,
    )
    assert_no_member_text(database_url)


def test_a_lead_exporting_a_round_in_the_chat_is_written_down(
    core: Core,
    chat: Chat,
    answered: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    tmp_path: Path,
) -> None:
    since = datetime.now(UTC)
    chat(LEAD).type(f"export {answered.id}")

    [file] = tmp_path.glob("uitvraag-*.md")
    assert ANSWER_TEXT in file.read_text(encoding="utf-8")
    entry = one_read(uow_factory, since)
    assert (entry.action, entry.actor_member_id) == ("round.exported", member(core, LEAD).id)
    assert (entry.subject_type, entry.subject_id) == ("round", answered.id)
    assert entry.details == {"round_id": answered.id, "format": "md"}
    assert_no_member_text(database_url)


def test_a_member_s_own_export_is_written_down_once(
    core: Core, chat: Chat, answered: Round, uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    since = datetime.now(UTC)
    chat(MEMBER).type("privacy export")
    entry = one_read(uow_factory, since)
    anna = member(core, MEMBER).id
    assert (entry.action, entry.actor_member_id, entry.subject_id) == (
        "member.exported",
        anna,
        anna,
    )
    assert_no_member_text(database_url)


def test_a_member_cannot_read_a_summary_and_leaves_no_read(
    chat: Chat, answered: Round, uow_factory: UnitOfWorkFactory
) -> None:
    refused = chat(MEMBER).type(f"samenvatting {answered.id}")
    assert ANSWER_TEXT not in refused
    assert reads(uow_factory) == []


# --- the summary draft the outbox sends a lead -----------------------------------------------


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def posts_to(slack: SlackServer, user_id: str) -> list[str]:
    """What was posted in the user's direct messages (opened by user id, then the DM's)."""
    return [
        str(call.params)
        for call in slack.slack.calls_to("chat.postMessage")
        if call.params.get("channel") in (user_id, f"D{user_id}")
    ]


def test_a_summary_draft_delivered_to_a_lead_is_written_down_once(
    slack: SlackServer,
    core: Core,
    answered: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
) -> None:
    slack.run_outbox()  # the invitations first
    invitations = len(posts_to(slack, LEAD_ID))
    core.rounds.close(answered.id, actor=OPERATOR)
    since = datetime.now(UTC)

    slack.run_outbox()
    slack.run_outbox()  # nothing is due any more: nothing more is written

    [draft] = posts_to(slack, LEAD_ID)[invitations:]
    assert ANSWER_TEXT in draft
    drafts = [
        d
        for d in core.deliveries.for_round(answered.id)
        if d.kind == DeliveryKind.SUMMARY and d.status == DeliveryStatus.SENT
    ]
    entries = reads(uow_factory)
    assert Counter(e.details["recipient_member_id"] for e in entries) == Counter(
        d.member_id for d in drafts
    )
    [to_the_lead] = [
        e for e in entries if e.details["recipient_member_id"] == member(core, LEAD).id
    ]
    assert (to_the_lead.action, to_the_lead.actor_member_id) == ("summary.sent", None)
    assert (to_the_lead.subject_type, to_the_lead.subject_id) == ("round", answered.id)
    assert to_the_lead.details["names"] is True
    assert to_the_lead.at is not None and to_the_lead.at >= since
    assert_no_member_text(database_url)


# --- at the command line -------------------------------------------------------------------


def test_the_summary_at_the_command_line_is_written_down_under_the_operator(
    core: Core, answered: Round, uow_factory: UnitOfWorkFactory, database_url: str, tmp_path: Path
) -> None:
    core.rounds.close(answered.id, actor=OPERATOR)
    since = datetime.now(UTC)
    shown = succeeded(inbreng("summary", str(answered.id), cwd=tmp_path, url=database_url))
    assert ANSWER_TEXT in shown
    entry = one_read(uow_factory, since)
    assert (entry.action, entry.actor_member_id, entry.subject_id) == (
        "summary.viewed",
        None,
        answered.id,
    )
    assert entry.details == {
        "round_id": answered.id,
        "names": True,
        "operator": getpass.getuser(),
        "via": "cli",
    }
    assert_no_member_text(database_url)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param(["ROUND"], {"format": "csv"}, id="round"),
        pytest.param(
            ["--pillar", "financien", "--since", "2026-12-01"],
            {"pillar": "financien", "since": "2026-12-01", "until": None, "format": "csv"},
            id="pillar",
        ),
    ],
)
def test_an_export_at_the_command_line_is_written_down_under_the_operator(
    answered: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    tmp_path: Path,
    subject: list[str],
    expected: dict[str, Any],
) -> None:
    args = [str(answered.id) if word == "ROUND" else word for word in subject]
    since = datetime.now(UTC)
    written = succeeded(inbreng("export", *args, "--format", "csv", cwd=tmp_path, url=database_url))
    assert ANSWER_TEXT in Path(written.strip()).read_text(encoding="utf-8-sig")
    entry = one_read(uow_factory, since)
    assert (entry.action, entry.actor_member_id) == ("round.exported", None)
    by_round = subject == ["ROUND"]
    assert entry.subject_type == ("round" if by_round else "pillar")
    rounds = {"round_id": answered.id} if by_round else {"rounds": [answered.id]}
    assert entry.details == {
        **expected,
        **rounds,
        "operator": getpass.getuser(),
        "via": "cli",
    }
    assert_no_member_text(database_url)
