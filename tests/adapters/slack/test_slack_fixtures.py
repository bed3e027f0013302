"""Every published Slack payload under SLACK_FIXTURES, through the adapter's translators.

`FIXTURES` classifies each file: what the bot makes of it, or why it is left alone. A new
fixture file fails `test_every_fixture_file_is_classified` until it is added there.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack import actions, payloads
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent
from testing.fakes.slack_web_api import SLACK_FIXTURES, load_fixture

EventOf = Callable[[Actor], Event]
Body = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Payload:
    """A request body: `payload_type`, `sender`, and the event `to_event` makes of it.
    When that is None, `handled` says what happens to it instead; `ours` is the event the
    same payload gives once its action or callback id is one of ours."""

    kind: str
    sender: tuple[str, str] | None
    event: EventOf | None = None
    handled: str = ""
    ours: EventOf | None = None


@dataclass(frozen=True, kw_only=True)
class Envelope:
    """A Socket Mode envelope around a request body."""

    kind: str
    inner: Payload


@dataclass(frozen=True, kw_only=True)
class Signature:
    """Slack's published signed-request example: secret, headers, and the body file."""

    body_file: str


@dataclass(frozen=True, kw_only=True)
class WebApiAnswer:
    ok: bool
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class RateLimitTiers:
    expected: dict[str, str]  # methods the bot calls and their documented tier


Expectation = Payload | Envelope | Signature | WebApiAnswer | RateLimitTiers | str


def command(text: str) -> EventOf:
    return lambda who: CommandEvent(actor=who, text=text)


def message(text: str) -> EventOf:
    return lambda who: MessageEvent(actor=who, text=text)


def answer_button(who: Actor) -> Event:
    return ButtonEvent(actor=who, action="answer", value="3")


def answer_form(values: dict[str, str | tuple[str, ...]]) -> EventOf:
    return lambda who: FormEvent(actor=who, form_id="answer", context="round:3", values=values)


NOT_OUR_ACTION = "not our action id: to_event gives None and Bolt has no listener for it"
NOT_OUR_FORM = "not our callback id: to_event gives None and Bolt has no listener for it"
SHORTCUT = "the bot defines no shortcuts: no listener, ignored"
ALL_FIELDS = (
    "ignored: java-slack-sdk's all-fields schema sample, every string empty and the outer "
    "type '' instead of event_callback, so no request Slack sends looks like it"
)

