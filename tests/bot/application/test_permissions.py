"""Permissions, as an outsider would try to get around them.

Every command, button and form of the command table is tried by every role: whoever lacks
its permission (for the round at hand: a lead only for a round of their pillar) gets the
refusal they get today, and the database is as it was: no round closed or created, nothing
posted, no read in the audit log. The expectations come from the table and
`bot.permissions`, with literal checks beside them so that the test can fail
when both are wrong alike. The services refuse too when they are called directly.
Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.slack.actions import action_id
from bot.application.core import Core
from bot.conversation.command_help import SECTIONS
from bot.conversation.command_table import COMMANDS, FORMS
from bot.conversation.commands import WORDS, Command, resolve
from bot.conversation.conversation import Conversation
from bot.domain import DeliveryKind, Member, Role, Round, RoundStatus
from bot.errors import InbrengError
from bot.events import ButtonEvent, FormEvent, MessageEvent
from bot.exports.formats import ExportFormat
from bot.markup import plain
from bot.permissions import (
    MEMBER_PERMISSIONS,
    PILLAR_PERMISSIONS,
    SECRETARIAT_PERMISSIONS,
    Actor,
    Operator,
    Permission,
    allows,
    allows_somewhere,
    refusal_key,
)
from bot.ports import UnitOfWorkFactory
from bot.services.rounds import RoundRequest
from bot.texts import Texts
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import (
    LEAD_ID,
    MEMBER_ID,
    SECRETARIAT_ID,
    SLACK_USERS,
    SlackServer,
    all_text,
)
from tests.db_snapshot import snapshot
from tests.support import (
    COLLEAGUE,
    ENGLISH_MEMBER,
    LEAD,
    MEMBER,
    OPERATOR,
    OTHER_LEAD,
    SECRETARIAT,
    FakeClock,
    actor,
    answer,
    member,
    texts_of,
)

ROLES = (MEMBER, LEAD, OTHER_LEAD, SECRETARIAT)
ROUND_PILLARS = ("financien",)  # the pillar of both rounds below; LEAD leads it
REFUSALS = {  # the texts members read today, literally
    "not_allowed": "Dat mag alleen een pijlertrekker van deze pijler of het secretariaat.",
    "secretariat_only": "Dat mag alleen het secretariaat.",
}
READS = frozenset({"summary.viewed", "summary.sent", "round.exported", "member.exported"})

# What each command that not everyone may use is tried with: `{open}` an open round,
# `{closed}` a summarised one, both of Financiën. The most a command can do with them.
ATTEMPTS: dict[Command, tuple[tuple[str, ...], ...]] = {
    Command.STATUS: (("{open}",), ("{closed}",)),
    Command.SUMMARY: (
        ("{open}",),
        ("{closed}",),
        ("{closed}", "goedkeuren"),
        ("{closed}", "titel", "t1", "Andere titel"),
        ("{closed}", "verberg", "t1"),
    ),
    Command.POST: (("status", "{open}"), ("samenvatting", "{open}"), ("samenvatting", "{closed}")),
    Command.EXPORT: (("{open}",), ("{closed}",)),
    Command.ROUND: (("{open}",), ("{closed}",)),
    Command.NEW: ((),),
    Command.CLOSE: (("{open}",),),
    Command.CANCEL: (("{open}",),),
}
ROUND_FORM = {
    "pillar": "financien", "meeting_title": "Nep", "meeting_at": "2026-12-20 14:00",
    "opens_at": "nu", "closes_at": "2026-12-12 17:00", "question": "", "reminders": "",
    "audience": "all",
}  # fmt: skip


def word_for(command: Command) -> str:
    """The first Dutch word the parser takes for `command`."""
    return next(word for word, meant in WORDS.items() if meant == command and word.isalpha())


@pytest.fixture
def closed_round(core: Core, clock: FakeClock, open_round: Round) -> Round:
    """A second Financiën round, answered and closed: its summary is a draft to review."""
    round_ = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Eerder pijleroverleg",
            meeting_at=clock.now() + timedelta(days=10),
            closes_at=clock.now() + timedelta(days=3),
        ),
        actor=OPERATOR,
    )
    answer(core, round_, MEMBER, "onderwijshuisvesting", "De normbedragen zijn te laag.")
    answer(core, round_, COLLEAGUE, "onderwijshuisvesting", "Bouwkosten stijgen te snel.")
    return core.rounds.close(round_.id, actor=OPERATOR)


def linked(conversation: Conversation, *emails: str) -> None:
    """A first contact links each member's console identity (a write of its own)."""
    for email in emails:
        conversation.handle(MessageEvent(actor=actor(email), text="hulp"))


