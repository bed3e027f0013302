"""Helpers for tests: a clock the test controls, and a scripted terminal conversation."""

from __future__ import annotations

import shutil
import sys
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from adapters.console.session import ConsoleSession, console_actor
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Attribution, Member, Response, Round
from bot.events import Actor
from bot.markup import plain
from bot.messages import Message
from bot.permissions import Operator
from bot.services.responses import AnswerInput

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pmg"
# Payloads published by Slack and Microsoft (where each comes from: fixtures/SOURCES.md).


MEMBER = "a.jansen@zeist.example"  # follows only Financiën
COLLEAGUE = "t.vermeulen@zeist.example"
ENGLISH_MEMBER = "e.mulder@veldhoven.example"
OTHER_PILLAR_MEMBER = "l.hofman@gorinchem.example"  # follows Samenleving and Bestuur
LEAD = "i.hendriks@oss.example"  # leads Financiën
OTHER_LEAD = "g.brouwer@harderwijk.example"  # leads Economie en Fysieke Leefomgeving
SECRETARIAT = "y.schouten@pmg.example"
STRANGER = "someone@elsewhere.example"
# Whoever runs the command line: holds every permission (what tests that set a scene use).
OPERATOR = Operator(name="tests")
# The Slack workspace the example network trusts (network.slack_workspaces), and one it
# does not: another organisation's, whose users may share a channel (Slack Connect).
TRUSTED_TEAM = "T0001"
OTHER_TEAM = "T0OTHER"
# An Entra ID tenant no organisation of the example network trusts.
OTHER_TENANT = "0badc0de-0000-4000-8000-000000000000"


def teams_tenant_of(email: str) -> str:
    """The Entra ID tenant of the member's organisation in the example network."""
    network = yaml.safe_load((EXAMPLES / "network.yaml").read_text(encoding="utf-8"))
    slug = next(m["organisation"] for m in network["members"] if m["email"] == email)
    return str(next(o["teams_tenant"] for o in network["organisations"] if o["slug"] == slug))


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def actor(email: str) -> Actor:
    return console_actor(email)


class ScriptedChat:
    """The console adapter with typed lines queued up, as a member would type them."""

    def __init__(
        self, conversation: Conversation, email: str, *, language: str, files_dir: Path
    ) -> None:
        self._lines: deque[str] = deque()
        self._output: list[str] = []
        self.session = ConsoleSession(
            conversation=conversation,
            email=email,
            language=language,
            ask=self._ask,
            say=self._output.append,
            files_dir=files_dir,
        )

    def _ask(self, prompt: str) -> str:
        if not self._lines:
            raise EOFError
        return self._lines.popleft()

    def type(self, line: str, *answers: str) -> str:
        """Send `line`; `answers` go to the prompts of any form that comes back."""
        self._output.clear()
        self._lines.extend(answers)
        self.session.send(line)
        assert not self._lines, f"prompts left unanswered: {list(self._lines)}"
        return "\n".join(self._output)


def texts_of(messages: list[Message]) -> str:
    """Everything a person would read in these messages."""
    parts: list[str] = []
    for message in messages:
        parts += [message.title, message.text]
        parts += [f"{f.label}: {f.value}" for f in message.fields]
        parts += [b.label for b in message.buttons]
        if message.form:
            parts += [message.form.title, *message.form.errors.values()]
    return "\n".join(plain(p) for p in parts if p)


def inbreng_executable() -> Path:
    """The console script installed next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "inbreng"
    if beside.exists():
        return beside
    found = shutil.which("inbreng")
    assert found is not None, "the `inbreng` console script is not installed (pip install -e .)"
    return Path(found)


def member(core: Core, email: str) -> Member:
    found = core.members.by_email(email)
    assert found is not None, email
    return found


def answer(
    core: Core,
    round_: Round,
    email: str,
    topic: str,
    text: str,
    attribution: str = Attribution.NAME.value,
    network_help: str = "",
) -> Response:
    return core.responses.submit(
        member(core, email),
        round_.id,
        AnswerInput(topic=topic, text=text, network_help=network_help, attribution=attribution),
    )
