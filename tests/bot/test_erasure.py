"""Erased stays erased, on SQLite and PostgreSQL.

Erasure leaves a tombstone (a keyed hash of the address, never the address); loading the
network file skips a buried address, with the ids the file gives it, and says so; only an
explicit readmission, written to the audit log, brings the member back. An import leaves
out a member erased since the export, with what is theirs. The whole story runs once more
through the real routes: signed Slack requests, and the `inbreng` program.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.application.core import Core
from bot.audit import AuditActor
from bot.conversation.conversation import Conversation
from bot.domain import ANY_TENANT, AuditEntry, Identity, Platform, Role, Round
from bot.errors import InbrengError
from bot.events import Actor, MessageEvent
from bot.network_file import load_network_file
from bot.permissions import Operator
from bot.ports import UnitOfWorkFactory
from bot.services.members import Refusal
from bot.services.network import Readmission, load_network
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from bot.tombstones import is_buried
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage import backup
from storage.database import Database
from storage.migrate import upgrade
from storage.models import RoundRow, TombstoneRow
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import LEAD_ID, MEMBER_ID, SlackServer, all_text, wait_until
from tests.conftest import sqlite_url
from tests.db_snapshot import snapshot
from tests.inbreng.test_cli import error_line, inbreng, succeeded
from tests.support import (
    COLLEAGUE,
    EXAMPLES,
    MEMBER,
    TRUSTED_TEAM,
    FakeClock,
    answer,
    member,
    texts_of,
)

NETWORK_FILE = EXAMPLES / "network.yaml"
RUUD = "r.hoogendoorn@de-ronde-venen.example"  # has a Slack and a Teams user id in the file
ANSWER_TEXT = "Onze gymzalen lekken en de normbedragen dekken de bouwkosten niet."
OPERATOR = AuditActor.command_line("beheerder")
RUNS_THE_BOT = Operator(name="beheerder")  # the same, as the permission checks see them


def file_ids(email: str) -> dict[Platform, str]:
    """The Slack and Teams user ids the example network file gives this member."""
    item = next(m for m in load_network_file(NETWORK_FILE).members if m.email == email)
    ids = {Platform.SLACK: item.slack_user_id, Platform.TEAMS: item.teams_user_id}
    return {platform: user_id for platform, user_id in ids.items() if user_id}


def erase(core: Core, email: str, *, keep_answers: bool = False) -> int:
    """Erase the member as `privacy wissen` does; returns their (old) id."""
    erased = member(core, email)
    core.privacy.erase(erased, keep_answers_anonymised=keep_answers)
    return erased.id


def audit(uow_factory: UnitOfWorkFactory, action: str) -> list[AuditEntry]:
    with uow_factory() as uow:
        return [e for e in uow.audit.list() if e.action == action]


def reload(uow_factory: UnitOfWorkFactory, *readmit: str) -> Any:
    spec = load_network_file(NETWORK_FILE)
    readmission = Readmission(emails=frozenset(readmit), by=OPERATOR) if readmit else None
    return load_network(uow_factory, spec, readmission=readmission)


# --- erasure leaves a tombstone -----------------------------------------------------------


def test_erasure_leaves_a_keyed_hash_and_the_address_nowhere(
    core: Core, uow_factory: UnitOfWorkFactory, database_url: str, open_round: Round
) -> None:
    answer(core, open_round, MEMBER, "onderwijshuisvesting", ANSWER_TEXT)
    erase(core, MEMBER)

    with uow_factory() as uow:
        assert is_buried(uow, MEMBER) and is_buried(uow, MEMBER.upper())
        assert not is_buried(uow, COLLEAGUE)
        rows = uow.session.execute(select(TombstoneRow.email_hash, TombstoneRow.erased_at))  # type: ignore[attr-defined]
        [(email_hash, erased_at)] = rows.all()
    assert len(email_hash) == 64 and erased_at == core.clock.now()
    # Not in the tombstone, not in the audit log, not anywhere else.
    assert MEMBER not in repr(snapshot(database_url))


def test_an_erasure_that_fails_leaves_no_tombstone(
    core: Core, uow_factory: UnitOfWorkFactory
) -> None:
    """Buried in the erasure's own transaction: both happen, or neither."""
    gone = replace(member(core, MEMBER), id=404)  # a member row that does not exist
    with pytest.raises(LookupError):
        core.privacy.erase(gone, keep_answers_anonymised=False)
    with uow_factory() as uow:
        assert not is_buried(uow, MEMBER)


# --- network load ------------------------------------------------------------------------