FIXTURES: dict[str, Expectation] = {
    # -- slash commands: form-encoded bodies (and one JSON rendering of the same) ----------
    "commands/signed_request_slack_docs_example.meta.json": Signature(
        body_file="signed_request_slack_docs_example.txt"
    ),
    "commands/signed_request_slack_docs_example.txt": Payload(
        kind="slash_command", sender=("T1DC2JH3J", "U2CERLKJA"), event=command("")
    ),
    "commands/slash_command_botbuilder.txt": Payload(
        kind="slash_command", sender=("teamId", "testUserId"), event=command("")
    ),
    "commands/slash_command_slack_docs_example.json": Payload(
        kind="slash_command", sender=("T0001", "U2147483697"), event=command("94070")
    ),
    "commands/slash_command_slack_docs_example.txt": Payload(
        kind="slash_command", sender=("T0001", "U2147483697"), event=command("94070")
    ),
    # -- Events API --------------------------------------------------------------------------
    "events/app_home_opened_all_fields.json": ALL_FIELDS,
    "events/app_home_opened_event_callback.json": Payload(
        kind="app_home_opened",
        sender=("T111", "W111"),
        handled="SlackBot._on_home publishes the Home tab (for tab 'home'; this is 'messages')",
    ),
    "events/app_mention_event_callback.json": Payload(
        kind="app_mention",
        sender=("T111", "W222"),
        handled="SlackBot._on_mention sends the help privately (chat.postEphemeral)",
    ),
    "events/app_mention_socket_mode_envelope.json": Envelope(
        kind="events_api",
        inner=Payload(
            kind="app_mention",
            sender=("T111", "U222"),
            handled="Bolt's Socket Mode handler unwraps it; then as app_mention",
        ),
    ),
    "events/app_rate_limited_all_fields.json": ALL_FIELDS,
    "events/message_im_event_callback.json": Payload(
        kind="message", sender=("teamId", "userId"), event=message("Hello")
    ),
    "events/message_im_file_share_event_callback.json": Payload(
        kind="message", sender=("teamId", "userId"), event=message("Hello")
    ),
    "events/message_im_inner_event.json": Payload(
        kind="message",
        sender=("", "U2147483697"),
        handled="only the inner event: Slack always wraps it in an event_callback (tested so)",
    ),
    "events/url_verification.json": Payload(
        kind="url_verification",
        sender=None,
        handled="Bolt answers the challenge itself, before any listener",
    ),
    # -- interactivity -------------------------------------------------------------------
    "interactivity/block_actions_button.json": Payload(
        kind="block_actions",
        sender=("T9TK3CUKW", "UA8RXUSPL"),
        handled=NOT_OUR_ACTION,
        ours=answer_button,
    ),
    "interactivity/block_actions_button_ephemeral.json": Payload(
        kind="block_actions", sender=("T111", "W111"), handled=NOT_OUR_ACTION, ours=answer_button
    ),
    "interactivity/block_actions_static_select.form.txt": Payload(
        kind="block_actions",
        sender=("TCKT7TGQ6", "UCJ0BJ4MP"),
        handled=NOT_OUR_ACTION,
        ours=answer_button,
    ),
    "interactivity/block_actions_static_select.json": Payload(
        kind="block_actions",
        sender=("TCKT7TGQ6", "UCJ0BJ4MP"),
        handled=NOT_OUR_ACTION,
        ours=answer_button,
    ),
    "interactivity/shortcut_global.json": Payload(
        kind="shortcut", sender=("T111", "W111"), handled=SHORTCUT
    ),
    "interactivity/shortcut_global_org_install.json": Payload(
        kind="shortcut",
        sender=("T111", "W111"),
        handled=SHORTCUT,  # team null: user.team_id
    ),
    "interactivity/shortcut_message.json": Payload(
        kind="message_action", sender=("T111", "W111"), handled=SHORTCUT
    ),
    "interactivity/view_closed.json": Payload(
        kind="view_closed",
        sender=("T12345678", "U12345678"),
        handled="SlackBot._on_form_closed only acknowledges our forms; this callback id is not",
    ),
    "interactivity/view_submission.json": Payload(
        kind="view_submission",
        sender=("T12345678", "U12345678"),
        handled=NOT_OUR_FORM,
        ours=answer_form(
            {"date-of-visit": "2019-09-23", "rating": "3", "comment": "Just amazing!"}
        ),
    ),
    "interactivity/view_submission_private_metadata.json": Payload(
        kind="view_submission",
        sender=("T111", "W111"),
        handled=NOT_OUR_FORM,
        ours=answer_form({"hspI": "test"}),
    ),
    # -- Web API answers (the fake Web API serves these) --------------------------------
    "web_api/chat.postMessage.error_too_many_attachments.json": WebApiAnswer(
        ok=False, error="too_many_attachments"
    ),
    "web_api/chat.postMessage.ok.json": WebApiAnswer(ok=True),
    "web_api/conversations.open.error_channel_not_found.json": WebApiAnswer(
        ok=False, error="channel_not_found"
    ),
    "web_api/conversations.open.ok.json": WebApiAnswer(ok=True),
    "web_api/rate_limit_tiers.json": RateLimitTiers(
        expected={
            "chat.postMessage": "SpecialTier_chat_postMessage",
            "conversations.open": "Tier3",
            "users.info": "Tier4",
            "views.open": "Tier4",
        }
    ),
    "web_api/users.info.error_user_not_found.json": WebApiAnswer(ok=False, error="user_not_found"),
    "web_api/users.info.ok.json": WebApiAnswer(ok=True),
    "web_api/views.open.error_invalid_arguments.json": WebApiAnswer(
        ok=False, error="invalid_arguments"
    ),
    "web_api/views.open.ok.json": WebApiAnswer(ok=True),
}


def of_type(kind: type[Any]) -> list[str]:
    return sorted(path for path, expected in FIXTURES.items() if isinstance(expected, kind))


def load(relative: str) -> Body:
    """A fixture as the request body Bolt hands the listeners: JSON as is, form bodies
    decoded (the file's final newline is not part of the body), `payload=` JSON unwrapped."""
    path = SLACK_FIXTURES / relative
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        parsed = json.loads(raw)
    else:
        form = urllib.parse.parse_qs(
            raw.removesuffix("\n"), keep_blank_values=True, strict_parsing=True
        )
        assert all(len(values) == 1 for values in form.values())
        parsed = {name: values[0] for name, values in form.items()}
        if path.name.endswith(".form.txt"):
            assert list(parsed) == ["payload"]
            parsed = json.loads(parsed["payload"])
    assert isinstance(parsed, dict)
    return parsed


