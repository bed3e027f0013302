"""The attacker of anonymous answers: can a reader of what is published work out who gave one?

It knows what anyone in the network knows: who was asked in the round, per municipality,
and who said "nothing this time" (the response table shows it). It takes everything that
leads and channels get about the round (`publication`): the summary as `inbreng summary`
prints it, a lead's status, summary and round detail in the chat, the status as posted in
a channel, the CSV export and the bars the two charts are drawn from.

For each member who answered anonymously it builds the other worlds their anonymous answers
could have come from: the same answers, given by another asked member who did not decline —
one in each other municipality, and each colleague in the member's own. A world is made by
moving the answers' rows in the database (member and municipality), then the real pipeline
runs again on it: nothing of the bot is patched or stubbed. The worlds that publish exactly
what the true world publishes make up the answers' anonymity set, in municipalities and in
persons; fewer than 3 of either, and a reader can narrow the answer down too far.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.conversation.conversation import Conversation
from bot.domain import (
    Attribution,
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Member,
    Platform,
    Response,
)
from bot.events import MessageEvent
from bot.exports.chart_data import response_bars, theme_bars
from bot.exports.formats import ExportFormat
from bot.outbox.compose import for_channel
from bot.permissions import Operator, Permission
from bot.ports import UnitOfWorkFactory
from bot.services.audience import audience_of
from bot.summary.markdown import summary_markdown
from bot.voice import Voice
from storage.database import create_database_engine
from tests.support import LEAD, OPERATOR, actor, texts_of

K = 3  # the smallest anonymity set the rule promises, in municipalities and in persons

LEAD_READS = Operator(name="lead")  # the reader the audit log names


def publication(conversation: Conversation, round_id: int, *, reader: str = LEAD) -> dict[str, str]:
    """Everything a lead (`reader`) and the round's channels get, by name, as text."""
    core = conversation.core
    round_ = core.reports.read_round(
        round_id, reader=OPERATOR, permission=Permission.READ_ROUND_STATUS
    )
    voice = Voice(texts=core.texts, language="nl", now=core.clock.now())
    summary = core.reports.summary(round_id)
    participation = core.reports.participation(round_id)

    def chat(line: str) -> str:
        return texts_of(conversation.handle(MessageEvent(actor=actor(reader), text=line)))

    status_post = Delivery(
        id=0,
        kind=DeliveryKind.STATUS,
        status=DeliveryStatus.PENDING,
        due_at=core.clock.now(),
        round_id=round_id,
        channel=Channel(Platform.SLACK, "C05PMGFIN01"),
    )
    channel_status = for_channel(core, status_post)
    csv = core.exports.for_round(round_id, fmt=ExportFormat.CSV, language="nl", reader=LEAD_READS)
    return {
        "inbreng summary": summary_markdown(voice, round_, summary, participation),
        "status in chat": chat(f"status {round_id}"),
        "summary in chat": chat(f"samenvatting {round_id}"),
        "round in chat": chat(f"ronde {round_id}"),
        "status in channel": texts_of([channel_status] if channel_status else []),
        "CSV export": csv.content.decode("utf-8-sig"),
        "chart bars": repr((theme_bars(summary.shown, voice), response_bars(participation))),
    }


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What the attacker learnt about one member's anonymous answers."""

    author: str  # e-mail
    organisation: str
    texts: tuple[str, ...]
    published: bool  # some of the answers appear in what is published
    organisations: frozenset[str]  # the municipalities whose worlds publish the same
    persons: frozenset[str]  # the members whose worlds publish the same
    worlds: int  # how many other worlds were tried
    differences: dict[str, list[str]]  # per other municipality: the publications that differ

    @property
    def safe(self) -> bool:
        return len(self.organisations) >= K and len(self.persons) >= K


@dataclass(frozen=True, kw_only=True)
class Attack:
    findings: list[Finding]
    seconds: float

    @property
    def leaks(self) -> list[Finding]:
        """Anonymous answers that are published, yet narrowed down to too few."""
        return [f for f in self.findings if f.published and not f.safe]

    def report(self) -> str:
        return "\n".join(
            f"{f.author} ({f.organisation}): published={f.published} "
            f"municipalities={len(f.organisations)} persons={len(f.persons)} "
            f"worlds={f.worlds}; differing: {sorted({p for d in f.differences.values() for p in d})}"  # noqa: E501
            for f in self.findings
        )


