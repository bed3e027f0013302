"""The network file: the PMG example, its demo answers, and every kind of refusal."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from bot.domain import Attribution, Role
from bot.network_file import NetworkFileError, NetworkSpec, load_network_file, parse_network

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pmg"

PMG_TOPICS = {
    "financien": [
        ("onderwijshuisvesting", "Onderwijshuisvesting"),
        ("btw-compensatiefonds", "BTW-compensatiefonds"),
        ("financiering-energietransitie", "Financiering energietransitie"),
        ("verduurzaming", "Verduurzaming"),
        ("verdeelmodel-sociaal-domein", "Verdeelmodel sociaal domein"),
        ("herziening-gemeentefonds", "Herziening gemeentefonds"),
    ],
    "economie-fysieke-leefomgeving": [
        ("vestigingsklimaat", "Vestigingsklimaat"),
        ("arbeidsmigranten", "Arbeidsmigranten"),
        ("arbeidsparticipatie", "Arbeidsparticipatie"),
        ("innovatie", "Innovatie"),
        ("adequate-dienstverlening", "Adequate dienstverlening"),
        ("onderwijs-en-arbeidsmarkt", "Onderwijs en arbeidsmarkt"),
        ("publiek-private-investeringsprogrammas", "Publiek-private investeringsprogramma's"),
        ("vitale-binnenstad", "Vitale binnenstad"),
    ],
    "samenleving": [
        ("jeugdzorg", "Jeugdzorg"),
        ("wmo", "Wmo"),
        ("mantelzorg", "Mantelzorg"),
        ("energiearmoede", "Energiearmoede"),
        ("burgerparticipatie", "Burgerparticipatie"),
        ("sociaal-domein-in-de-omgevingswet", "Sociaal domein in de Omgevingswet"),
        ("innovaties-in-het-sociaal-domein", "Innovaties in het sociaal domein"),
    ],
    "bestuur": [
        ("veiligheid", "Veiligheid"),
        ("informatie-en-digitalisering", "Informatie en digitalisering"),
        ("democratische-vernieuwing", "Democratische vernieuwing"),
        ("europa", "Europa"),
        ("strategische-positionering", "Strategische positionering"),
    ],
}

PMG_CODES = {
    "bergen-op-zoom": "GM0748",
    "coevorden": "GM0109",
    "de-ronde-venen": "GM0736",
    "etten-leur": "GM0777",
    "gorinchem": "GM0512",
    "harderwijk": "GM0243",
    "lochem": "GM0262",
    "meierijstad": "GM1948",
    "nieuwegein": "GM0356",
    "oosterhout": "GM0826",
    "oss": "GM0828",
    "roermond": "GM0957",
    "roosendaal": "GM1674",
    "rijssen-holten": "GM1742",
    "soest": "GM0342",
    "veenendaal": "GM0345",
    "veldhoven": "GM0861",
    "waalwijk": "GM0867",
    "zeist": "GM0355",
}


@pytest.fixture(scope="module")
def pmg() -> NetworkSpec:
    return load_network_file(EXAMPLE / "network.yaml")


# The PMG example


def test_pmg_has_its_municipalities_and_a_secretariat(pmg: NetworkSpec) -> None:
    assert {o.slug: o.code for o in pmg.organisations if o.code} == PMG_CODES
    assert [o.slug for o in pmg.organisations if o.code is None] == ["pmg"]
    assert all(o.province for o in pmg.organisations if o.code)
    assert pmg.network.name == "Platform Middelgrote Gemeenten"
    assert (pmg.network.language, pmg.network.timezone) == ("nl", "Europe/Amsterdam")


def test_pmg_has_four_pillars_with_their_topics_in_order(pmg: NetworkSpec) -> None:
    assert [p.slug for p in pmg.pillars] == list(PMG_TOPICS)
    assert [p.name for p in pmg.pillars] == [
        "Financiën",
        "Economie en Fysieke Leefomgeving",
        "Samenleving",
        "Bestuur",
    ]
    for pillar in pmg.pillars:
        assert [(t.slug, t.name) for t in pillar.topics] == PMG_TOPICS[pillar.slug]
        assert all(len(t.description) > 60 for t in pillar.topics), pillar.slug
        assert pillar.channels.slack and pillar.channels.slack.startswith("C")
        assert pillar.channels.teams and pillar.channels.teams.endswith("@thread.tacv2")


def test_pmg_members(pmg: NetworkSpec) -> None:
    organisations = {o.slug for o in pmg.organisations}
    assert all(m.organisation in organisations for m in pmg.members)
    per_municipality = Counter(m.organisation for m in pmg.members if m.organisation != "pmg")
    assert set(per_municipality) == set(PMG_CODES)
    assert all(2 <= count <= 3 for count in per_municipality.values())
    assert all(m.email.endswith(f"@{m.organisation}.example") for m in pmg.members)

    leads = [m for m in pmg.members if Role.LEAD in m.roles]
    assert sorted(slug for m in leads for slug in m.lead_of) == sorted(PMG_TOPICS)
    assert all(len(m.lead_of) == 1 and Role.MEMBER in m.roles for m in leads)
    assert len({m.organisation for m in leads}) == len(leads)

    secretariat = [m for m in pmg.members if Role.SECRETARIAT in m.roles]
    assert len(secretariat) == 2
    assert all(m.organisation == "pmg" for m in secretariat)
    assert any(m.language == "en" for m in pmg.members)
    assert any(m.pillars for m in pmg.members)


def test_answers_refer_to_members_following_financien(pmg: NetworkSpec) -> None:
    answers_file: dict[str, Any] = yaml.safe_load((EXAMPLE / "answers.yaml").read_text("utf-8"))
    assert set(answers_file) == {"answers", "declines"}
    members = {m.email: m for m in pmg.members}
    financien = next(p for p in pmg.pillars if p.slug == "financien")
    topics = {t.slug for t in financien.topics} | {"anders"}
    answers: list[dict[str, str]] = answers_file["answers"]
    declines: list[str] = answers_file["declines"]

    assert 25 <= len(answers) <= 35
    for answer in answers:
        assert set(answer) == {"email", "topic", "text", "network_help", "attribution"}
        member = members[answer["email"]]
        assert not member.pillars or "financien" in member.pillars, member.email
        assert answer["topic"] in topics
        assert answer["attribution"] in set(Attribution)
        assert answer["text"].strip() and "\n" not in answer["text"]
    for email in declines:
        assert email in members
    assert not {a["email"] for a in answers} & set(declines)

    answering = {members[a["email"]].organisation for a in answers}
    assert 4 <= len(set(PMG_CODES) - answering) <= 5
    assert any(count > 1 for count in Counter(a["email"] for a in answers).values())
    assert sum(a["topic"] == "anders" for a in answers) >= 2
    assert any("<" in a["text"] and "&" in a["text"] for a in answers)


# Refusals. Each case edits this valid file; its line numbers are:
#  1 network:               7 members:                  13     name: Financiën
#  2   name: Testnetwerk    8   - email: a.jansen@...    14     topics:
#  3 organisations:         9     name: Anna Jansen      15       - slug: onderwijshuisvesting
#  4   - slug: zeist       10     organisation: zeist    16         name: Onderwijshuisvesting
#  5     name: Zeist       11 pillars:                   17         description: Schoolgebouwen.
#  6     code: GM0355      12   - slug: financien
VALID = """\
network:
  name: Testnetwerk
