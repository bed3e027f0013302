"""The Teams side of the conversation: activities in, Adaptive Cards out.

Members talk to the bot in a personal chat. Every message there refreshes the member's
stored conversation reference, so the outbox can reach them later from any instance. A
submitted form card is replaced by what follows it (the confirmation, or the same form
with its errors and everything typed), so a card is never submitted twice. A button's
reply placed in the stead of its card (a declined invitation, a withdrawn answer) updates
that card, and an answer given from an invitation updates the invitation. The
conversation is synchronous (it talks to the database), so it runs in threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from aiohttp import ClientError
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, Attachment
from msrest.exceptions import ClientException

from adapters.teams import activities, card_data, cards, references
from bot.conversation.conversation import Conversation, Outcome, Reply
from bot.domain import Installation, Platform
from bot.events import Actor, ButtonEvent, FormEvent
from bot.messages import Message, Placement

logger = logging.getLogger(__name__)

Handler = Callable[[TurnContext], Awaitable[None]]
# What the Bot Framework connector raises: refusals (HTTP errors) and network failures,
# among them those of getting a token from Entra ID (requests' errors are OSErrors).
CONNECTOR_ERRORS = (ClientException, ClientError, OSError)


class TeamsBot:
    """The bot's turn logic; `on_turn` is what the adapter calls for every activity."""

    def __init__(self, *, conversation: Conversation) -> None:
        self._conversation = conversation
        self._handlers: dict[str, Handler] = {
            ActivityTypes.message: self._on_message,
            ActivityTypes.conversation_update: self._on_conversation_update,
            ActivityTypes.installation_update: self._on_installation_update,
            ActivityTypes.invoke: self._on_invoke,
        }

    async def on_turn(self, turn: TurnContext) -> None:
        handler = self._handlers.get(turn.activity.type or "")
        if handler is not None:
            await handler(turn)

    # -- activities ---------------------------------------------------------------

    async def _on_message(self, turn: TurnContext) -> None:
        activity = turn.activity
        who = activities.actor(activity)
        if who is None:
            return
        personal = activities.conversation_type(activity) == activities.PERSONAL
        event = activities.to_event(activity, who) if personal else None
        if isinstance(event, card_data.FormCancelled):
            if activity.reply_to_id:
                with refusals_logged():
                    await turn.delete_activity(activity.reply_to_id)
            return

        def answer(sender: Actor) -> Reply:
            if not personal:
                return self._conversation.note(sender, "teams.channel_hint", repeat_key=key)
            if event is None:  # nothing to answer; the address is still worth keeping
                return self._conversation.attend(sender, repeat_key=key, address=address)
            return self._conversation.receive(
                replace(event, actor=sender), repeat_key=key, address=address
            )

        key = _repeat_key(activity)
        address = references.of(activity) if personal else None
        reply = await self._with_email(turn, who, answer)
        if reply is None:
            return
        if isinstance(event, FormEvent):
            submitted = card_data.parse(activity.value)
            source = submitted.source if isinstance(submitted, card_data.FormSubmitted) else ""
            await self._reply(
                turn, reply.messages, form_card=activity.reply_to_id, source=source or None
            )
        elif isinstance(event, ButtonEvent):
            await self._reply(turn, reply.messages, source=activity.reply_to_id)
        else:
            await self._reply(turn, reply.messages)

    async def _on_conversation_update(self, turn: TurnContext) -> None:
        """The bot added to a team: remember the team. Added in a personal chat: remember
        the member's address and welcome them. People joining a team need nothing now:
        the outbox finds them there when a round asks for them."""
        activity = turn.activity
        team = activities.team_of(activity)
        if team is not None:
            if activities.bot_added(activity):
                await self._installed(activity, *team)
            elif activities.bot_removed(activity):
                await asyncio.to_thread(self._conversation.removed, Platform.TEAMS, team[0])
            return
        if activities.conversation_type(activity) != activities.PERSONAL:
            return
        people = activities.added_people(activity)
        if not people and activities.bot_added(activity) and activity.from_property is not None:
            people = [activity.from_property]
        for person in people:
            await self._welcome(turn, activities.account_actor(activity, person))

    async def _on_installation_update(self, turn: TurnContext) -> None:
        """Additions arrive as conversationUpdate too (handled there); a removal from a
        team sometimes only as this."""
        activity = turn.activity
        team = activities.team_of(activity)
        if team is not None and str(activity.action or "").startswith("remove"):
            await asyncio.to_thread(self._conversation.removed, Platform.TEAMS, team[0])

    async def _on_invoke(self, turn: TurnContext) -> None:
        """The bot's cards use Action.Submit, which arrives as a message; an invoke comes
        from elsewhere and gets an empty success, so Teams shows no error."""
        response = InvokeResponse(status=200, body={})
        await turn.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))

    # -- members ------------------------------------------------------------------

    async def _with_email(
        self, turn: TurnContext, who: Actor, answer: Callable[[Actor], Reply]
    ) -> Reply | None:
        """The conversation's answer; a user it does not know yet is looked up once, by
        the e-mail address Teams knows. None for an activity handled before (a retried
        delivery): its id is kept in the database, so this holds across restarts and
        instances."""
        reply = await asyncio.to_thread(answer, who)
        if reply.outcome == Outcome.NEEDS_EMAIL:
            email = await self._email_of(turn, who.user_id)
            reply = await asyncio.to_thread(answer, replace(who, email=email or ""))
        if reply.outcome == Outcome.REPEAT:
            logger.info("Teams sent activity %s again; ignored", turn.activity.id)
            return None
        return reply

    async def _email_of(self, turn: TurnContext, user_id: str) -> str | None:
        """The e-mail address (else the UPN) Teams knows for the user, to find the member."""
        try:
            account = await TeamsInfo.get_member(turn, user_id)
        except CONNECTOR_ERRORS as error:
            logger.warning("could not look up a Teams user: %s", describe(error))
            return None
        address = getattr(account, "email", None) or getattr(account, "user_principal_name", None)
        return str(address) if address else None

    async def _welcome(self, turn: TurnContext, who: Actor) -> None:
        address = references.of(turn.activity)
        reply = await self._with_email(
            turn, who, lambda sender: self._conversation.welcome(sender, address=address)
        )
        if reply is not None:
            await self._reply(turn, reply.messages)

    async def _installed(self, activity: Activity, team_id: str, name: str) -> None:
        installation = Installation(
            platform=Platform.TEAMS,
            tenant=activities.tenant_of(activity),
            conversation_id=team_id,
            name=name,
            address=references.of(activity),
        )
        await asyncio.to_thread(self._conversation.installed, installation)

    # -- replies ------------------------------------------------------------------

    async def _reply(
        self,
        turn: TurnContext,
        messages: list[Message],
        *,
        form_card: str | None = None,
        source: str | None = None,
    ) -> None:
        """Messages as cards, forms last. What is placed in the stead of the card acted on
        updates `source`; the first new card takes the place of the submitted `form_card`,
        which goes away when nothing follows it."""
        forms = [m.form for m in messages if m.form is not None]
        shown = [replace(m, form=None) for m in messages if _has_content(m)]
        if source is not None:
            in_place = cards.render([m for m in shown if m.placement != Placement.NEW])
            if in_place:
                await self._update(turn, source, in_place[0])
            new = in_place[1:] + cards.render([m for m in shown if m.placement == Placement.NEW])
        else:
            new = cards.render([m for m in shown if m.placement != Placement.REPLACE_ONLY])
        # A form opened by a button on a card may update that card once it is answered.
        new += [cards.form_card(form, source=source or "") for form in forms]
        if form_card is not None:
            if new:
                await self._update(turn, form_card, new.pop(0))
            else:
                with refusals_logged():
                    await turn.delete_activity(form_card)
        for attachment in new:
            with refusals_logged():
                await turn.send_activity(message_activity(attachment))

    async def _update(self, turn: TurnContext, activity_id: str, attachment: Any) -> None:
        card = message_activity(attachment)
        card.id = activity_id
        with refusals_logged():
            await turn.update_activity(card)


