"""Sending on the bot's own initiative in Teams: invitations and reminders in a member's
personal chat, summaries in a pillar's channel.

A member's stored conversation reference is continued; a member the bot has not talked
to yet but who is in a team the bot was added to is looked up in that team's roster, and
a personal chat with them is created. The Bot Framework offers no way to read back what
the bot sent, so after an uncertain answer (a 5xx, a timeout) a delivery is sent again:
a duplicate is possible, a lost invitation is not.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TypeVar

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientException, HttpOperationError

from adapters.teams import cards, pacing, references
from adapters.teams.bot import CONNECTOR_ERRORS, describe, message_activity
from bot.domain import Identity, Installation, Member, Platform
from bot.messages import Message
from bot.outbox.messenger import DeliveryError, Sent
from bot.outbox.pacing import Pacer
from bot.trust import TrustedTenants

TEAMS_CHANNEL_ID = "msteams"
ROSTER_PAGE = 500  # the most Teams returns per page
ROSTER_SECONDS = 600.0  # a team's roster is fetched again after this long
# Answers after which trying again cannot help: the bot was blocked or removed, the
# conversation or user does not exist, the activity was refused as malformed.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 405, 413})

T = TypeVar("T")


class TeamsMessenger:
    """Implements `bot.outbox.messenger.Messenger` with the Bot Framework connector."""

    platform = Platform.TEAMS

    def __init__(
        self,
        *,
        adapter: CloudAdapter,
        app_id: str,
        installations: Callable[[Platform], list[Installation]],
        pacer: Pacer | None = None,
    ) -> None:
        """`pacer`: every call to the connector waits for its slot in Teams' rate
        limits (`adapters.teams.pacing`)."""
        self._adapter = adapter
        self._pacer = pacer or Pacer()
        self._app_id = app_id
        self._installations = installations
        # team id -> (when fetched, e-mail or UPN in lower case -> account)
        self._rosters: dict[str, tuple[float, dict[str, ChannelAccount]]] = {}

    async def find(self, member: Member, *, trusted: TrustedTenants) -> Identity | None:
        """The member in the roster of a team the bot is in, with a new personal chat; only
        teams of a tenant that may vouch for the member are looked at."""
        email = member.email.lower()
        for installation in await self._teams():
            if not trusted.allow(Platform.TEAMS, installation.tenant):
                continue
            account = (await self._roster(installation)).get(email)
            if account is not None:
                address = await self._open_personal_chat(installation, str(account.id))
                return Identity(
                    member_id=member.id,
                    platform=Platform.TEAMS,
                    tenant=installation.tenant,
                    user_id=str(account.id),
                    address=address,
                )
        return None

    async def send_direct(self, identity: Identity, message: Message, *, key: str) -> Sent:
        """In the member's personal chat; without a stored one (an id from the network
        file) the chat is created first, and returned to be remembered."""
        address = identity.address
        if address is None:
            installation = await self._any_team(identity.tenant)
            address = await self._open_personal_chat(installation, identity.user_id)
        message_id = await self._send(_loaded(address), message)
        remembered = None if address == identity.address else replace(identity, address=address)
        return Sent(message_id=message_id, identity=remembered)

    async def post(self, channel_id: str, message: Message, *, key: str) -> str:
        """A new post in a team's channel, through the service of a team the bot is in."""
        installation = await self._any_team(None)
        team = _loaded(installation.address)
        reference = ConversationReference(
            channel_id=TEAMS_CHANNEL_ID,
            service_url=team.service_url,
            bot=team.bot,
            conversation=ConversationAccount(
                id=channel_id,
                conversation_type="channel",
                is_group=True,
                tenant_id=installation.tenant,
            ),
        )
        return await self._send(reference, message)

    async def find_sent(self, to: Identity | str, *, key: str) -> Sent | None:
        """Teams cannot tell what the bot sent before: always None (see the module)."""
        return None

    # -- the connector --------------------------------------------------------------

    async def _send(self, reference: ConversationReference, message: Message) -> str:
        """The message's cards, in order; the id of the first. In a channel the cards after
        the first are replies to it: one thread, not one per card."""
        attachments = cards.render([message])

        def sending(part: list[cards.Attachment]) -> Callable[[TurnContext], Awaitable[str]]:
            async def send(turn: TurnContext) -> str:
                first = ""
                for attachment in part:
                    activity = message_activity(attachment)
                    activity.summary = message.title or None
                    await self._pacer.wait(pacing.send(str(reference.conversation.id)))
                    sent = await turn.send_activity(activity)
                    first = first or str(getattr(sent, "id", "") or "")
                return first

            return send

        first = await self._in_turn(reference, sending(attachments[:1]))
        if len(attachments) > 1:
            await self._in_turn(_thread_of(reference, first), sending(attachments[1:]))
        return first

    async def _roster(self, installation: Installation) -> dict[str, ChannelAccount]:
        team_id = installation.conversation_id
        cached = self._rosters.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < ROSTER_SECONDS:
            return cached[1]

        async def fetch(turn: TurnContext) -> dict[str, ChannelAccount]:
            roster: dict[str, ChannelAccount] = {}
            token = None
            while True:
                await self._pacer.wait(pacing.read_members(team_id))
                page = await TeamsInfo.get_paged_team_members(turn, team_id, token, ROSTER_PAGE)
                for account in page.members or []:
                    for address in (account.email, account.user_principal_name):
                        if address:
                            roster.setdefault(str(address).lower(), account)
                token = page.continuation_token
                if not token:
                    return roster

        roster = await self._in_turn(_loaded(installation.address), fetch)
        self._rosters[team_id] = (time.monotonic(), roster)
        return roster

    async def _open_personal_chat(self, installation: Installation, user_id: str) -> str:
        """Create (or get back: Teams keeps one per user) the personal chat with a user;
        its serialised reference."""
        team = _loaded(installation.address)
        parameters = ConversationParameters(
            is_group=False,
            bot=team.bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=installation.tenant,
            channel_data={"tenant": {"id": installation.tenant}},
        )
        created: list[str] = []

        async def remember(turn: TurnContext) -> None:
            created.append(references.of(turn.activity))

        await self._pacer.wait(pacing.create(_personal_chat_key(user_id)))
        with delivery_errors():
            await self._adapter.create_conversation(
                self._app_id, remember, parameters, TEAMS_CHANNEL_ID, team.service_url
            )
        if not created:
            raise DeliveryError("teams: the personal chat was not created")
        return created[0]

    async def _in_turn(
        self, reference: ConversationReference, work: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        """Run `work` in a proactive turn on `reference`. The adapter hands errors inside a
        turn to its error handler (right for incoming activities); here they are needed."""
        results: list[T] = []
        failures: list[Exception] = []

        async def turn_logic(turn: TurnContext) -> None:
            try:
                results.append(await work(turn))
            except Exception as error:  # re-raised below, outside the turn
                failures.append(error)

        with delivery_errors():
            await self._adapter.continue_conversation(reference, turn_logic, self._app_id)
            if failures:
                raise failures[0]
        if not results:
            raise DeliveryError("teams: the turn did not run")
        return results[0]

    async def _teams(self) -> list[Installation]:
        return await asyncio.to_thread(self._installations, Platform.TEAMS)

    async def _any_team(self, tenant: str | None) -> Installation:
        """A team the bot is in (of `tenant` if there is one): its service reaches
        everyone in the tenant."""
        teams = await self._teams()
        if not teams:
            raise DeliveryError(
                "teams: the bot is in no team yet, so it cannot start a conversation",
                permanent=True,
            )
        return next((t for t in teams if t.tenant == tenant), teams[0])


def _thread_of(reference: ConversationReference, activity_id: str) -> ConversationReference:
    """Where replies to a channel post go (Teams' "channel;messageid=" conversation id); a
    personal chat has no threads, so there it is the chat itself."""
    conversation = reference.conversation
    if conversation is None or conversation.conversation_type != "channel" or not activity_id:
        return reference
    thread = copy.copy(reference)
    thread.conversation = copy.copy(conversation)
    thread.conversation.id = f"{conversation.id};messageid={activity_id}"
    return thread


def _personal_chat_key(user_id: str) -> str:
    """The personal chat with a user, as Teams names it ("a:" and an id of its own), is
    not known before it exists; the user's id stands for it in the pacing lanes."""
    return f"personal:{user_id}"


def _loaded(address: str) -> ConversationReference:
    try:
        return references.load(address)
    except ValueError as error:
        raise DeliveryError(f"teams: {error}", permanent=True) from error


def delivery_error(error: BaseException) -> DeliveryError:
    """A connector failure as the outbox's DeliveryError."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, HttpOperationError) and error.response is not None:
        status = int(error.response.status_code)
        if status == 429:
            header = error.response.headers.get("Retry-After")
            return DeliveryError("teams: HTTP 429", retry_after=_seconds(header))
        return DeliveryError(
            f"teams: HTTP {status}",
            permanent=status in PERMANENT_STATUSES,
            # A server error says nothing about whether the message was posted.
            uncertain=status >= 500,
        )
    if isinstance(error, PermissionError):  # no token from Entra ID: try again later
        return DeliveryError("teams: could not get a token")
    return DeliveryError(f"teams: {describe(error)}", uncertain=True)


@contextmanager
def delivery_errors() -> Iterator[None]:
    try:
        yield
    except (*CONNECTOR_ERRORS, ClientException, PermissionError) as error:
        raise delivery_error(error) from error


def _seconds(header: str | None) -> float:
    try:
        return max(1.0, float(header)) if header else 1.0
    except ValueError:
        return 1.0