organisations:
  - slug: zeist
    name: Zeist
    code: GM0355
members:
  - email: a.jansen@zeist.example
    name: Anna Jansen
    organisation: zeist
pillars:
  - slug: financien
    name: Financiën
    topics:
      - slug: onderwijshuisvesting
        name: Onderwijshuisvesting
        description: Schoolgebouwen.
"""


def edited(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


def refusal(text: str) -> list[tuple[int, str, str]]:
    """(line, path, message) of every problem in a file that must be refused."""
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text, source="network.yaml")
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def only_problem(text: str) -> tuple[int, str, str]:
    problems = refusal(text)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_valid_file_parses_with_defaults() -> None:
    spec = parse_network(VALID)
    assert (spec.network.language, spec.network.timezone) == ("nl", "Europe/Amsterdam")
    member = spec.members[0]
    assert (member.roles, member.lead_of, member.pillars) == ((Role.MEMBER,), (), ())
    assert member.language is None and member.slack_user_id is None
    assert spec.pillars[0].channels.slack is None
    with pytest.raises(pydantic.ValidationError):
        member.name = "Iemand anders"  # type: ignore[misc]


def test_emails_are_lowercased() -> None:
    spec = parse_network(edited("a.jansen@zeist.example", "A.Jansen@Zeist.Example"))
    assert spec.members[0].email == "a.jansen@zeist.example"


def test_plain_values_stay_text() -> None:
    # YAML 1.1 would read 29:10 as the number 1750 and NO as False.
    text = edited(
        "    organisation: zeist\n", "    organisation: zeist\n    teams_user_id: 29:10\n"
    )
    spec = parse_network(edited("    code: GM0355\n", "    code: GM0355\n    province: NO\n"))
    assert spec.organisations[0].province == "NO"
    assert parse_network(text).members[0].teams_user_id == "29:10"


def test_yaml_syntax_error_has_its_line() -> None:
    line, path, message = only_problem(edited("    name: Anna Jansen", "    name: [Anna Jansen"))
    assert line == 10 and path == "" and message.startswith("invalid YAML")


@pytest.mark.parametrize("text", ["", "# alleen commentaar\n"])
def test_empty_file(text: str) -> None:
    assert only_problem(text) == (
        1,
        "",
        "the file is empty; it needs the keys network, organisations, members and pillars",
    )


def test_file_that_is_not_a_mapping() -> None:
    line, _, message = only_problem("- zeist\n- oss\n")
    assert line == 1 and message.startswith("expected a mapping, not a list")


def test_unknown_keys_are_refused_with_a_suggestion() -> None:
    assert only_problem(edited("    name: Anna Jansen", "    naam: Anna Jansen\n    name: A")) == (
        9,
        "members[0].naam",
        "unknown key 'naam' (did you mean 'name'?)",
    )
    line, path, _ = only_problem(edited("organisations:", "organizations: []\norganisations:"))
    assert (line, path) == (3, "organizations")
    line, path, _ = only_problem(
        edited("        description:", "        omschrijving: x\n        description:")
    )
    assert (line, path) == (17, "pillars[0].topics[0].omschrijving")


def test_missing_key_points_at_the_enclosing_mapping() -> None:
    assert only_problem(edited("    name: Anna Jansen\n", "")) == (
        8,
        "members[0].name",
        "missing key",
    )
    assert only_problem(edited("    name: Financiën\n", "")) == (
        12,
        "pillars[0].name",
        "missing key",
    )
    line, path, _ = only_problem(edited("network:\n  name: Testnetwerk\n", ""))
    assert (line, path) == (1, "network")


def test_wrong_shapes() -> None:
    assert only_problem(edited("    organisation: zeist", "    organisation: [zeist]")) == (
        10,
        "members[0].organisation",
        "expected text, not a list",
    )
    members = "members:\n  - email: a.jansen@zeist.example\n    name: Anna Jansen\n"
    text = edited(members + "    organisation: zeist\n", "members: geen\n")
    assert only_problem(text) == (7, "members", "expected a list, not 'geen'")
    assert only_problem(edited("    name: Zeist", "    name:")) == (
        5,
        "organisations[0].name",
        "a value is required",
    )


def test_duplicate_yaml_key() -> None:
    assert only_problem(edited("    code: GM0355", "    code: GM0355\n    code: GM0356")) == (
        7,
        "organisations[0].code",
        "duplicate key (first at line 6)",
    )


def test_duplicate_organisation_slug() -> None:
    text = edited("members:", "  - slug: zeist\n    name: Zeist (2)\nmembers:")
    assert only_problem(text) == (
        7,
        "organisations[1].slug",
        "duplicate organisation slug 'zeist' (first at line 4)",
    )


def test_duplicate_pillar_slug() -> None:
    text = VALID + "  - slug: financien\n    name: Nog eens\n    topics: []\n"
    assert only_problem(text) == (
        18,
        "pillars[1].slug",
        "duplicate pillar slug 'financien' (first at line 12)",
    )


def test_duplicate_topic_slug_within_a_pillar_only() -> None:
    topic = "      - slug: onderwijshuisvesting\n        name: Nog eens\n        description: x\n"
    line, path, message = only_problem(VALID + topic)
    assert (line, path) == (18, "pillars[0].topics[1].slug")
    assert message == "duplicate topic slug 'onderwijshuisvesting' (first at line 15)"
    other_pillar = "  - slug: bestuur\n    name: Bestuur\n    topics:\n" + topic
    assert len(parse_network(VALID + other_pillar).pillars) == 2


def test_duplicate_email_ignores_case() -> None:
    member = "  - email: A.Jansen@ZEIST.example\n    name: Anna\n    organisation: zeist\n"
    text = edited("pillars:", member + "pillars:")
    assert only_problem(text) == (
        11,
        "members[1].email",
        "duplicate e-mail address 'a.jansen@zeist.example' (first at line 8)",
    )


@pytest.mark.parametrize(
    "email",
    [
        "a.jansen",
        "a.jansen@zeist",
        "a@b@zeist.example",
        "a jansen@zeist.example",
        '"@zeist.example"',
    ],
)
def test_email_format(email: str) -> None:
    line, path, message = only_problem(edited("a.jansen@zeist.example", email))
    assert (line, path) == (8, "members[0].email")
    assert "is not an e-mail address" in message


def test_member_organisation_must_exist() -> None:
    assert only_problem(edited("    organisation: zeist", "    organisation: zeistt")) == (
        10,
        "members[0].organisation",
        "unknown organisation 'zeistt' (known: zeist)",
    )


def test_lead_of_and_pillars_must_name_pillars() -> None:
    extra = "    roles: [member, lead]\n    lead_of: [financien, bestuur]\n    pillars: [finance]\n"
    problems = refusal(edited("    organisation: zeist\n", "    organisation: zeist\n" + extra))
    assert problems == [
        (12, "members[0].lead_of[1]", "unknown pillar 'bestuur' (known: financien)"),
        (13, "members[0].pillars[0]", "unknown pillar 'finance' (known: financien)"),
    ]


def test_lead_of_needs_the_lead_role() -> None:
    extra = "    lead_of: [financien]\n"
    assert only_problem(
        edited("    organisation: zeist\n", "    organisation: zeist\n" + extra)
    ) == (
        8,
        "members[0].roles",
        "leads a pillar (lead_of) but lacks the role 'lead'",
    )


def test_lead_role_needs_a_pillar() -> None:
    extra = "    roles: [member, lead]\n"
    line, path, _ = only_problem(
        edited("    organisation: zeist\n", "    organisation: zeist\n" + extra)
    )
    assert (line, path) == (8, "members[0].lead_of")


def test_unknown_role() -> None:
    extra = "    roles: [member, leed]\n"
    line, path, message = only_problem(
        edited("    organisation: zeist\n", "    organisation: zeist\n" + extra)
    )
    assert (line, path) == (11, "members[0].roles[1]")
    assert message.startswith("unknown value 'leed'")


@pytest.mark.parametrize("slug", ["Zeist", "bergen op zoom", "financiën", "-zeist", "zeist_2"])
def test_slug_format(slug: str) -> None:
    line, path, message = only_problem(
        edited("  - slug: zeist", f"  - slug: {slug}").replace(
            "organisation: zeist", f"organisation: {slug}"
        )
    )
    assert (line, path) == (4, "organisations[0].slug")
    assert "is not a slug" in message


def test_topic_slugs_with_hyphens_and_digits_are_fine() -> None:
    text = edited("slug: onderwijshuisvesting", "slug: btw-compensatiefonds-2026")
    assert parse_network(text).pillars[0].topics[0].slug == "btw-compensatiefonds-2026"


@pytest.mark.parametrize("code", ["0355", "GM355", "gm0355", "GM03555"])
def test_cbs_code_format(code: str) -> None:
    line, path, _ = only_problem(edited("code: GM0355", f"code: {code}"))
    assert (line, path) == (6, "organisations[0].code")


def test_language() -> None:
    text = edited("    organisation: zeist\n", "    organisation: zeist\n    language: de\n")
    line, path, message = only_problem(text)
    assert (line, path) == (11, "members[0].language")
    assert message == "unknown value 'de' (expected 'nl' or 'en')"
    line, path, _ = only_problem(
        edited("  name: Testnetwerk", "  name: Testnetwerk\n  language: fr")
    )
    assert (line, path) == (3, "network.language")


def test_timezone() -> None:
    text = edited("  name: Testnetwerk", "  name: Testnetwerk\n  timezone: Europe/Amsterdm")
    assert only_problem(text) == (
        3,
        "network.timezone",
        "unknown timezone 'Europe/Amsterdm', e.g. 'Europe/Amsterdam'",
    )


def test_names_must_not_be_empty() -> None:
    assert only_problem(edited("    name: Anna Jansen", '    name: "  "')) == (
        9,
        "members[0].name",
        "must not be empty",
    )


def test_description_is_one_line() -> None:
    text = edited("description: Schoolgebouwen.", 'description: "Schoolgebouwen.\\nEn meer."')
    assert only_problem(text) == (
        17,
        "pillars[0].topics[0].description",
        "must be a single line",
    )
    folded = edited(
        "description: Schoolgebouwen.", "description: >\n          Scholen\n          en meer."
    )
    assert parse_network(folded).pillars[0].topics[0].description == "Scholen en meer."


def test_channel_ids() -> None:
    text = edited(
        "    name: Financiën\n", "    name: Financiën\n    channels: {slack: '#financien'}\n"
    )
    line, path, _ = only_problem(text)
    assert (line, path) == (14, "pillars[0].channels.slack")


def test_characters_yaml_does_not_allow() -> None:
    line, _, message = only_problem(edited("    name: Anna Jansen", "    name: Anna\x07Jansen"))
    assert line == 9 and message.startswith("invalid YAML")


def test_aliases_that_refer_to_themselves_or_explode() -> None:
    problems = refusal(edited("  name: Testnetwerk", "  name: &n [*n]"))
    assert (2, "network.name[0]", "an alias refers to itself") in problems
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    problems = refusal("\n".join(laughs))
    assert len(problems) == 1 and "once aliases are expanded" in problems[0][2]


def test_channels_by_platform() -> None:
    text = edited("    name: Financiën\n", "    name: Financiën\n    channels: {slack: C0123ABC}\n")
    assert parse_network(text).pillars[0].channels.by_platform() == {"slack": "C0123ABC"}


def test_all_problems_are_reported_together() -> None:
    text = edited("code: GM0355", "code: 355").replace(
        "organisation: zeist", "organisation: zeistt"
    )
    problems = refusal(text)
    assert [(line, path) for line, path, _ in problems] == [
        (6, "organisations[0].code"),
        (10, "members[0].organisation"),
    ]


def test_error_text_has_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "network.yaml"
    path.write_text(
        edited("code: GM0355", "code: 355").replace("organisation: zeist", "organisation: zeistt"),
        encoding="utf-8",
    )
    with pytest.raises(NetworkFileError) as caught:
        load_network_file(path)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).splitlines() == [
        f"{path}:6: organisations[0].code: '355' is not a CBS municipality code such as 'GM0355'",
        f"{path}:10: members[0].organisation: unknown organisation 'zeistt' (known: zeist)",
    ]


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "network.yaml"
    path.write_bytes(
        VALID.encode("utf-8").replace("Financiën".encode(), "Financiën".encode("latin-1"))
    )
    with pytest.raises(NetworkFileError) as caught:
        load_network_file(path)
    assert [p.line for p in caught.value.problems] == [13]