def actor_of(body: Body) -> Actor:
    return payloads.actor(payloads.sender(body) or payloads.Sender(team_id="", user_id=""))


def team_and_user(body: Body) -> tuple[str, str] | None:
    sender = payloads.sender(body)
    return None if sender is None else (sender.team_id, sender.user_id)


def check(body: Body, expected: Payload) -> None:
    assert payloads.payload_type(body) == expected.kind
    assert team_and_user(body) == expected.sender
    who = actor_of(body)
    event = payloads.to_event(body, who)
    if expected.event is None:
        assert event is None
        assert expected.handled, "say what the bot does with it instead"
    else:
        assert event == expected.event(who)


# -- the classification -----------------------------------------------------------------------


def test_every_fixture_file_is_classified() -> None:
    assert SLACK_FIXTURES.is_dir()
    present = {
        path.relative_to(SLACK_FIXTURES).as_posix()
        for path in SLACK_FIXTURES.rglob("*")
        if path.is_file()
    }
    assert sorted(present - FIXTURES.keys()) == [], "classify these in FIXTURES"
    assert sorted(FIXTURES.keys() - present) == [], "these are gone: drop them from FIXTURES"
    assert {Path(p).parts[0] for p in present} == {
        "commands", "events", "interactivity", "web_api"
    }  # fmt: skip


@pytest.mark.parametrize("relative", of_type(str))
def test_ignored_fixtures_parse_and_make_no_event(relative: str) -> None:
    body = load(relative)
    assert body
    assert payloads.sender(body) is None
    assert payloads.to_event(body, actor_of(body)) is None


# -- request bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("relative", of_type(Payload))
def test_payload_fixture(relative: str) -> None:
    expected = FIXTURES[relative]
    assert isinstance(expected, Payload)
    check(load(relative), expected)


def with_our_ids(body: Body) -> Body:
    """The same payload as if it came from one of our buttons or forms."""
    ours = copy.deepcopy(body)
    if ours["type"] == "block_actions":
        assert ours["actions"]
        for action in ours["actions"]:
            action["action_id"] = actions.action_id("answer", 0)
            action["value"] = "3"
    else:
        ours["view"]["callback_id"] = actions.callback_id("answer")
        ours["view"]["private_metadata"] = json.dumps({"context": "round:3", "reply_to": ""})
    return ours


@pytest.mark.parametrize(
    "relative", [p for p in of_type(Payload) if getattr(FIXTURES[p], "ours", None) is not None]
)
def test_with_our_ids_the_payload_becomes_our_event(relative: str) -> None:
    expected = FIXTURES[relative]
    assert isinstance(expected, Payload) and expected.ours is not None
    body = load(relative)
    ours = with_our_ids(body)
    who = actor_of(ours)
    assert team_and_user(ours) == expected.sender
    assert payloads.to_event(ours, who) == expected.ours(who)
    assert payloads.to_event(body, who) is None


def test_the_our_ids_cases_cover_all_button_and_form_fixtures() -> None:
    for relative in of_type(Payload):
        expected = FIXTURES[relative]
        assert isinstance(expected, Payload)
        if expected.kind in ("block_actions", "view_submission"):
            assert expected.ours is not None, relative


def test_the_first_of_our_actions_wins_and_foreign_ones_are_skipped() -> None:
    body = load("interactivity/block_actions_button.json")
    ours = copy.deepcopy(body["actions"][0])
    ours.update(action_id=actions.action_id("decline", 1), value="7")
    body["actions"] = [body["actions"][0], ours]
    who = actor_of(body)
    assert payloads.to_event(body, who) == ButtonEvent(actor=who, action="decline", value="7")


def test_form_encoded_bodies_decode_to_their_json_twins() -> None:
    assert load("commands/slash_command_slack_docs_example.txt") == load(
        "commands/slash_command_slack_docs_example.json"
    )
    assert load("interactivity/block_actions_static_select.form.txt") == load(
        "interactivity/block_actions_static_select.json"
    )


def test_the_socket_mode_envelope_carries_an_event_callback() -> None:
    relative = "events/app_mention_socket_mode_envelope.json"
    expected = FIXTURES[relative]
    assert isinstance(expected, Envelope)
    envelope = load(relative)
    assert payloads.payload_type(envelope) == expected.kind
    inner = envelope["payload"]
    assert inner["type"] == "event_callback"
    check(inner, expected.inner)