def attack(
    conversation: Conversation,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    round_id: int,
    *,
    reader: str = LEAD,
) -> Attack:
    started = time.perf_counter()
    engine = create_database_engine(database_url)
    try:
        truth = publication(conversation, round_id, reader=reader)
        findings = [
            _attack_author(conversation, engine, round_id, reader, truth, author, answers, network)
            for network in [_network(uow_factory, round_id)]
            for author, answers in network.anonymous.items()
        ]
    finally:
        engine.dispose()
    return Attack(findings=findings, seconds=time.perf_counter() - started)


@dataclass(frozen=True, kw_only=True)
class _Network:
    members: dict[int, Member]
    organisations: dict[int, str]
    candidates: list[Member]  # asked, and not shown as having declined
    anonymous: dict[int, list[Response]]  # member id -> their current anonymous answers


def _network(uow_factory: UnitOfWorkFactory, round_id: int) -> _Network:
    with uow_factory() as uow:
        round_ = uow.rounds.get(round_id)
        assert round_ is not None
        members = uow.members.list(include_inactive=True)
        asked = audience_of(round_, members)
        declined = uow.rounds.declined_member_ids(round_id)
        responses = uow.responses.for_round(round_id)
        organisations = {o.id: o.name for o in uow.organisations.list(include_inactive=True)}
    anonymous: dict[int, list[Response]] = {}
    for response in responses:
        if response.attribution == Attribution.ANONYMOUS and response.member_id is not None:
            anonymous.setdefault(response.member_id, []).append(response)
    return _Network(
        members={m.id: m for m in members},
        organisations=organisations,
        candidates=sorted((m for m in asked if m.id not in declined), key=lambda m: m.id),
        anonymous=anonymous,
    )


def _attack_author(
    conversation: Conversation,
    engine: Engine,
    round_id: int,
    reader: str,
    truth: dict[str, str],
    author_id: int,
    answers: list[Response],
    network: _Network,
) -> Finding:
    author = network.members[author_id]
    home = network.organisations[author.organisation_id]
    texts = tuple(a.text for a in answers)
    # One stand-in per other municipality; every colleague in the author's own.
    stand_ins: dict[int, list[Member]] = {}
    for candidate in network.candidates:
        if candidate.id == author_id:
            continue
        others = stand_ins.setdefault(candidate.organisation_id, [])
        if candidate.organisation_id == author.organisation_id or not others:
            others.append(candidate)
    organisations, persons = {home}, {author.email}
    differences: dict[str, list[str]] = {}
    worlds = 0
    for organisation_id, candidates in stand_ins.items():
        for candidate in candidates:
            worlds += 1
            with _moved(engine, answers, candidate):
                world = publication(conversation, round_id, reader=reader)
            differing = [name for name, shown in world.items() if truth[name] != shown]
            if not differing:
                organisations.add(network.organisations[organisation_id])
                persons.add(candidate.email)
            elif organisation_id != author.organisation_id:
                differences[network.organisations[organisation_id]] = differing
    published = any(t in shown for t in texts for shown in truth.values())
    return Finding(
        author=author.email,
        organisation=home,
        texts=texts,
        published=published,
        organisations=frozenset(organisations),
        persons=frozenset(persons),
        worlds=worlds,
        differences=differences,
    )


@contextmanager
def _moved(engine: Engine, answers: list[Response], to: Member) -> Iterator[None]:
    """The world in which `to` gave these answers; the true one again afterwards."""
    move = text("UPDATE responses SET member_id = :member, organisation_id = :organisation "
                "WHERE id = :id")  # fmt: skip
    with engine.begin() as connection:
        for answer in answers:
            connection.execute(
                move, {"member": to.id, "organisation": to.organisation_id, "id": answer.id}
            )
    try:
        yield
    finally:
        with engine.begin() as connection:
            for answer in answers:
                connection.execute(
                    move,
                    {
                        "member": answer.member_id,
                        "organisation": answer.organisation_id,
                        "id": answer.id,
                    },
                )