def said(conversation: Conversation, email: str, text: str) -> str:
    return texts_of(conversation.handle(MessageEvent(actor=actor(email), text=text))).strip()


def pressed(conversation: Conversation, email: str, command: Command, value: str) -> str:
    event = ButtonEvent(actor=actor(email), action=command.value, value=value)
    return texts_of(conversation.handle(event)).strip()


def reads(uow_factory: UnitOfWorkFactory) -> list[str]:
    with uow_factory() as uow:
        return [e.action for e in uow.audit.list() if e.action in READS]


# --- the rule itself ----------------------------------------------------------------------


def a_member(
    roles: set[Role], lead_of: frozenset[str] = frozenset(), *, active: bool = True
) -> Member:
    return Member(id=7, email="x@example.org", name="X", organisation_id=1,
                  roles=frozenset(roles), lead_of=frozenset(lead_of), active=active)  # fmt: skip


def test_who_holds_which_permission() -> None:
    plain_member = a_member({Role.MEMBER})
    lead = a_member({Role.MEMBER, Role.LEAD}, frozenset({"financien"}))
    secretariat = a_member({Role.SECRETARIAT})
    admin_and_lead = a_member({Role.ADMIN, Role.LEAD}, frozenset({"financien"}))
    lead_of_without_the_role = a_member({Role.MEMBER}, frozenset({"financien"}))
    gone = a_member({Role.SECRETARIAT}, active=False)
    operator = Operator(name="beheerder")
    assert set(Permission) == MEMBER_PERMISSIONS | PILLAR_PERMISSIONS | SECRETARIAT_PERMISSIONS

    for permission in MEMBER_PERMISSIONS:
        assert allows(plain_member, permission) and not allows(gone, permission)
    for permission in PILLAR_PERMISSIONS:
        assert not allows(plain_member, permission, pillars=["financien"])
        assert allows(lead, permission, pillars=["financien"])
        assert allows(lead, permission, pillars=["bestuur", "financien"])  # a members' meeting
        assert not allows(lead, permission, pillars=["bestuur"])
        assert not allows(lead, permission)  # no round named: leading gives nothing
        assert allows_somewhere(lead, permission)
        assert not allows_somewhere(plain_member, permission)
        assert not allows(lead_of_without_the_role, permission, pillars=["financien"])
        assert allows(secretariat, permission, pillars=["bestuur"])
        assert not allows(gone, permission, pillars=["financien"])
        assert refusal_key(permission) == "not_allowed"
    for permission in (Permission.MANAGE_ROUNDS,):
        assert not allows(lead, permission, pillars=["financien"])
        assert allows(secretariat, permission) and allows(admin_and_lead, permission)
        assert refusal_key(permission) == "secretariat_only"
    # Anonymous answers by municipality: the secretariat's view, never a lead's.
    assert allows(secretariat, Permission.COUNT_ANONYMOUS_BY_ORIGIN)
    assert not allows(admin_and_lead, Permission.COUNT_ANONYMOUS_BY_ORIGIN)
    assert all(allows(operator, p) for p in Permission)


def test_the_table_holds_every_command_and_each_line_of_help_exists_in_every_language() -> None:
    assert set(COMMANDS) == set(Command)
    assert set(FORMS) == {"answer", "round", "erase"}
    texts = Texts()
    for entry in COMMANDS.values():
        if entry.help is not None:
            for language in ("nl", "en"):
                assert plain(texts.render(language, f"help.commands.{entry.help}"))
    # Every command not for everyone is tried below.
    assert set(ATTEMPTS) == {
        c for c, e in COMMANDS.items() if e.permission not in MEMBER_PERMISSIONS
    }


# --- through the conversation -------------------------------------------------------------