def test_the_inner_message_event_wrapped_as_slack_sends_it_becomes_a_message() -> None:
    inner = load("events/message_im_inner_event.json")
    body = {"type": "event_callback", "team_id": "T0001", "event": inner}
    assert payloads.payload_type(body) == "message"
    assert team_and_user(body) == ("T0001", "U2147483697")
    who = actor_of(body)
    assert payloads.to_event(body, who) == MessageEvent(
        actor=who, text="Hello hello can you hear me?"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"bot_id": "B0BOT0001"}, "a bot's message"),
        ({"subtype": "message_changed"}, "an edit, not a person writing"),
        ({"channel_type": "channel"}, "not the bot's DM"),
        ({"text": "  \n "}, "nothing typed"),
    ],
)
def test_message_events_that_are_not_a_person_writing_are_ignored(
    change: dict[str, str], reason: str
) -> None:
    body = load("events/message_im_event_callback.json")
    body["event"].update(change)
    assert payloads.to_event(body, actor_of(body)) is None, reason


def test_app_rate_limited_in_its_documented_top_level_shape_makes_no_event() -> None:
    # Slack's own example (docs.slack.dev/reference/events/app_rate_limited): no inner event.
    body = {"token": "x", "type": "app_rate_limited", "team_id": "T123456",
            "minute_rate_limited": 1518467820, "api_app_id": "A123456"}  # fmt: skip
    assert payloads.payload_type(body) == "app_rate_limited"
    assert payloads.sender(body) is None
    assert payloads.to_event(body, actor_of(body)) is None


# -- request signing ------------------------------------------------------------------------


def test_our_signing_matches_slacks_published_example() -> None:
    relative = "commands/signed_request_slack_docs_example.meta.json"
    expected = FIXTURES[relative]
    assert isinstance(expected, Signature)
    meta = load(relative)
    assert meta["body_file"] == expected.body_file
    body = (SLACK_FIXTURES / "commands" / expected.body_file).read_text(encoding="utf-8")
    body = body.removesuffix("\n")  # the file's line end, not part of the signed body
    secret = meta["signing_secret"]
    timestamp = meta["headers"]["X-Slack-Request-Timestamp"]
    published = meta["headers"]["X-Slack-Signature"]

    verifier = SignatureVerifier(secret)
    assert verifier.generate_signature(timestamp=timestamp, body=body) == published
    basestring = meta["basestring_format"].format(timestamp=timestamp, raw_body=body)
    digest = hmac.new(secret.encode(), basestring.encode(), hashlib.sha256).hexdigest()
    assert f"v0={digest}" == published
    # Any change to the body, the time or the secret gives another signature.
    assert verifier.generate_signature(timestamp=timestamp, body=body + "\n") != published
    assert verifier.generate_signature(timestamp=str(int(timestamp) + 1), body=body) != published
    assert (
        SignatureVerifier(secret + "x").generate_signature(timestamp=timestamp, body=body)
        != published
    )


# -- Web API answers --------------------------------------------------------------------------


@pytest.mark.parametrize("relative", of_type(WebApiAnswer))
def test_web_api_answer_matches_its_name(relative: str) -> None:
    expected = FIXTURES[relative]
    assert isinstance(expected, WebApiAnswer)
    body = load(relative)
    name = Path(relative).name
    named = re.fullmatch(
        r"(?P<method>[a-zA-Z]+\.[a-zA-Z.]+?)\.(ok|error_(?P<error>\w+))\.json", name
    )
    assert named is not None, name
    assert body["ok"] is expected.ok
    assert expected.ok == (named["error"] is None)
    assert body.get("error") == named["error"] == expected.error
    assert load_fixture(Path(name).stem) == body  # what the fake Web API answers


def test_rate_limit_tiers_name_a_documented_tier_for_each_method() -> None:
    relative = "web_api/rate_limit_tiers.json"
    expected = FIXTURES[relative]
    assert isinstance(expected, RateLimitTiers)
    tiers = load(relative)
    assert len(tiers) > 100
    for method, tier in tiers.items():
        assert re.fullmatch(r"[a-zA-Z]+(\.[a-zA-Z0-9]+)+", method), method
        assert isinstance(tier, str)
        assert re.fullmatch(r"Tier[1-4]|SpecialTier_[a-zA-Z_]+", tier), (method, tier)
    assert {f"Tier{n}" for n in range(1, 5)} <= set(tiers.values())
    assert {m: tiers.get(m) for m in expected.expected} == expected.expected
