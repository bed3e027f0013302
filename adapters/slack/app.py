"""The Bolt app: Slack requests in, the conversation's replies out.

Every listener acknowledges first and does the work that needs the database after, so
Bolt never answers 404 (its "unhandled request" past Slack's 3 s) for a request the bot
goes on to handle. A modal submission is checked first without the database: Slack shows
errors beside the fields only from the acknowledgement itself. Work after an
acknowledgement that fails tells the member so in the chat, and a submitted form gives
back what was typed. A direct message is the exception: it is recorded before it is
acknowledged, so that one that cannot be recorded is retried by Slack
(`_record_direct_message`). The conversation is synchronous (it talks to the database),
so it runs in threads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, modals, payloads
from adapters.slack.actions import FORM_PREFIX, PREFIX
from adapters.slack.home_refresh import HomeRefresher
from adapters.slack.messenger import error_code
from bot.conversation.conversation import Conversation, Outcome, Reply
from bot.events import Actor, CommandEvent, FormEvent
from bot.markup import Markup
from bot.messages import File, Form, Message, Placement

logger = logging.getLogger(__name__)

COMMAND = "/inbreng"
Body = dict[str, Any]
Answer = Callable[[Actor, str | None], Reply]  # the conversation's, to a sender and repeat key
Received = tuple[Reply, Actor] | None
# How long a direct message may take to be recorded before Slack gets its answer: well
# within Slack's 3 s, and past it Slack is asked to send the event again.
DM_RECORD_SECONDS = 2.0
RECEIVED = "inbreng_received"  # the Bolt context key of a direct message recorded before its ack


class SlackBot:
    """Bolt listeners around the conversation."""

    def __init__(
        self,
        *,
        conversation: Conversation,
        client: AsyncWebClient,
        signing_secret: str | None,
    ) -> None:
        self._conversation = conversation
        self._texts = conversation.texts
        self._client = client
        self._dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self._homes = HomeRefresher(self._publish_home)
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            request_verification_enabled=signing_secret is not None,
            process_before_response=False,
        )
        # Listeners go on after their acknowledgement, in tasks of Bolt's own: a stopping
        # server waits for them (`finish`), since Slack will not send those requests again.
        self._under_way: set[asyncio.Task[Any]] = set()
        self.app.command(COMMAND)(self._tracked(self._on_command))
        self.app.action(re.compile(f"^{PREFIX}:"))(self._tracked(self._on_button))
        self.app.view(re.compile(f"^{FORM_PREFIX}:"))(self._tracked(self._on_form))
        self.app.view_closed(re.compile(f"^{FORM_PREFIX}:"))(self._on_form_closed)
        self.app.event("message")(self._tracked(self._on_message))
        self.app.event("app_mention")(self._tracked(self._on_mention))
        self.app.event("app_home_opened")(self._tracked(self._on_home))
        self.app.middleware(self._note_rate_limits)
        self.app.middleware(self._record_direct_message)

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        # functools.wraps keeps the listener's parameter names, which Bolt reads to know
        # what to pass.
        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._under_way.add(task)
            try:
                await listener(**kwargs)
            finally:
                if task is not None:
                    self._under_way.discard(task)

        return run

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._under_way.add(task)
        task.add_done_callback(self._under_way.discard)

    async def finish(self, timeout: float) -> int:
        """Wait (at most `timeout` seconds) for listeners still at work; returns how many
        did not finish in time."""
        if not self._under_way:
            return 0
        _, late = await asyncio.wait(set(self._under_way), timeout=timeout)
        if late:
            logger.warning("%s Slack requests still at work when stopping", len(late))
        return len(late)

    def drop_home_refreshes(self) -> None:
        """On stopping: App Home refreshes not yet done are dropped (pages are built again
        when opened)."""
        self._homes.close()

    # -- listeners ---------------------------------------------------------------

    async def _receive(
        self, body: Body, request: AsyncBoltRequest, answer: Answer | None = None
    ) -> tuple[Reply, Actor] | None:
        """The conversation's answer to this request, and who sent it; None for a repeat.

        Events API retries (same event_id) and replayed requests (same signature) are
        processed once: the conversation keeps their keys in the database, with what the
        request stored, so this holds across restarts and instances. A user the bot does
        not know yet is looked up once, by the profile of their own Slack team."""
        sender = payloads.sender(body) or payloads.Sender(team_id="", user_id="")
        who = payloads.actor(sender)
        key = repeat_key(request)
        answer = answer or self._event_of(body)
        reply = await asyncio.to_thread(answer, who, key)
        if reply.outcome == Outcome.NEEDS_EMAIL:
            who = await self._with_profile(who, sender.user_id)
            reply = await asyncio.to_thread(answer, who, key)
        if reply.outcome == Outcome.REPEAT:
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            logger.info("Slack sent %s again (retry %s); ignored", (key or "").split(":")[0], retry)
            return None
        return reply, who

    def _event_of(self, body: Body) -> Answer:
        """The conversation's answer to what the payload says."""

        def answer(who: Actor, key: str | None) -> Reply:
            event = payloads.to_event(body, who)
            if event is None:
                return Reply()
            return self._conversation.receive(event, repeat_key=key)

        return answer

    def _help(self, who: Actor, key: str | None) -> Reply:
        return self._conversation.receive(CommandEvent(actor=who, text="help"), repeat_key=key)

    def _home(self, who: Actor, key: str | None) -> Reply:
        return self._conversation.home(who, fits=_fits_home, repeat_key=key)

    async def _on_command(
        self, ack: AsyncAck, body: Body, respond: AsyncRespond, request: AsyncBoltRequest
    ) -> None:
        await ack()
        received = await self._after_ack(body, request, respond)
        if received is None:
            return
        reply, who = received
        await self._reply(reply, who, trigger_id=body.get("trigger_id"), respond=respond)

    async def _on_button(
        self, ack: AsyncAck, body: Body, respond: AsyncRespond, request: AsyncBoltRequest
    ) -> None:
        await ack()
        received = await self._after_ack(body, request, respond)
        if received is None:
            return
        reply, who = received
        container = body.get("container") or {}
        trigger_id = body.get("trigger_id")
        if container.get("type") == "view":  # the App Home tab, published again below
            await self._reply(reply, who, trigger_id=trigger_id)
            self._homes.refresh(who)
        elif container.get("is_ephemeral"):
            await self._reply(
                reply, who, trigger_id=trigger_id, respond=respond, replacing=Replaced()
            )
        else:
            source = payloads.source(body)
            channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
            await self._reply(
                reply,
                who,
                trigger_id=trigger_id,
                channel=channel,
                replacing=Replaced(source) if source else None,
            )

    async def _after_ack(
        self, body: Body, request: AsyncBoltRequest, respond: AsyncRespond
    ) -> Received:
        """`_receive` for a command or a button, already acknowledged: when it fails (the
        database is away), the member is told to try again, privately where they asked,
        else in the DM, rather than hearing nothing."""
        try:
            return await self._receive(body, request)
        except Exception as error:
            _log_failure(f"a Slack {body.get('type') or 'command'} could not be handled", error)
        who = payloads.actor(payloads.sender(body) or payloads.Sender(team_id="", user_id=""))
        post = blocks.render([self._conversation.failed()])[0]
        try:
            if body.get("response_url"):
                await respond(response_type="ephemeral", replace_original=False, **post)
            elif who.user_id:
                await self._post(None, who, post)
        except Exception as error:  # Slack is away too: nothing more to do
            logger.warning("could not say a request failed: %s", type(error).__name__)
        return None

    async def _on_form(self, ack: AsyncAck, body: Body, request: AsyncBoltRequest) -> None:
        """Errors found without the database come back in the acknowledgement, beside the
        fields. Anything else is acknowledged at once (the modal closes) and stored after;
        its outcome comes in the chat: the confirmation, or a message that it was not saved
        with everything typed."""
        view = body.get("view") or {}
        stored = modals.metadata(view)
        who = payloads.actor(payloads.sender(body) or payloads.Sender(team_id="", user_id=""))
        event = payloads.to_event(body, who)
        if isinstance(event, FormEvent):
            found = self._conversation.check(event, language=stored.language, limits=stored.limits)
            errors = modals.inline_errors(view, found)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
        await ack()
        try:
            received = await self._receive(body, request)
        except Exception as error:
            _log_failure("a submitted form could not be stored; given back to the member", error)
            await self._not_saved(view, who, stored.language)
            return
        if received is None:
            return
        reply, who = received
        again = next((m.form for m in reply.messages if m.form is not None), None)
        if again is not None:  # not stored, for reasons only the database knew
            await self._not_saved(view, who, reply.language, again.errors)
            return
        source = payloads.Source(*stored.source) if stored.source else None
        await self._reply(
            reply,
            who,
            channel=stored.reply_to or None,
            replacing=Replaced(source) if source else None,
        )
        self._homes.refresh(who)

    async def _not_saved(
        self,
        view: Body,
        who: Actor,
        language: str,
        problems: Mapping[str, Markup] | None = None,
    ) -> None:
        """In the DM: the form was not saved, why where known, and what was typed."""
        message = self._conversation.not_saved(
            modals.typed(view), language=language, problems=problems
        )
        try:
            for post in blocks.render([message]):
                await self._post(None, who, post)
        except Exception as error:
            logger.error(
                "a member's unsaved form could not be given back: %s", type(error).__name__
            )

    async def _on_form_closed(self, ack: AsyncAck) -> None:
        await ack()  # nothing was submitted, so nothing to keep

    async def _record_direct_message(
        self,
        body: Body,
        request: AsyncBoltRequest,
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        """A direct message to the bot is recorded before Slack gets its answer (Bolt
        acknowledges events before their listener runs). Recorded within
        DM_RECORD_SECONDS: 200, and the listener replies. Not recordable (the database
        failed): 500, so Slack sends it again. Slower than that: 503, so Slack sends it
        again, while the recording goes on and replies when done; the retry is then a
        repeat (its event_id is committed with what the message stored) and is ignored.
        Bolt never answers 404 here: a response is always given. In Socket Mode a status
        other than 200 leaves the envelope unacknowledged, which Slack sends again too.
        Other events (mentions, App Home) are acknowledged at once, as Bolt does."""
        if body.get("type") != "event_callback" or not payloads.written_to_bot(body):
            await next()
            return None
        event = body.get("event") or {}
        if event.get("type") != "message":
            await next()
            return None
        work = asyncio.ensure_future(self._receive(body, request))
        self._track(work)
        done, _ = await asyncio.wait({work}, timeout=DM_RECORD_SECONDS)
        if not done:
            self._track(asyncio.ensure_future(self._reply_when_recorded(work, event)))
            logger.warning("a direct message is slow to record; Slack is asked to send it again")
            return BoltResponse(status=503, body="")
        if work.exception() is not None:
            logger.error("a direct message could not be recorded (%s); Slack will send it again",
                         type(work.exception()).__name__)  # fmt: skip
            return BoltResponse(status=500, body="")
        context[RECEIVED] = work.result()
        await next()
        return None

    async def _reply_when_recorded(self, work: asyncio.Future[Received], event: Body) -> None:
        try:
            received = await work
        except Exception as error:  # Slack was answered 503: it sends the message again
            _log_failure("a slow direct message could not be recorded", error)
            return
        if received is not None:
            await self._reply(*received, channel=event.get("channel"))

    async def _on_message(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        await ack()  # Bolt has acknowledged already; recorded by _record_direct_message
        received: Received = context.get(RECEIVED)
        if received is None:
            return
        reply, who = received
        await self._reply(reply, who, channel=(body.get("event") or {}).get("channel"))

    async def _on_mention(self, ack: AsyncAck, body: Body, request: AsyncBoltRequest) -> None:
        """In a channel, the bot answers only privately: help, and where to find it."""
        await ack()
        received = await self._receive(body, request, self._help)
        if received is None:
            return
        reply, who = received
        event = body.get("event") or {}
        for post in blocks.render(reply.messages):
            with refusals_logged():
                await self._client.chat_postEphemeral(
                    channel=str(event.get("channel", "")), user=who.user_id, **post
                )

    async def _on_home(self, ack: AsyncAck, body: Body, request: AsyncBoltRequest) -> None:
        await ack()
        if (body.get("event") or {}).get("tab", "home") != "home":
            return
        received = await self._receive(body, request, self._home)
        if received is not None:
            await self._show_home(*received)

    async def _note_rate_limits(
        self, body: Body, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Slack's app_rate_limited notice comes outside any event_callback, where no
        listener can match it; it only needs to be logged and acknowledged."""
        if body.get("type") == "app_rate_limited":
            logger.warning(
                "Slack is dropping events for this app (minute %s)", body.get("minute_rate_limited")
            )
            return BoltResponse(status=200, body="")
        await next()
        return None

    # -- the conversation ---------------------------------------------------------

    async def _with_profile(self, who: Actor, user_id: str) -> Actor:
        """The sender with the e-mail address on their Slack profile ("" when there is
        none), vouched for by their own team (and grid), not the one they write from."""
        profile = await self._profile_of(user_id) if user_id else None
        if profile is None:
            return replace(who, email="")
        home = profile.home
        return replace(
            who,
            email=profile.email or "",
            tenant=home.team_id or who.tenant,
            enterprise=home.enterprise_id or who.enterprise,
        )

    async def _profile_of(self, user_id: str) -> payloads.Profile | None:
        try:
            found = await self._client.users_info(user=user_id)
        except SlackApiError as error:
            logger.warning("users.info failed: %s", error.response.get("error"))
            return None
        return payloads.profile(found.get("user") or {})

    # -- replies ------------------------------------------------------------------

    async def _reply(
        self,
        reply: Reply,
        who: Actor,
        *,
        trigger_id: str | None = None,
        respond: AsyncRespond | None = None,
        channel: str | None = None,
        replacing: Replaced | None = None,
    ) -> None:
        """Forms open as modals, files go to the DM, the rest to where the member asked:
        privately (`respond`, ephemeral), in `channel`, or else in the DM. Messages placed
        in the place of the one acted on (`replacing`) update it. A reply longer than a
        response_url takes (5 posts) goes to the DM whole, and a line where it was asked
        for says so."""
        messages, language = reply.messages, reply.language
        forms = [m.form for m in messages if m.form is not None]
        files = [f for m in messages for f in m.files]
        shown = [replace(m, form=None, files=()) for m in messages]
        if replacing is not None and replacing.takes(shown):
            await self._update(replacing, [m for m in shown if m.placement != Placement.NEW],
                               who, respond=respond, channel=channel)  # fmt: skip
            shown = [m for m in shown if m.placement == Placement.NEW]
        else:
            shown = [m for m in shown if m.placement != Placement.REPLACE_ONLY]
        source = replacing.source if replacing is not None else None
        for form in forms:
            await self._open_form(form, who, language, trigger_id=trigger_id,
                                  reply_to=channel or "", source=source)  # fmt: skip
        posts = blocks.render(shown)
        if respond is not None and len(posts) > blocks.RESPONSE_URL_POSTS:
            for post in posts:
                await self._post(None, who, post)
            note = self._texts.render(language, "slack.sent_to_dm", posts=len(posts))
            posts = blocks.render([Message(text=note)])
        for post in posts:
            if respond is not None:
                answer = await respond(response_type="ephemeral", replace_original=False, **post)
                if answer.status_code != 200:
                    logger.warning("Slack refused a reply: HTTP %s", answer.status_code)
            else:
                await self._post(channel, who, post)
        for file in files:
            await self._send_file(file, who)

    async def _update(
        self,
        replacing: Replaced,
        messages: list[Message],
        who: Actor,
        *,
        respond: AsyncRespond | None,
        channel: str | None,
    ) -> None:
        """The first post takes the place of the message acted on; a longer replacement
        goes on in posts after it."""
        posts = blocks.render(messages)
        first, rest = posts[0], posts[1:]
        if replacing.source is not None:
            with refusals_logged():
                await self._client.chat_update(
                    channel=replacing.source.channel, ts=replacing.source.ts, **first
                )
        elif respond is not None:
            await respond(response_type="ephemeral", replace_original=True, **first)
        for post in rest:
            if respond is not None:
                await respond(response_type="ephemeral", replace_original=False, **post)
            else:
                await self._post(channel, who, post)

    async def _open_form(
        self,
        form: Form,
        who: Actor,
        language: str,
        *,
        trigger_id: str | None,
        reply_to: str,
        source: payloads.Source | None = None,
    ) -> None:
        """A modal needs a button press (a trigger id, valid 3 s). Without one, as after a
        typed message, the form's own button is offered to open it."""
        where = (source.channel, source.ts) if source is not None else None
        try:
            if not trigger_id:
                raise ValueError("no trigger id")
            await self._client.views_open(
                trigger_id=trigger_id,
                view=modals.modal(form, reply_to=reply_to, source=where, language=language),
            )
        except (SlackApiError, ValueError) as error:
            if trigger_id or form.opened_by is None:
                logger.warning("could not open a modal: %s", error_code(error))
                text = self._texts.render(language, "slack.form_not_opened")
                message = Message(text=text)
            else:
                text = self._texts.render(language, "slack.open_form")
                message = Message(text=text, buttons=(form.opened_by,))
            await self._post(reply_to or None, who, blocks.render([message])[0])

    async def _post(self, channel: str | None, who: Actor, post: dict[str, Any]) -> None:
        """In `channel`, or in the member's DM."""
        with refusals_logged():
            await self._client.chat_postMessage(
                channel=channel or await self._dm(who.user_id), **post
            )

    async def _send_file(self, file: File, who: Actor) -> None:
        with refusals_logged():
            await self._client.files_upload_v2(
                channel=await self._dm(who.user_id),
                content=file.content,
                filename=file.filename,
                title=file.filename,
            )

    async def _publish_home(self, who: Actor) -> None:
        """Build and show the member's App Home now (see HomeRefresher for when)."""
        home = await asyncio.to_thread(self._conversation.home, who, fits=_fits_home)
        await self._show_home(home, who)

    async def _show_home(self, home: Reply, who: Actor) -> None:
        """App Home shows at most 100 blocks: the rounds and answers that fit, and lines
        saying how many more `rondes` and `mijn` show."""
        shown = blocks.view_blocks(home.messages)[: blocks.HOME_BLOCKS]
        view = {"type": "home", "blocks": shown}
        with refusals_logged():
            await self._client.views_publish(user_id=who.user_id, view=view)

    async def _dm(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            opened = await self._client.conversations_open(users=user_id)
            self._dm_channels[user_id] = str(opened["channel"]["id"])
        return self._dm_channels[user_id]


@dataclass(frozen=True)
class Replaced:
    """The message a member acted on, which replies placed in its stead update: a message
    in a channel or DM (`source`), else the ephemeral message behind `respond`."""

    source: payloads.Source | None = None

    def takes(self, messages: list[Message]) -> bool:
        return any(m.placement != Placement.NEW for m in messages)


@contextmanager
def refusals_logged() -> Iterator[None]:
    """For Web API calls after the acknowledgement: a refusal is logged, not raised, as
    what was stored stays stored and Slack no longer waits for an answer."""
    try:
        yield
    except SlackApiError as error:
        logger.warning("Slack refused a call: %s", error_code(error))


def _log_failure(what: str, error: Exception) -> None:
    """One line, naming the error's type only: a database error's text may quote the
    member's own (SQL parameters). The traceback goes to the debug log."""
    logger.error("%s (%s)", what, type(error).__name__)
    logger.debug("%s", what, exc_info=error)


def _fits_home(messages: list[Message]) -> bool:
    return len(blocks.view_blocks(messages)) <= blocks.HOME_BLOCKS


def repeat_key(req: AsyncBoltRequest) -> str | None:
    """What makes a request a repeat, whenever and however often Slack (or a member's
    double click) sends it: never the signature alone, which changes with the timestamp.

    - an event: its event_id;
    - a modal submission: the user, and the view's id and hash. A double click, a retry
      and the same body signed again all carry the same view; a view shown again with
      changes (by `response_action: update`) has a new hash, and errors shown beside the
      fields store nothing, so the corrected form is a submission of its own;
    - a button: the message or view it is on, its action_id and the action's action_ts,
      which Slack gives each press;
    - a slash command: its trigger_id, which Slack gives each invocation.
    """
    body = req.body or {}
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if kind == "view_submission":
        view = body.get("view") or {}
        user = (body.get("user") or {}).get("id", "")
        if view.get("id") and view.get("hash"):
            return f"view:{user}:{view['id']}:{view['hash']}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        container = body.get("container") or {}
        where = container.get("message_ts") or container.get("view_id") or ""
        pressed = actions[0].get("action_ts")
        if pressed:
            return f"action:{where}:{actions[0].get('action_id', '')}:{pressed}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    signature = req.headers.get("x-slack-signature")
    return f"signature:{signature[0]}" if signature else None