def test_loading_the_network_does_not_bring_an_erased_member_back(
    core: Core, uow_factory: UnitOfWorkFactory
) -> None:
    old_id = erase(core, MEMBER)
    with uow_factory() as uow:
        members_before = len(uow.members.list(include_inactive=True))

    changes = reload(uow_factory)

    assert changes.skipped == [MEMBER]
    assert changes.count("members", "added") == 0
    with uow_factory() as uow:
        assert uow.members.by_email(MEMBER) is None
        assert len(uow.members.list(include_inactive=True)) == members_before
        assert not uow.members.get(old_id).active  # type: ignore[union-attr]
    [loaded] = audit(uow_factory, "network.loaded")[-1:]
    assert loaded.details == {"members.skipped": 1}  # how many, never who
    # Loading again skips again, and says so again.
    assert reload(uow_factory).skipped == [MEMBER]


def test_the_file_s_platform_ids_do_not_relink_an_erased_member(
    core: Core, uow_factory: UnitOfWorkFactory, conversation: Conversation
) -> None:
    ids = file_ids(RUUD)
    assert set(ids) == {Platform.SLACK, Platform.TEAMS}
    erase(core, RUUD)

    reload(uow_factory)

    with uow_factory() as uow:
        for platform, user_id in ids.items():
            assert uow.identities.find(platform, ANY_TENANT, user_id) is None
    # Her Slack account, from the trusted workspace, is a stranger now.
    slack_user = Actor(
        platform=Platform.SLACK, tenant=TRUSTED_TEAM, user_id=ids[Platform.SLACK], email=RUUD
    )
    assert core.members.resolve(slack_user) == Refusal.NOT_A_MEMBER
    reply = conversation.handle(MessageEvent(actor=slack_user, text="hulp"))
    assert "ken u niet als lid" in texts_of(reply)


def test_a_readmission_brings_the_member_back_and_is_audited(
    core: Core, uow_factory: UnitOfWorkFactory
) -> None:
    old_id = erase(core, MEMBER)

    changes = reload(uow_factory, MEMBER.upper())

    assert (changes.readmitted, changes.skipped) == ([MEMBER], [])
    back = member(core, MEMBER)
    assert back.active and back.id != old_id and back.name == "Anna Jansen"
    with uow_factory() as uow:
        assert not is_buried(uow, MEMBER)
    [entry] = audit(uow_factory, "member.readmitted")
    assert (entry.subject_type, entry.subject_id, entry.actor_member_id) == (
        "member",
        back.id,
        None,
    )
    assert entry.details == {"operator": "beheerder", "via": "cli"}
    # A later load needs no readmission: she is a member like any other.
    assert reload(uow_factory).skipped == []


@pytest.mark.parametrize(
    ("readmit", "key"),
    [
        pytest.param(COLLEAGUE, "readmit_not_erased", id="not-erased"),
        pytest.param("iemand@elders.example", "readmit_not_in_file", id="not-in-file"),
    ],
)
def test_a_readmission_of_someone_not_erased_or_not_in_the_file_changes_nothing(
    core: Core, uow_factory: UnitOfWorkFactory, database_url: str, readmit: str, key: str
) -> None:
    erase(core, MEMBER)
    before = snapshot(database_url)
    with pytest.raises(InbrengError) as refusal:
        reload(uow_factory, MEMBER, readmit)
    assert (refusal.value.key, refusal.value.params) == (key, {"email": readmit})
    assert snapshot(database_url) == before


# --- network import ----------------------------------------------------------------------


def exported(url: str) -> dict[str, Any]:
    """An export document, as read back from its file."""
    document: dict[str, Any] = json.loads(backup.to_json(backup.export_network(url)))
    return document


def with_everything_of_hers(core: Core, uow_factory: UnitOfWorkFactory, round_: Round) -> int:
    """Anna with an edited answer, a Slack link, invitations, a round she created and an
    audit entry she is the actor of; returns her id."""
    anna = member(core, MEMBER)
    response = answer(core, round_, MEMBER, "onderwijshuisvesting", "Eerste versie.")
    with uow_factory() as uow:
        # As her first contact from Slack links it.
        uow.identities.save(
            Identity(member_id=anna.id, platform=Platform.SLACK, tenant=TRUSTED_TEAM,
                     user_id=MEMBER_ID)
        )  # fmt: skip
        uow.commit()
    core.responses.edit(anna, response.id, AnswerInput(topic="onderwijshuisvesting",
                                                       text=ANSWER_TEXT))  # fmt: skip
    core.privacy.export(anna)  # an audit entry with her as the actor
    with uow_factory() as uow:  # she joins the secretariat, who may create rounds
        uow.members.update(anna.id, replace(anna.data(), roles=anna.roles | {Role.SECRETARIAT}))
        uow.commit()
    core.rounds.create(
        RoundRequest(
            pillar_slug="bestuur",
            meeting_at=core.clock.now() + timedelta(days=30),
            closes_at=core.clock.now() + timedelta(days=20),
        ),
        actor=member(core, MEMBER),
    )
    return anna.id