def _repeat_key(activity: Activity) -> str | None:
    """What makes a message a repeat: its id in its conversation; for a submitted form
    card, the card: the id of its activity and the token it was sent with. A double click
    on Submit sends two activities with ids of their own, but the same card; the card
    shown again with its errors has a new token, so the corrected form counts."""
    if activity.type != ActivityTypes.message:
        return None
    conversation = activities.conversation_id(activity)
    submitted = card_data.parse(activity.value)
    if isinstance(submitted, card_data.FormSubmitted) and submitted.card:
        return f"{conversation}:card:{activity.reply_to_id or ''}:{submitted.card}"
    if not activity.id:
        return None
    return f"{conversation}:{activity.id}"


def message_activity(attachment: dict[str, Any]) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[
            Attachment(content_type=attachment["contentType"], content=attachment["content"])
        ],
    )


def _has_content(message: Message) -> bool:
    return bool(message.text or message.title or message.fields or message.buttons or message.files)


@contextmanager
def refusals_logged() -> Iterator[None]:
    """For replies: a refusal is logged, not raised, as what was stored stays stored."""
    try:
        yield
    except CONNECTOR_ERRORS as error:
        logger.warning("Teams refused a reply: %s", describe(error))


def describe(error: BaseException) -> str:
    """An error without what it carries (tokens, member text): its type and status."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