@pytest.mark.parametrize("email", ROLES)
def test_whoever_lacks_a_permission_is_refused_and_nothing_changes(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    closed_round: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    email: str,
) -> None:
    linked(conversation, email)
    who = member(core, email)
    rounds = {"open": open_round.id, "closed": closed_round.id}
    before = snapshot(database_url)

    refused: list[Command] = []
    for command, attempts in ATTEMPTS.items():
        permission = COMMANDS[command].permission
        if allows(who, permission, pillars=ROUND_PILLARS):
            continue
        expected = REFUSALS[refusal_key(permission)]
        for attempt in attempts:
            args = " ".join(attempt).format(**rounds)
            typed = f"{word_for(command)} {args}".strip()
            assert said(conversation, email, typed) == expected, (email, typed)
            assert pressed(conversation, email, command, args) == expected, (email, command, args)
        refused.append(command)
    if not allows(who, FORMS["round"].permission):
        form = FormEvent(actor=actor(email), form_id="round", context="", values=ROUND_FORM)
        assert texts_of(conversation.handle(form)).strip() == REFUSALS["secretariat_only"]

    assert snapshot(database_url) == before  # nothing closed, created, posted or read
    assert core.rounds.get(open_round.id).status == RoundStatus.OPEN
    assert reads(uow_factory) == []
    # Literally: who is refused what.
    expected_refusals = {
        MEMBER: set(ATTEMPTS),
        LEAD: {Command.NEW, Command.CLOSE, Command.CANCEL},
        OTHER_LEAD: set(ATTEMPTS),  # a lead, but of another pillar than these rounds'
        SECRETARIAT: set(),
    }[email]
    assert set(refused) == expected_refusals


def test_a_lead_of_another_pillar_gets_through_the_door_but_not_to_the_round(
    conversation: Conversation, open_round: Round, closed_round: Round, database_url: str
) -> None:
    """The dispatcher lets a lead's command pass (they lead a pillar); the service that reads
    or changes the round refuses, as it is not their pillar's."""
    linked(conversation, OTHER_LEAD)
    before = snapshot(database_url)
    for typed in (f"samenvatting {closed_round.id} goedkeuren", f"export {closed_round.id}",
                  f"plaats samenvatting {closed_round.id}", f"status {open_round.id}",
                  f"ronde {open_round.id}"):  # fmt: skip
        assert said(conversation, OTHER_LEAD, typed) == REFUSALS["not_allowed"], typed
    # Without a round named, there is none of theirs to pick.
    assert said(conversation, OTHER_LEAD, "status").startswith("Er is nog geen uitvraag")
    assert snapshot(database_url) == before


@pytest.mark.parametrize("email", ROLES)
def test_whoever_holds_a_permission_gets_what_it_gives(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    closed_round: Round,
    uow_factory: UnitOfWorkFactory,
    email: str,
) -> None:
    """The other side, so that the refusals above are not all the bot can say: the reads a
    role may do work, and each read of names is in the audit log."""
    linked(conversation, email)
    who = member(core, email)
    reading = {
        f"status {open_round.id}": Permission.READ_ROUND_STATUS,
        f"ronde {open_round.id}": Permission.READ_ROUND_STATUS,
        f"samenvatting {closed_round.id}": Permission.READ_SUMMARY,
        f"export {closed_round.id}": Permission.EXPORT_ROUND,
    }
    for typed, permission in reading.items():
        reply = said(conversation, email, typed)
        if allows(who, permission, pillars=ROUND_PILLARS):
            assert reply not in REFUSALS.values(), typed
        else:
            assert reply == REFUSALS["not_allowed"], typed
    may_read = email in (LEAD, SECRETARIAT)
    assert reads(uow_factory) == (["summary.viewed", "round.exported"] if may_read else [])


@pytest.mark.parametrize("email", ROLES)
def test_nobody_is_offered_a_button_they_may_not_press(
    conversation: Conversation, core: Core, open_round: Round, closed_round: Round, email: str
) -> None:
    linked(conversation, email)
    who = member(core, email)
    offered: set[Command] = set()
    for typed in ("rondes", f"ronde {open_round.id}", f"status {open_round.id}",
                  f"samenvatting {open_round.id}", f"samenvatting {closed_round.id}"):  # fmt: skip
        for message in conversation.handle(MessageEvent(actor=actor(email), text=typed)):
            for button in message.buttons:
                command, _ = resolve(Command(button.action), button.value.split())
                offered.add(command)
                permission = COMMANDS[command].permission
                assert allows(who, permission, pillars=ROUND_PILLARS), (email, typed, command)
    # Literally: the secretariat is offered closing the open round, a lead is not.
    assert (Command.CLOSE in offered) == (email == SECRETARIAT)
    assert (Command.POST in offered) == (email in (LEAD, SECRETARIAT))


def test_only_the_secretariat_closes_and_creates_rounds(
    conversation: Conversation, core: Core, open_round: Round
) -> None:
    linked(conversation, LEAD, SECRETARIAT)
    assert said(conversation, LEAD, f"sluit {open_round.id}") == REFUSALS["secretariat_only"]
    closing = said(conversation, SECRETARIAT, f"sluit {open_round.id}")
    assert closing.startswith(f"Uitvraag {open_round.id} (Pijleroverleg Financiën) is gesloten.")
    assert core.rounds.get(open_round.id).status == RoundStatus.SUMMARISED
    form = FormEvent(actor=actor(SECRETARIAT), form_id="round", context="", values=ROUND_FORM)
    assert "is aangemaakt" in texts_of(conversation.handle(form))
    assert len(core.rounds.find()) == 2