def test_restoring_an_older_export_leaves_out_who_was_erased_since(
    core: Core,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    open_round: Round,
    tmp_path: Path,
) -> None:
    """Last month's backup, restored with the tombstones of today's export."""
    anna = with_everything_of_hers(core, uow_factory, open_round)
    older = exported(database_url)
    erase(core, MEMBER, keep_answers=True)
    today = exported(database_url)
    target = sqlite_url(tmp_path / "restored.db")
    upgrade(target)

    result = backup.import_network(target, older, tombstones=backup.tombstones_of(today))

    assert result.tombstones_added == 1
    [skipped] = result.skipped_members
    assert skipped.member_id == anna and skipped.answers == 1
    assert skipped.rows["identities"] == 1 and skipped.rows["deliveries"] >= 1
    restored = Database(target)
    try:
        with restored.unit_of_work() as uow:
            assert uow.members.by_email(MEMBER) is None and uow.members.get(anna) is None
            assert is_buried(uow, MEMBER)
            assert all(r.member_id != anna for r in uow.responses.for_round(open_round.id))
            assert all(e.actor_member_id != anna for e in uow.audit.list())
            assert None in set(uow.session.scalars(select(RoundRow.created_by)))
        # And the network file does not bring her back there either.
        assert reload(restored.unit_of_work).skipped == [MEMBER]
    finally:
        restored.dispose()
    everything = repr(snapshot(target))
    assert MEMBER not in everything and ANSWER_TEXT not in everything
    assert "Eerste versie." not in everything  # nor the earlier version of her answer


def test_an_export_carries_its_tombstones_to_another_server(
    core: Core, database_url: str, tmp_path: Path
) -> None:
    erase(core, MEMBER)
    target = sqlite_url(tmp_path / "elsewhere.db")
    upgrade(target)

    result = backup.import_network(target, exported(database_url))

    assert result.skipped_members == []  # the erased row is scrubbed: it comes along as it is
    elsewhere = Database(target)
    try:
        assert reload(elsewhere.unit_of_work).skipped == [MEMBER]
    finally:
        elsewhere.dispose()


