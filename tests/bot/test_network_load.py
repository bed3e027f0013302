"""Loading the network file into the database, on SQLite and PostgreSQL.

`load_network` brings the stored network in line with the file: only differences are
written, and whatever has left the file is deactivated, never deleted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import ANY_TENANT, Platform, Role, Round
from bot.events import Actor, FormEvent, MessageEvent
from bot.messages import Message, SelectField
from bot.network_file import NetworkFileError, NetworkSpec, load_network_file, parse_network
from bot.ports import UnitOfWorkFactory
from bot.services.network import NetworkChanges, load_network
from bot.services.responses import AnswerInput
from tests.db_snapshot import snapshot
from tests.support import (
    COLLEAGUE,
    EXAMPLES,
    MEMBER,
    OTHER_TEAM,
    OTHER_TENANT,
    TRUSTED_TEAM,
    actor,
    teams_tenant_of,
    texts_of,
)

EXAMPLE = EXAMPLES / "network.yaml"
PILLAR_TOPICS = {
    "financien": [
        "onderwijshuisvesting", "btw-compensatiefonds", "financiering-energietransitie",
        "verduurzaming", "verdeelmodel-sociaal-domein", "herziening-gemeentefonds",
    ],
    "economie-fysieke-leefomgeving": [
        "vestigingsklimaat", "arbeidsmigranten", "arbeidsparticipatie", "innovatie",
        "adequate-dienstverlening", "onderwijs-en-arbeidsmarkt",
        "publiek-private-investeringsprogrammas", "vitale-binnenstad",
    ],
    "samenleving": [
        "jeugdzorg", "wmo", "mantelzorg", "energiearmoede", "burgerparticipatie",
        "sociaal-domein-in-de-omgevingswet", "innovaties-in-het-sociaal-domein",
    ],
    "bestuur": [
        "veiligheid", "informatie-en-digitalisering", "democratische-vernieuwing", "europa",
        "strategische-positionering",
    ],
}  # fmt: skip
RUUD = "r.hoogendoorn@de-ronde-venen.example"  # has a Slack and a Teams user id in the file
STRANGER_TEXT = "Sorry, ik ken u niet als lid van het netwerk"
Data = dict[str, Any]


def example_data() -> Data:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def edited(change: Callable[[Data], None]) -> NetworkSpec:
    """The example network file with `change` made to it, through the parser."""
    data = example_data()
    change(data)
    return parse_network(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def member_entry(data: Data, email: str) -> Data:
    entry = next(m for m in data["members"] if m["email"] == email)
    assert isinstance(entry, dict)
    return entry


def topic_entry(data: Data, pillar: str, slug: str) -> Data:
    pillar_entry = next(p for p in data["pillars"] if p["slug"] == pillar)
    entry = next(t for t in pillar_entry["topics"] if t["slug"] == slug)
    assert isinstance(entry, dict)
    return entry


def without_member(email: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["members"] = [m for m in data["members"] if m["email"] != email]

    return change


def without_topic(pillar: str, slug: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        pillar_entry = next(p for p in data["pillars"] if p["slug"] == pillar)
        pillar_entry["topics"] = [t for t in pillar_entry["topics"] if t["slug"] != slug]

    return change


def only(changes: NetworkChanges) -> dict[tuple[str, str], int]:
    return dict(changes.counts)


def help_title(messages: list[Message]) -> str:
    return messages[0].title


# --- a first load, and a second one ------------------------------------------------------


def test_loading_the_example_creates_the_whole_network(uow_factory: UnitOfWorkFactory) -> None:
    changes = load_network(uow_factory, load_network_file(EXAMPLE))

    assert changes.changed
    assert changes.count("organisations", "added") == 20
    assert changes.count("members", "added") == 44
    assert changes.count("pillars", "added") == 4
    assert changes.count("topics", "added") == 26
    assert changes.count("channels", "added") == 8  # a Slack and a Teams channel per pillar
    assert changes.count("identities", "added") == 2  # Ruud's Slack and Teams ids
    with uow_factory() as uow:
        network = uow.network.get()
        organisations = uow.organisations.list()
        members = uow.members.list()
        pillars = uow.pillars.list()
        zeist = uow.organisations.by_slug("zeist")
        anna = uow.members.by_email(MEMBER)
        lead = uow.members.by_email("i.hendriks@oss.example")
        english = uow.members.by_email("e.mulder@veldhoven.example")
        audit = uow.audit.list(subject_type="network")

    assert network is not None and network.name == "Platform Middelgrote Gemeenten"
    assert (network.language, network.timezone) == ("nl", "Europe/Amsterdam")
    assert len(organisations) == 20 and len(members) == 44
    assert zeist is not None and (zeist.name, zeist.code, zeist.province) == (
        "Zeist", "GM0355", "Utrecht"
    )  # fmt: skip
    assert {p.slug: [t.slug for t in p.topics] for p in pillars} == PILLAR_TOPICS
    assert [p.name for p in pillars] == [
        "Financiën", "Economie en Fysieke Leefomgeving", "Samenleving", "Bestuur"
    ]  # fmt: skip
    financien = pillars[0]
    assert financien.channels == {
        "slack": "C05PMGFIN01",
        "teams": "19:4f1c9a7e5b2d4c6e8a0b1d3f5e7a9c1b@thread.tacv2",
    }
    onderwijs = financien.topic("onderwijshuisvesting")
    assert onderwijs is not None and onderwijs.name == "Onderwijshuisvesting"
    assert onderwijs.description.startswith("Nieuwbouw, renovatie, uitbreiding en verduurzaming")
    assert anna is not None and zeist is not None
    assert (anna.name, anna.organisation_id, anna.language) == ("Anna Jansen", zeist.id, "nl")
    assert anna.roles == {Role.MEMBER} and anna.pillars == {"financien"}
    assert lead is not None and lead.roles == {Role.MEMBER, Role.LEAD}
    assert lead.lead_of == {"financien"}
    assert english is not None and english.language == "en"
    assert [(e.action, e.details["members.added"]) for e in audit] == [("network.loaded", 44)]


def test_loading_the_same_file_again_changes_nothing(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    load_network(uow_factory, load_network_file(EXAMPLE))
    before = snapshot(database_url)

    again = load_network(uow_factory, load_network_file(EXAMPLE))
    # The same content, written out differently (flow style, other order of keys), too.
    reordered = load_network(uow_factory, edited(lambda data: data["members"].reverse()))

    assert not again.changed and only(again) == {}
    assert not reordered.changed
    after = snapshot(database_url)
    assert after == before  # the same rows, and no new audit entry
    assert len(after["audit_events"]) == 1


# --- members leaving and coming back -------------------------------------------------------


def test_a_member_left_out_is_deactivated_and_their_answers_stay(
    core: Core,
    conversation: Conversation,
    open_round: Round,
    uow_factory: UnitOfWorkFactory,
) -> None:
    anna = core.members.by_email(MEMBER)
    assert anna is not None
    answer = core.responses.submit(
        anna, open_round.id, AnswerInput(topic="onderwijshuisvesting", text="Te lage normen.")
    )
    assert help_title(conversation.handle(MessageEvent(actor=actor(MEMBER), text="hulp"))) == (
        "Inbreng: wat kan ik voor u doen, Anna Jansen?"
    )

    changes = load_network(uow_factory, edited(without_member(MEMBER)))

    assert only(changes) == {("members", "deactivated"): 1}
    with uow_factory() as uow:
        gone = uow.members.by_email(MEMBER)
        active = uow.members.list()
        everyone = uow.members.list(include_inactive=True)
        responses = uow.responses.for_round(open_round.id)
        identities = uow.identities.for_member(anna.id)
        entry = uow.audit.list(subject_type="network")[-1]
    assert gone is not None and gone.id == anna.id and not gone.active
    assert gone.name == "Anna Jansen"  # deactivated, not deleted or scrubbed
    assert len(active) == 43 and len(everyone) == 44
    assert responses == [answer]
    assert [i.platform for i in identities] == [Platform.CONSOLE]
    assert entry.details == {"members.deactivated": 1}
    # No longer a member to the bot, but her answer still counts for the round.
    refused = texts_of(conversation.handle(MessageEvent(actor=actor(MEMBER), text="mijn")))
    assert STRANGER_TEXT in refused and "Te lage normen." not in refused
    summary = core.reports.summary(open_round.id)
    assert summary.answers == 1
    assert summary.themes[0].quotes[0].member == "Anna Jansen"
    zeist = next(
        row for row in core.reports.participation(open_round.id).organisations
        if row.organisation == "Zeist"
    )  # fmt: skip
    assert (zeist.answered, zeist.answers) == (1, 1)

    # Back in the file: the same member again, with her answer.
    back = load_network(uow_factory, load_network_file(EXAMPLE))
    assert only(back) == {("members", "reactivated"): 1}
    with uow_factory() as uow:
        returned = uow.members.by_email(MEMBER)
        assert len(uow.members.list()) == 44
    assert returned is not None and returned.active and returned.id == anna.id
    mine = texts_of(conversation.handle(MessageEvent(actor=actor(MEMBER), text="mijn")))
    assert "Uw inbreng (1)" in mine and "Te lage normen." in mine


# --- topics -------------------------------------------------------------------------------


def test_a_changed_topic_description_is_updated_in_place(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    load_network(uow_factory, load_network_file(EXAMPLE))
    with uow_factory() as uow:
        pillar = uow.pillars.by_slug("financien")
        assert pillar is not None
        old = pillar.topic("onderwijshuisvesting")
    assert old is not None
    new_description = "Schoolgebouwen: nieuwbouw, renovatie en het IHP."

    def change(data: Data) -> None:
        topic_entry(data, "financien", "onderwijshuisvesting")["description"] = new_description

    changes = load_network(uow_factory, edited(change))

    assert only(changes) == {("topics", "changed"): 1}
    with uow_factory() as uow:
        topic = uow.pillars.get_topic(old.id)
        all_topics = uow.pillars.all_topics(old.pillar_id)
    assert topic is not None
    assert (topic.slug, topic.name, topic.description) == (
        "onderwijshuisvesting", "Onderwijshuisvesting", new_description
    )  # fmt: skip
    assert topic.active and len(all_topics) == 6  # the same row, no new one
    # Loading the changed file again changes nothing more.
    assert not load_network(uow_factory, edited(change)).changed


def test_a_removed_topic_is_deactivated_and_no_longer_offered(
    core: Core,
    conversation: Conversation,
    open_round: Round,
    uow_factory: UnitOfWorkFactory,
) -> None:
    anna = core.members.by_email(MEMBER)
    assert anna is not None
    earlier = core.responses.submit(
        anna, open_round.id, AnswerInput(topic="verduurzaming", text="Zwembad verduurzamen.")
    )
    assert earlier.topic_id is not None

    changes = load_network(uow_factory, edited(without_topic("financien", "verduurzaming")))

    assert only(changes) == {("topics", "deactivated"): 1}
    with uow_factory() as uow:
        pillar = uow.pillars.by_slug("financien")
        assert pillar is not None
        all_topics = uow.pillars.all_topics(pillar.id)
        kept = uow.responses.get(earlier.id)
    assert [t.slug for t in pillar.topics] == [
        s for s in PILLAR_TOPICS["financien"] if s != "verduurzaming"
    ]
    assert [(t.slug, t.active) for t in all_topics if t.slug == "verduurzaming"] == [
        ("verduurzaming", False)
    ]
    # The answer given before keeps its topic, and the summary still names it.
    assert kept is not None and kept.topic_id == earlier.topic_id
    assert core.reports.summary(open_round.id).themes[0].topic_name == "Verduurzaming"

    # The answer form no longer offers it ...
    (offered,) = conversation.handle(MessageEvent(actor=actor(MEMBER), text="inbreng"))
    assert offered.form is not None
    topic_field = offered.form.fields[0]
    assert isinstance(topic_field, SelectField) and topic_field.name == "topic"
    assert [o.value for o in topic_field.options] == [
        *[s for s in PILLAR_TOPICS["financien"] if s != "verduurzaming"],
        "anders",
    ]
    # ... and a form that still carries it is refused, with the topics that remain.
    (refused,) = conversation.handle(
        FormEvent(
            actor=actor(MEMBER),
            form_id="answer",
            context=f"round:{open_round.id}",
            values={"topic": "verduurzaming", "text": "Nog een.", "attribution": "name"},
        )
    )
    assert refused.form is not None
    assert refused.form.errors == {
        "topic": "Onderwerp “verduurzaming” ken ik niet bij deze uitvraag. Kies uit: "
        "onderwijshuisvesting, btw-compensatiefonds, financiering-energietransitie, "
        "verdeelmodel-sociaal-domein, herziening-gemeentefonds, anders."
    }
    with uow_factory() as uow:
        assert len(uow.responses.for_round(open_round.id)) == 1

    # Back in the file: offered again.
    assert only(load_network(uow_factory, load_network_file(EXAMPLE))) == {
        ("topics", "reactivated"): 1
    }
    assert core.rounds.get(open_round.id).pillars[0].topic("verduurzaming") is not None


# --- platform ids given in the file ---------------------------------------------------------


def test_a_platform_user_id_in_the_file_speaks_for_the_member_only_from_a_trusted_workspace(
    core: Core, conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    def give_anna_a_slack_id(data: Data) -> None:
        member_entry(data, MEMBER)["slack_user_id"] = "U0ANNA123"

    changes = load_network(uow_factory, edited(give_anna_a_slack_id))

    assert only(changes) == {("identities", "added"): 1}
    anna = core.members.by_email(MEMBER)
    ruud = core.members.by_email(RUUD)
    assert anna is not None and ruud is not None
    with uow_factory() as uow:
        identity = uow.identities.find(Platform.SLACK, ANY_TENANT, "U0ANNA123")
        ruuds = uow.identities.for_member(ruud.id)
    assert identity is not None and identity.member_id == anna.id
    assert identity.tenant == ANY_TENANT == ""
    assert [(i.platform, i.tenant, i.user_id) for i in ruuds] == [
        (Platform.SLACK, "", "U05R7HGD2KQ"),
        (Platform.TEAMS, "", "29:1kq8Xw3vYb7TzR2mLpN0aHs5dE9fGcUo"),
    ]
    before = snapshot(database_url)

    # Slack tells the user id and team, no e-mail: the file's id is enough in the network's
    # workspace, and Teams' in the tenant of the member's own municipality.
    slack = Actor(platform=Platform.SLACK, tenant=TRUSTED_TEAM, user_id="U0ANNA123")
    reply = conversation.handle(MessageEvent(actor=slack, text="help"))
    assert help_title(reply) == "Inbreng: wat kan ik voor u doen, Anna Jansen?"
    teams = Actor(
        platform=Platform.TEAMS,
        tenant=teams_tenant_of(RUUD),
        user_id="29:1kq8Xw3vYb7TzR2mLpN0aHs5dE9fGcUo",
    )
    assert help_title(conversation.handle(MessageEvent(actor=teams, text="help"))) == (
        "Inbreng: wat kan ik voor u doen, Ruud Hoogendoorn?"
    )
    # The same id on another platform, or an unknown one without e-mail: not a member.
    for other in (
        Actor(platform=Platform.TEAMS, tenant=teams_tenant_of(RUUD), user_id="U0ANNA123"),
        Actor(platform=Platform.SLACK, tenant=TRUSTED_TEAM, user_id="U0NOBODY"),
    ):
        assert STRANGER_TEXT in texts_of(conversation.handle(MessageEvent(actor=other, text="hi")))
    assert snapshot(database_url) == before  # recognised from the file: nothing to write

    # From a workspace or tenant the network does not trust for them, the same ids are
    # strangers: Anna's id from another Slack workspace, Ruud's from another municipality's
    # tenant (Zeist's) or an unknown one.
    for other in (
        Actor(platform=Platform.SLACK, tenant=OTHER_TEAM, user_id="U0ANNA123"),
        Actor(platform=Platform.TEAMS, tenant=teams_tenant_of(MEMBER), user_id=teams.user_id),
        Actor(platform=Platform.TEAMS, tenant=OTHER_TENANT, user_id=teams.user_id),
    ):
        reply_text = texts_of(conversation.handle(MessageEvent(actor=other, text="hi")))
        assert "die het netwerk hiervoor niet vertrouwt" in reply_text

    # The id moves to a colleague in the file: it now speaks for the colleague.
    def move_it(data: Data) -> None:
        member_entry(data, COLLEAGUE)["slack_user_id"] = "U0ANNA123"

    assert only(load_network(uow_factory, edited(move_it))) == {("identities", "changed"): 1}
    assert help_title(conversation.handle(MessageEvent(actor=slack, text="help"))) == (
        "Inbreng: wat kan ik voor u doen, Thijs Vermeulen?"
    )


# --- an invalid file -------------------------------------------------------------------------


def test_an_invalid_file_is_refused_as_a_whole_and_nothing_is_stored(
    uow_factory: UnitOfWorkFactory, database_url: str, tmp_path: Path
) -> None:
    load_network(uow_factory, load_network_file(EXAMPLE))
    before = snapshot(database_url)

    data = example_data()
    # Good changes, which must not be stored either ...
    data["members"].append(
        {"email": "n.nieuw@zeist.example", "name": "Nina Nieuw", "organisation": "zeist"}
    )
    topic_entry(data, "financien", "onderwijshuisvesting")["name"] = "Scholenbouw"
    # ... beside three mistakes.
    member_entry(data, COLLEAGUE)["organisation"] = "atlantis"
    member_entry(data, MEMBER)["langauge"] = "en"
    data["pillars"][0]["topics"][1]["slug"] = "BTW compensatiefonds"
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(NetworkFileError) as refused:
        load_network(uow_factory, load_network_file(path))

    messages = [f"{p.path}: {p.message}" for p in refused.value.problems]
    assert len(messages) == 3, messages
    assert any(m.endswith("unknown key 'langauge' (did you mean 'language'?)") for m in messages)
    assert any(".organisation: unknown organisation 'atlantis'" in m for m in messages)
    assert any(
        m.startswith("pillars[0].topics[1].slug: 'BTW compensatiefonds' is not a slug")
        for m in messages
    )
    assert all(p.line > 1 for p in refused.value.problems)
    assert str(path) in str(refused.value)
    after = snapshot(database_url)
    assert after == before
    with uow_factory() as uow:
        assert uow.members.by_email("n.nieuw@zeist.example") is None
        assert Counter(e.action for e in uow.audit.list()) == {"network.loaded": 1}

    # The parser refuses the text just the same, before anything could be loaded.
    with pytest.raises(NetworkFileError):
        parse_network(path.read_text(encoding="utf-8"))
    with pytest.raises(NetworkFileError):
        parse_network("network: {name: Leeg}\n")
    assert snapshot(database_url) == before