# --- the help ----------------------------------------------------------------------------


def expected_help(who: Member, language: str) -> str:
    """The help as the table says it: per section, the lines of the commands `who` may use."""
    texts = Texts()
    parts = []
    for heading, permissions in SECTIONS:
        keys = list(dict.fromkeys(
            e.help for e in COMMANDS.values()
            if e.help and e.permission in permissions and allows_somewhere(who, e.permission)
        ))  # fmt: skip
        if keys:
            lines = [f"help.sections.{heading}"] if heading else []
            lines += [f"help.commands.{key}" for key in keys]
            parts.append("\n".join(plain(texts.render(language, k)) for k in lines))
    return "\n\n".join(parts)


@pytest.mark.parametrize("email", [*ROLES, ENGLISH_MEMBER])
def test_the_help_lists_exactly_what_the_member_may_do(
    conversation: Conversation, core: Core, email: str
) -> None:
    who = member(core, email)
    [shown] = conversation.handle(MessageEvent(actor=actor(email), text="help"))
    text = plain(shown.text)
    assert text == expected_help(who, who.language)

    # And literally, per role.
    everyone = ["• rondes:", "• inbreng [ronde]:", "• mijn:", "• niets [ronde]:", "• privacy:",
                "• taal en|nl:", "• afwezig tot [datum]:"]  # fmt: skip
    leads = ["Voor pijlertrekkers:", "• status [ronde]:", "• samenvatting [ronde]:",
             "• plaats status [ronde]", "• export [ronde]:", "• ronde [nr]:"]  # fmt: skip
    secretariat = ["Voor het secretariaat:", "• nieuw:", "• sluit [nr]:", "• annuleer [nr]:"]
    shown_lines = [line for line in text.splitlines() if line]
    if email == ENGLISH_MEMBER:
        assert shown_lines[0].startswith("• rounds:") and "For pillar leads:" not in text
        return
    listed = {MEMBER: everyone, LEAD: everyone + leads, OTHER_LEAD: everyone + leads,
              SECRETARIAT: everyone + leads + secretariat}[email]  # fmt: skip
    assert len(shown_lines) == len(listed)
    for line, start in zip(shown_lines, listed, strict=True):
        assert line.startswith(start), (line, start)


# --- the services, called directly ----------------------------------------------------------


def test_the_services_refuse_an_unprivileged_actor_themselves(
    core: Core,
    open_round: Round,
    closed_round: Round,
    clock: FakeClock,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
) -> None:
    plain_member, lead, other_lead = (member(core, e) for e in (MEMBER, LEAD, OTHER_LEAD))
    request = RoundRequest(
        pillar_slug="financien",
        meeting_at=clock.now() + timedelta(days=14),
        closes_at=clock.now() + timedelta(days=7),
    )
    before = snapshot(database_url)

    def refused(key: str, call: Callable[[], object]) -> None:
        with pytest.raises(InbrengError) as refusal:
            call()
        assert refusal.value.key == key

    closed_id, open_id = closed_round.id, open_round.id
    refused("secretariat_only", lambda: core.rounds.close(open_id, actor=plain_member))
    refused("secretariat_only", lambda: core.rounds.close(open_id, actor=lead))
    refused("secretariat_only", lambda: core.rounds.create(request, actor=lead))

    def reads_and_changes(reader: Actor) -> None:
        refused("not_allowed", lambda: core.reports.read_summary(closed_id, reader=reader))
        refused("not_allowed", lambda: core.reports.read_status(open_id, reader=reader))
        refused("not_allowed", lambda: core.reports.read_details(open_id, reader=reader))
        refused("not_allowed", lambda: core.exports.for_round(
            closed_id, fmt=ExportFormat.CSV, language="nl", reader=reader))  # fmt: skip
        refused("not_allowed", lambda: core.exports.for_pillar(
            "financien", since=None, until=None, fmt=ExportFormat.CSV, language="nl",
            reader=reader))  # fmt: skip
        refused("not_allowed", lambda: core.summary_review.approve(closed_id, actor=reader))
        refused("not_allowed", lambda: core.summary_review.retitle(
            closed_id, "t1", "Andere titel", actor=reader))  # fmt: skip
        refused("not_allowed", lambda: core.summary_review.set_hidden(
            closed_id, "t1", True, actor=reader))  # fmt: skip
        refused("not_allowed", lambda: core.summary_review.post(closed_id, actor=reader))
        refused("not_allowed", lambda: core.deliveries.post_to_channels(
            open_round, DeliveryKind.STATUS, actor=reader))  # fmt: skip

    reads_and_changes(plain_member)
    reads_and_changes(other_lead)
    # A round handed in as one of the lead's own pillar is checked as it is stored.
    theirs = next(p.id for p in core.rounds.all_pillars() if other_lead.leads(p.slug))
    forged = replace(open_round, pillar_ids=(theirs,))
    refused("not_allowed", lambda: core.deliveries.post_to_channels(
        forged, DeliveryKind.STATUS, actor=other_lead))  # fmt: skip

    assert snapshot(database_url) == before
    assert reads(uow_factory) == []
    # The operator of the command line may do it all, as before.
    assert core.rounds.close(open_id, actor=OPERATOR).status == RoundStatus.SUMMARISED