def test_tombstones_from_another_installation_are_refused(
    core: Core, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    erase(core, MEMBER)
    document = exported(database_url)
    other = sqlite_url(tmp_path / "other.db")
    upgrade(other)
    elsewhere = Database(other)
    try:
        load_network(elsewhere.unit_of_work, load_network_file(NETWORK_FILE))
        settings = Settings(database_url=other, _env_file=None)
        other_core = build_core(uow_factory=elsewhere.unit_of_work, settings=settings, clock=clock)
        erase(other_core, COLLEAGUE)  # its own first erasure: its own key
    finally:
        elsewhere.dispose()
    target = sqlite_url(tmp_path / "target.db")
    upgrade(target)
    before = snapshot(target)

    with pytest.raises(InbrengError) as refusal:
        backup.import_network(target, document, tombstones=backup.tombstones_of(exported(other)))

    assert refusal.value.key == "import_tombstone_keys_differ"
    assert snapshot(target) == before


def test_the_program_restores_with_tombstones_and_names_rows_not_addresses(
    core: Core,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    open_round: Round,
    tmp_path: Path,
) -> None:
    anna = with_everything_of_hers(core, uow_factory, open_round)
    (tmp_path / "older.json").write_text(json.dumps(exported(database_url)))
    erase(core, MEMBER)
    (tmp_path / "today.json").write_text(json.dumps(exported(database_url)))
    target = sqlite_url(tmp_path / "restored.db")
    upgrade(target)

    output = succeeded(
        inbreng("network", "import", "older.json", "--tombstones", "today.json",
                cwd=tmp_path, url=target)
    )  # fmt: skip

    lines = output.strip().splitlines()
    assert lines[0].startswith("Netwerk “Platform Middelgrote Gemeenten” geïmporteerd: ")
    assert lines[1] == "1 wismarkering van gewiste leden overgenomen uit today.json."
    assert lines[2].startswith(f"Lid {anna} is gewist en niet geïmporteerd, evenmin 1 inbreng ")
    assert len(lines) == 3 and MEMBER not in output


# --- through the real routes: signed Slack requests, the `inbreng` program ----------------


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def dm_posts(slack: SlackServer, user_id: str) -> list[str]:
    """What was posted in the user's direct messages, as text."""
    return [
        all_text(call)
        for call in slack.slack.calls_to("chat.postMessage")
        if call.params.get("channel") in (user_id, f"D{user_id}")
    ]


def command_reply(slack: SlackServer, user_id: str, text: str) -> str:
    """The private answer to `/inbreng TEXT`."""
    answered = len(slack.slack.calls_to("response_url"))
    slack.command(user_id, text)
    return all_text(slack.slack.wait_for("response_url", answered + 1)[-1])


def test_a_member_erased_through_slack_stays_erased_until_readmitted(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    open_round: Round,
    tmp_path: Path,
) -> None:
    assert "Anna Jansen" in command_reply(slack, MEMBER_ID, "hulp")  # she is a member
    old_id = member(core, MEMBER).id

    # She erases herself: `/inbreng privacy wissen`, then the form in a modal.
    slack.command(MEMBER_ID, "privacy wissen")
    modal = slack.slack.wait_for("views.open")[-1].params["view"]
    submitted = slack.submit(MEMBER_ID, modal, {"answers": "delete", "confirm": ["yes"]})
    assert submitted.status == 200
    assert wait_until(lambda: [t for t in dm_posts(slack, MEMBER_ID) if "gewist" in t])
    assert core.members.by_email(MEMBER) is None

    # The secretariat reloads the network file: she is not added again, and it says so.
    loaded = succeeded(inbreng("network", "load", str(NETWORK_FILE), cwd=tmp_path,
                               url=database_url))  # fmt: skip
    assert (
        f"{MEMBER} is gewist en wordt niet opnieuw toegevoegd; "
        f"breng dit lid bewust terug met --readmit {MEMBER}"
    ) in loaded.splitlines()
    assert core.members.by_email(MEMBER) is None

    # The next round invites the others, not her.
    before = len(dm_posts(slack, MEMBER_ID))
    next_round = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_at=core.clock.now() + timedelta(days=30),
            closes_at=core.clock.now() + timedelta(days=20),
        ),
        actor=RUNS_THE_BOT,
    )
    slack.run_outbox()
    assert dm_posts(slack, LEAD_ID)  # the outbox did send this round's invitations
    assert len(dm_posts(slack, MEMBER_ID)) == before
    with uow_factory() as uow:
        invited = {d.member_id for d in uow.deliveries.for_round(next_round.id)}
        assert old_id not in invited
        assert all(uow.members.get(i).email != MEMBER for i in invited if i)  # type: ignore[union-attr]

    # Her Slack account, same user id, is a stranger now; nothing links it.
    assert "ken u niet als lid" in command_reply(slack, MEMBER_ID, "hulp")
    with uow_factory() as uow:
        assert uow.identities.find(Platform.SLACK, TRUSTED_TEAM, MEMBER_ID) is None

    # An explicit readmission brings her back, in the audit log under the operator's name.
    readmitted = succeeded(inbreng("network", "load", str(NETWORK_FILE), "--readmit", MEMBER,
                                   cwd=tmp_path, url=database_url))  # fmt: skip
    assert f"{MEMBER} is weer toegelaten; dat staat in het auditlog." in readmitted
    back = member(core, MEMBER)
    [entry] = audit(uow_factory, "member.readmitted")
    assert (entry.subject_id, entry.actor_member_id) == (back.id, None)
    assert entry.details == {"operator": getpass.getuser(), "via": "cli"}
    assert "Anna Jansen" in command_reply(slack, MEMBER_ID, "hulp")


@pytest.mark.parametrize(
    ("readmit", "expected"),
    [
        pytest.param(COLLEAGUE, f"{COLLEAGUE} is niet gewist", id="not-erased"),
        pytest.param(
            "iemand@elders.example", "iemand@elders.example staat niet in", id="not-in-file"
        ),
    ],
)
def test_the_program_refuses_a_readmission_in_one_line_and_changes_nothing(
    core: Core, database_url: str, tmp_path: Path, readmit: str, expected: str
) -> None:
    erase(core, MEMBER)
    before = snapshot(database_url)
    result = inbreng("network", "load", str(NETWORK_FILE), "--readmit", MEMBER, "--readmit",
                     readmit, cwd=tmp_path, url=database_url)  # fmt: skip
    assert error_line(result).startswith(expected)
    assert snapshot(database_url) == before
