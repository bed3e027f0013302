"""Sending on the bot's own initiative: invitations and reminders as DMs, channel posts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, paging
from bot.domain import Identity, Member, Platform
from bot.messages import File, Message
from bot.outbox.messenger import DeliveryError, Sent
from bot.trust import TrustedTenants

logger = logging.getLogger(__name__)

METADATA_TYPE = "inbreng_delivery"
UNREADABLE_HISTORY = frozenset({"missing_scope", "not_in_channel", "channel_not_found"})
HISTORY_LOOKBACK = 50  # the bot's own recent messages in one conversation
# Slack does not publish how much block text a message may carry: when it refuses one as
# too long all the same, the rest is divided into messages of half as much, this often.
SMALLER_TRIES = 3

# Errors after which trying again cannot help (Web API reference, chat.postMessage et al.).
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "msg_blocks_too_long",
        "msg_too_long",
        "too_many_attachments",
        "restricted_action",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)


def error_code(error: Exception) -> str:
    """What to log of a failed call: Slack's error code, not its whole answer."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return str(error) or type(error).__name__


def delivery_error(error: SlackApiError) -> DeliveryError:
    response = error.response
    code = str(response.get("error") or f"http_{response.status_code}")
    retry_after = None
    if response.status_code == 429:
        header = response.headers.get("Retry-After") or response.headers.get("retry-after")
        retry_after = float(header[0] if isinstance(header, list) else header or 1)
    return DeliveryError(
        f"slack: {code}",
        retry_after=retry_after,
        permanent=code in PERMANENT_ERRORS,
        # A server error says nothing about whether the message was posted.
        uncertain=response.status_code >= 500,
    )


@contextmanager
def delivery_errors() -> Iterator[None]:
    """Web API and network failures as the outbox's DeliveryError."""
    try:
        yield
    except SlackApiError as error:
        raise delivery_error(error) from error
    except (ClientError, TimeoutError) as error:
        raise DeliveryError(f"slack: {type(error).__name__}", uncertain=True) from error


class SlackMessenger:
    """Implements `bot.outbox.messenger.Messenger` with the Web API."""

    platform = Platform.SLACK

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def find(self, member: Member, *, trusted: TrustedTenants) -> Identity | None:
        with delivery_errors():
            try:
                found = await self._client.users_lookupByEmail(email=member.email)
            except SlackApiError as error:
                if error.response.get("error") == "users_not_found":
                    return None
                raise
        user: dict[str, Any] = found["user"]
        if user.get("deleted") or user.get("is_bot"):
            return None
        team = str(user.get("team_id") or "")
        enterprise = str((user.get("enterprise_user") or {}).get("enterprise_id") or "")
        if not trusted.allow(Platform.SLACK, team, enterprise):
            return None  # someone with this address in another organisation's workspace
        return Identity(
            member_id=member.id,
            platform=Platform.SLACK,
            tenant=team,
            user_id=str(user["id"]),
            enterprise=enterprise,
        )

    async def send_direct(self, identity: Identity, message: Message, *, key: str) -> Sent:
        """To the member's DM with the app. Without a known DM channel the post goes to the
        user id, which opens it (no conversations.open, whose tier limit is far lower); the
        answer names the channel, which is remembered as the identity's address."""
        channel, message_id = await self._post(identity.address or identity.user_id, message, key)
        remembered = None if identity.address == channel else replace(identity, address=channel)
        return Sent(message_id=message_id, identity=remembered)

    async def post(self, channel_id: str, message: Message, *, key: str) -> str:
        """Post to a channel or DM; a long message becomes several, the first one's ts."""
        return (await self._post(channel_id, message, key))[1]

    async def find_sent(self, to: Identity | str, *, key: str) -> Sent | None:
        """Look for the message of delivery `key` among the conversation's latest ones.

        When the conversation cannot be read (an app installed before the history scopes
        were asked for, a channel the bot left), None: sending again risks a duplicate,
        which is better than not sending at all."""
        with delivery_errors():
            channel = to if isinstance(to, str) else to.address or await self._open_dm(to.user_id)
            try:
                history = await self._client.conversations_history(
                    channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
                )
            except SlackApiError as error:
                if error.response.get("error") not in UNREADABLE_HISTORY:
                    raise
                logger.warning(
                    "cannot look for an earlier message in %s: %s", channel, error_code(error)
                )
                return None
        for found in history.get("messages") or []:
            metadata = found.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and str(payload.get("key")) == key:
                return Sent(message_id=str(found["ts"]))
        return None

    async def _open_dm(self, user_id: str) -> str:
        opened = await self._client.conversations_open(users=user_id)
        return str(opened["channel"]["id"])

    async def _post(self, channel_id: str, message: Message, key: str) -> tuple[str, str]:
        """(channel, ts of the first post). The first post carries the key as message
        metadata, so that `find_sent` recognises it."""
        channel = channel_id
        metadata: dict[str, Any] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
        budget = paging.Budget(blocks.MESSAGE_BLOCKS, blocks.MESSAGE_BLOCK_TEXT)
        posts = blocks.render([message])
        sent: list[tuple[str, int]] = []  # each post's ts, and how many parts it counted
        tries = 0
        with delivery_errors():
            while len(sent) < len(posts):
                extra: dict[str, Any] = {} if sent else {"metadata": metadata}
                try:
                    answer = await self._client.chat_postMessage(
                        channel=channel, **posts[len(sent)], **extra
                    )
                except SlackApiError as error:
                    too_long = error.response.get("error") == "msg_blocks_too_long"
                    if not too_long or tries == SMALLER_TRIES:
                        raise
                    tries, budget = tries + 1, budget.smaller()
                    logger.warning(
                        "Slack found part %s too long; the rest goes in parts of %s characters",
                        len(sent) + 1,
                        budget.characters,
                    )
                    done = len(sent)
                    posts = posts[:done] + blocks.render_rest(
                        posts[done:], message, done=done, budget=budget
                    )
                    continue
                channel = str(answer.get("channel") or channel)
                sent.append((str(answer["ts"]), len(posts)))
        await self._renumber(channel, message, posts, sent)
        for file in message.files:
            await self._upload(channel, file)
        return channel, sent[0][0] if sent else ""

    async def _renumber(
        self,
        channel: str,
        message: Message,
        posts: list[dict[str, Any]],
        sent: list[tuple[str, int]],
    ) -> None:
        """Parts posted before the rest was divided smaller say how many parts there are
        now. The message has arrived: a part that cannot be renumbered is only logged."""
        for number, (ts, counted) in enumerate(sent, start=1):
            if counted == len(posts):
                continue
            post = blocks.renumbered(posts[number - 1], message, number=number, total=len(posts))
            try:
                await self._client.chat_update(channel=channel, ts=ts, **post)
            except (SlackClientError, ClientError, TimeoutError) as error:
                logger.warning("could not renumber part %s: %s", number, error_code(error))

    async def _upload(self, channel: str, file: File) -> None:
        """Files come with the message (a summary's charts): the message has arrived, so a
        file that cannot follow is logged rather than failing, and resending, the message."""
        try:
            await self._client.files_upload_v2(
                channel=channel, content=file.content, filename=file.filename, title=file.filename
            )
        except (SlackClientError, ClientError, TimeoutError) as error:
            logger.warning("could not add %s to %s: %s", file.filename, channel, error_code(error))