# --- through Slack's HTTP route, with signed requests ----------------------------------------

OTHER_LEAD_ID = "UOTHERLD1"


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    slack_api.add_user(OTHER_LEAD_ID, OTHER_LEAD)
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def state(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the one that remembers requests seen (against Slack's replays)."""
    return {k: v for k, v in snapshot(database_url).items() if k != "processed_events"}


class SlackReplies:
    """What the bot answers on the requests' response URLs, one request at a time."""

    def __init__(self, slack: SlackServer) -> None:
        self.slack = slack
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return all_text(self.slack.slack.wait_for("response_url", self.count)[self.count - 1])


@pytest.mark.parametrize("user_id", [MEMBER_ID, LEAD_ID, OTHER_LEAD_ID])
def test_slash_commands_and_buttons_sent_to_slack_are_refused_alike(
    slack: SlackServer,
    core: Core,
    open_round: Round,
    closed_round: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    user_id: str,
) -> None:
    email = OTHER_LEAD if user_id == OTHER_LEAD_ID else SLACK_USERS[user_id]
    replies = SlackReplies(slack)
    slack.command(user_id, "hulp")  # the first contact links the Slack user
    assert "wat kan ik voor u doen" in replies.next()
    who = member(core, email)
    rounds = {"open": open_round.id, "closed": closed_round.id}
    before = state(database_url)

    tried = 0
    for command, attempts in ATTEMPTS.items():
        permission = COMMANDS[command].permission
        if allows(who, permission, pillars=ROUND_PILLARS):
            continue
        expected = REFUSALS[refusal_key(permission)]
        for attempt in attempts:
            args = " ".join(attempt).format(**rounds)
            slack.command(user_id, f"{word_for(command)} {args}".strip())
            assert expected in replies.next(), (command, args)
            # A forged button: its command in the action id, its argument in the value.
            slack.click(user_id, action_id(command.value, 0), args, ephemeral=True)
            assert expected in replies.next(), (command, args)
            tried += 1

    # The lead is refused only the secretariat's `nieuw`, `sluit` and `annuleer`; the others
    # everything.
    assert tried == (3 if user_id == LEAD_ID else sum(len(a) for a in ATTEMPTS.values()))
    assert state(database_url) == before
    assert reads(uow_factory) == []
    assert not [
        c for c in slack.slack.calls_to("chat.postMessage") if c.params["channel"][0] == "C"
    ]


def test_a_round_form_forged_by_a_lead_through_slack_creates_nothing(
    slack: SlackServer, core: Core, open_round: Round, database_url: str
) -> None:
    replies = SlackReplies(slack)
    slack.command(LEAD_ID, "hulp")
    replies.next()
    slack.command(SECRETARIAT_ID, "nieuw")  # the secretariat's own form, to copy
    view = slack.slack.wait_for("views.open")[-1].params["view"]
    before = state(database_url)
    values = {
        "pillar": "financien",
        "meeting_title": "Nep",
        "meeting_at": int((open_round.meeting.starts_at + timedelta(days=3)).timestamp()),
        "opens_at": None,
        "closes_at": int((open_round.meeting.starts_at + timedelta(days=1)).timestamp()),
        "question": "",
        "reminders": "",
        "audience": "all",
    }
    reply = slack.submit(LEAD_ID, view, values)

    assert reply.status == 200
    slack.settle()
    assert state(database_url) == before
    assert [r.id for r in core.rounds.find()] == [open_round.id]
    # The same form from the secretariat does create the round: the values were valid.
    assert slack.submit(SECRETARIAT_ID, view, values).status == 200
    slack.settle()
    assert [r.meeting.title for r in core.rounds.find()] == ["Pijleroverleg Financiën", "Nep"]
