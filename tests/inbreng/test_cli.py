"""The `inbreng` command as a user runs it: the installed console script, in a subprocess.

Every test starts the real program with `INBRENG_DATABASE_URL` pointing at its own test
database (a SQLite file, and for some tests a PostgreSQL database with a plain
`postgresql://` URL) and reads what it prints on stdout and stderr, and its exit code.
Starting the program costs about half a second, so each test keeps its runs few; things a
test only needs as a starting point (the example network) are loaded in-process.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Audience, RoundStatus
from bot.network_file import load_network_file
from bot.services.network import load_network
from storage.database import Database
from storage.migrate import current_revision, head_revision
from tests.support import ENGLISH_MEMBER, EXAMPLES, LEAD, MEMBER, SECRETARIAT, inbreng_executable

NETWORK_FILE = EXAMPLES / "network.yaml"
ZONE = ZoneInfo("Europe/Amsterdam")  # INBRENG_TIMEZONE's default
STRANGER = "stranger@elsewhere.example"
OSS_MEMBER = "t.verhagen@oss.example"  # follows every pillar
KNOWN_PILLARS = "financien, economie-fysieke-leefomgeving, samenleving, bestuur"
HOSTILE = "<!channel> *vet* [klik](http://x.example) & 1. lijst"


INBRENG = inbreng_executable()


def inbreng(
    *args: str, cwd: Path, url: str | None = None, input: str = "", language: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `inbreng ARGS` as a user would, with the test's database in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBRENG_")}
    if url is not None:
        env["INBRENG_DATABASE_URL"] = url
    if language is not None:
        env["INBRENG_LANGUAGE"] = language
    return subprocess.run(
        [str(INBRENG), *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one clear line a refusal must give: exit code 1, no traceback, nothing else."""
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 1, shown
    assert "Traceback" not in result.stderr, shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, shown
    return lines[0]


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    """The standard output of a run that must succeed."""
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def last_line_id(result: subprocess.CompletedProcess[str]) -> int:
    """`rounds create` prints the new round's id alone on its last line."""
    return int(succeeded(result).strip().splitlines()[-1])


def local(days: float, hour: int = 14) -> str:
    """A moment `days` from now at `hour` o'clock, as the user would type it (ISO)."""
    day = (datetime.now(ZONE) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


def load_pmg(url: str) -> None:
    """The example network of the PMG, loaded in-process (a starting point, not a subject)."""
    database = Database(url)
    try:
        load_network(database.unit_of_work, load_network_file(NETWORK_FILE))
    finally:
        database.dispose()


def rounds_in(url: str) -> dict[int, tuple[RoundStatus, Audience, tuple[timedelta, ...]]]:
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            return {r.id: (r.status, r.audience, r.reminders) for r in uow.rounds.list()}
    finally:
        database.dispose()


def create_args(
    *,
    pillar: str = "financien",
    opens_at: str = "now",
    closes_at: str | None = None,
    meeting_at: str | None = None,
    reminders: str = "7d,2d",
) -> list[str]:
    return [
        *("rounds", "create", "--pillar", pillar),
        *("--meeting-at", meeting_at or local(28)),
        *("--opens-at", opens_at),
        *("--closes-at", closes_at or local(21, hour=17)),
        *("--reminders", reminders, "--audience", "pillar"),
    ]


def answer_lines(topic: str, text: str, network_help: str, attribution: str) -> str:
    """What a member types in `inbreng chat` to give one answer through the form prompts."""
    return "\n".join(
        [
            "inbreng",
            topic,  # the topic's number
            *text.splitlines(),
            "",  # an empty line ends the text
            *network_help.splitlines(),
            "",
            attribution,  # a number, or empty for the default (with name)
            "stop",
            "",
        ]
    )


# --- 1. help ---------------------------------------------------------------------------

HELP = [
    pytest.param((), ["db", "network", "rounds", "summary", "chat", "demo"], id="inbreng"),
    pytest.param(("db",), ["upgrade"], id="db"),
    pytest.param(("db", "upgrade"), ["schema"], id="db-upgrade"),
    pytest.param(("network",), ["load"], id="network"),
    pytest.param(("network", "load"), ["FILE", "Het netwerkbestand (YAML)"], id="network-load"),
    pytest.param(
        ("rounds",), ["create", "list", "show", "close", "schedule", "cancel"], id="rounds"
    ),
    pytest.param(
        ("rounds", "create"),
        [
            "--pillar",
            "--meeting-at",
            "--opens-at",
            "--closes-at",
            "--question",
            "--reminders",
            "--audience",
        ],
        id="rounds-create",
    ),
    pytest.param(("rounds", "list"), ["nieuwste eerst"], id="rounds-list"),
    pytest.param(("rounds", "show"), ["ROUND"], id="rounds-show"),
    pytest.param(("rounds", "close"), ["ROUND"], id="rounds-close"),
    pytest.param(("rounds", "schedule"), ["ROUND", "concept"], id="rounds-schedule"),
    pytest.param(("rounds", "cancel"), ["ROUND", "Annuleer"], id="rounds-cancel"),
    pytest.param(("summary",), ["ROUND"], id="summary"),
    pytest.param(("chat",), ["--as"], id="chat"),
    pytest.param(("demo",), ["--database"], id="demo"),
]


@pytest.mark.parametrize(("command", "names"), HELP)
def test_help_of_every_command(command: tuple[str, ...], names: list[str], tmp_path: Path) -> None:
    output = succeeded(inbreng(*command, "--help", cwd=tmp_path))

    assert f"Gebruik: inbreng {' '.join(command)}".strip() in output
    for name in names:
        assert name in output, f"{name!r} missing from the help of {command}:\n{output}"
    assert not (tmp_path / "inbreng.db").exists(), "--help must not create a database"


HELP_IN_LANGUAGES = [
    pytest.param(
        "nl",
        (),
        ["Gebruik: inbreng [OPTIES] OPDRACHT", "Opdrachten:", "Uitvragen vóór overleggen.",
         "Toon deze hulp en stop."],
        ["Usage:", "Commands:", "Input rounds"],
        id="nl-inbreng",
    ),
    pytest.param(
        "en",
        (),
        ["Usage: inbreng [OPTIONS] COMMAND", "Commands:", "Input rounds before meetings.",
         "Show this help and stop."],
        ["Gebruik:", "Opdrachten:", "Uitvragen"],
        id="en-inbreng",
    ),
    pytest.param(
        "nl",
        ("rounds", "create"),
        ["Opties:", "Wanneer het overleg begint: een datum en een tijd, bijvoorbeeld",
         "[verplicht]", "[standaard: 7d,2d]"],
        ["Options:", "When the meeting starts", "[required]", "default:"],
        id="nl-rounds-create",
    ),
    pytest.param(
        "en",
        ("rounds", "create"),
        ["Options:", "When the meeting starts: a date and a time, e.g.", "[required]",
         "[default: 7d,2d]"],
        ["Opties:", "Wanneer het overleg", "[verplicht]", "standaard"],
        id="en-rounds-create",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("language", "command", "present", "absent"), HELP_IN_LANGUAGES)
def test_help_speaks_the_language_of_the_command_line(
    language: str, command: tuple[str, ...], present: list[str], absent: list[str], tmp_path: Path
) -> None:
    output = " ".join(
        succeeded(inbreng(*command, "--help", cwd=tmp_path, language=language)).split()
    )

    for text in present:
        assert text in output, f"{text!r} missing from the {language} help:\n{output}"
    for text in absent:
        assert text not in output, f"{text!r} in the {language} help:\n{output}"


def test_help_reads_the_language_from_the_env_file_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("INBRENG_LANGUAGE=en\n", encoding="utf-8")

    assert "Input rounds before meetings." in succeeded(inbreng("--help", cwd=tmp_path))


def test_inbreng_without_a_command_shows_its_help(tmp_path: Path) -> None:
    assert "Opdrachten:" in succeeded(inbreng(cwd=tmp_path))


MISTAKES = [
    pytest.param(
        ("rounds", "sho"), "inbreng rounds kent de opdracht “sho” niet; bedoelt u show?",
        id="unknown-command-with-a-suggestion",
    ),
    pytest.param(
        ("verslag",),
        "inbreng kent de opdracht “verslag” niet. Kies uit: db, network, rounds, summary, "
        "export, themes, chat, demo, serve, doctor.",
        id="unknown-command",
    ),
    pytest.param(
        ("rounds", "show"),
        "inbreng rounds show heeft ROUND nodig. Zie inbreng rounds show --help.",
        id="missing-argument",
    ),
    pytest.param(
        ("rounds", "create", "--pillar", "financien"),
        "inbreng rounds create heeft --meeting-at nodig. Zie inbreng rounds create --help.",
        id="missing-option",
    ),
    pytest.param(
        ("rounds", "show", "drie"), "ROUND moet een geheel getal zijn, bijvoorbeeld 3.",
        id="not-a-number",
    ),
    pytest.param(
        ("rounds", "list", "--all"),
        "inbreng rounds list kent de optie --all niet. Zie inbreng rounds list --help.",
        id="unknown-option",
    ),
    pytest.param(
        ("rounds", "create", "--pilar", "financien"),
        "inbreng rounds create kent de optie --pilar niet; bedoelt u --pillar of --place?",
        id="unknown-option-with-a-suggestion",
    ),
    pytest.param(
        ("rounds", "create", "--pillar"),
        "Optie --pillar heeft een waarde nodig. Zie inbreng rounds create --help.",
        id="option-without-its-value",
    ),
    pytest.param(
        ("summary", "1", "--approve=ja"), "Optie --approve neemt geen waarde; laat die weg.",
        id="flag-with-a-value",
    ),
    pytest.param(
        ("export", "1", "--format", "pdf"), "Bij --format kunt u kiezen uit: csv, xlsx, docx, md.",
        id="not-a-choice",
    ),
    pytest.param(
        ("rounds", "list", "alle"),
        "inbreng rounds list weet niet wat het moet met “alle”. Zie inbreng rounds list --help.",
        id="extra-argument",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("command", "message"), MISTAKES)
def test_a_mistake_in_the_command_is_one_line_with_exit_code_1(
    command: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    result = inbreng(*command, cwd=tmp_path)

    assert error_line(result) == message
    assert result.stdout == ""
    assert not (tmp_path / "inbreng.db").exists(), "a refused command must not open a database"


def test_a_mistake_is_told_in_english_when_the_command_line_speaks_english(
    tmp_path: Path,
) -> None:
    result = inbreng("rounds", "show", "three", cwd=tmp_path, language="en")

    assert error_line(result) == "ROUND must be a whole number, e.g. 3."


# --- 2 and 3. the schema ---------------------------------------------------------------


def test_db_upgrade_creates_the_schema_and_can_run_twice(
    empty_database_url: str, tmp_path: Path
) -> None:
    url = empty_database_url
    before = inbreng("rounds", "list", cwd=tmp_path, url=url)
    first = inbreng("db", "upgrade", cwd=tmp_path, url=url)
    second = inbreng("db", "upgrade", cwd=tmp_path, url=url)
    after = inbreng("rounds", "list", cwd=tmp_path, url=url)

    assert "inbreng db upgrade" in error_line(before)
    head = head_revision()
    assert head in succeeded(first)
    assert current_revision(url) == head
    assert succeeded(second).strip() == first.stdout.strip()
    assert succeeded(after).strip() == "Er zijn nog geen uitvragen."


NOT_UPGRADED = [
    pytest.param(("network", "load", str(NETWORK_FILE)), id="network-load"),
    pytest.param(tuple(create_args()), id="rounds-create"),
    pytest.param(("rounds", "show", "1"), id="rounds-show"),
    pytest.param(("rounds", "close", "1"), id="rounds-close"),
    pytest.param(("summary", "1"), id="summary"),
    pytest.param(("chat", "--as", MEMBER), id="chat"),
]


@pytest.mark.parametrize("command", NOT_UPGRADED)
def test_a_database_that_was_not_upgraded_gets_one_clear_line(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'never-upgraded.db'}"

    result = inbreng(*command, cwd=tmp_path, url=url, input="hulp\nstop\n")

    assert "inbreng db upgrade" in error_line(result)
    assert result.stdout == ""


# --- 4. the network file ---------------------------------------------------------------


def test_network_load_reports_what_it_added_then_that_nothing_changed(
    database_url: str, tmp_path: Path
) -> None:
    first = inbreng("network", "load", str(NETWORK_FILE), cwd=tmp_path, url=database_url)
    again = inbreng("network", "load", str(NETWORK_FILE), cwd=tmp_path, url=database_url)

    added = succeeded(first)
    assert "Netwerk “Platform Middelgrote Gemeenten” geladen." in added
    for line in (
        "gemeenten: 20 toegevoegd",
        "pijlers: 4 toegevoegd",
        "onderwerpen: 26 toegevoegd",
        "leden: 44 toegevoegd",
    ):
        assert line in added.splitlines(), added
    assert succeeded(again).strip() == (
        "Netwerk “Platform Middelgrote Gemeenten” geladen: er is niets veranderd."
    )
    # On an empty database everything is new: nothing can have been *changed*.
    assert "gewijzigd" not in added, added


def test_an_invalid_network_file_is_refused_with_lines_and_fields(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(
        "network:\n"  # 1
        "  name: Testnetwerk\n"  # 2
        "  language: nl\n"  # 3
        "  timezone: Europe/Amsterdam\n"  # 4
        "organisations:\n"  # 5
        "  - slug: zeist\n"  # 6
        "    name: Zeist\n"  # 7
        "    colour: blue\n"  # 8: an unknown key
        "members:\n"  # 9
        "  - email: not-an-email\n"  # 10: a bad e-mail address
        "    name: Anna Jansen\n"  # 11
        "    organisation: zeist\n"  # 12
        "    roles: [member]\n"  # 13
        "pillars:\n"  # 14
        "  - slug: financien\n"  # 15
        "    name: Financiën\n"  # 16
        "    topics:\n"  # 17
        "      - slug: onderwijshuisvesting\n"  # 18
        "        name: Onderwijshuisvesting\n"  # 19
        "        description: Bouw van scholen.\n",  # 20
        encoding="utf-8",
    )

    refused = inbreng("network", "load", bad.name, cwd=tmp_path, url=sqlite_database_url)
    create = inbreng(*create_args(), cwd=tmp_path, url=sqlite_database_url)

    shown = f"stdout:\n{refused.stdout}\nstderr:\n{refused.stderr}"
    assert refused.returncode == 1, shown
    assert "Traceback" not in refused.stderr, shown
    problems = refused.stderr.strip().splitlines()
    assert len(problems) == 2, shown
    assert re.fullmatch(r"typo\.yaml:8: organisations\[0\]\.colour: .*'colour'.*", problems[0])
    assert re.fullmatch(r"typo\.yaml:10: members\[0\]\.email: .*not-an-email.*", problems[1])
    assert refused.stdout == ""

    database = Database(sqlite_database_url)
    try:
        with database.unit_of_work() as uow:
            stored = (
                uow.network.get(),
                uow.organisations.list(include_inactive=True),
                uow.members.list(include_inactive=True),
                uow.pillars.list(),
            )
    finally:
        database.dispose()
    assert stored == (None, [], [], []), "a refused file must store nothing"

    # Without a network, creating a round is refused with a line that says what to do.
    assert "inbreng network load" in error_line(create)


# --- 5. rounds create ------------------------------------------------------------------


def test_rounds_create_prints_the_id_and_list_shows_the_rounds(
    database_url: str, tmp_path: Path
) -> None:
    load_pmg(database_url)

    opened = inbreng(*create_args(), cwd=tmp_path, url=database_url)
    scheduled = inbreng(*create_args(opens_at=local(2, hour=9)), cwd=tmp_path, url=database_url)
    listed = inbreng("rounds", "list", cwd=tmp_path, url=database_url)

    open_id, scheduled_id = last_line_id(opened), last_line_id(scheduled)
    assert open_id != scheduled_id
    assert "(open)" in opened.stdout
    assert "(gepland)" in scheduled.stdout
    week, two_days = timedelta(days=7), timedelta(days=2)
    assert rounds_in(database_url) == {
        open_id: (RoundStatus.OPEN, Audience.PILLAR, (week, two_days)),
        scheduled_id: (RoundStatus.SCHEDULED, Audience.PILLAR, (week, two_days)),
    }
    rows = succeeded(listed).strip().splitlines()
    assert [row.split()[:2] for row in rows] == [
        [str(scheduled_id), "gepland"],  # newest first
        [str(open_id), "open"],
    ]
    assert all("Financiën" in row for row in rows)


BAD_ROUNDS = [
    pytest.param(
        {"pillar": "begroting"},
        f"Pijler “begroting” bestaat niet. Bekend zijn: {KNOWN_PILLARS}.",
        id="unknown-pillar",
    ),
    pytest.param(
        {"opens_at": local(10, hour=9), "closes_at": local(5, hour=17)},
        "De sluiting moet na de opening liggen.",
        id="closes-before-opening",
    ),
    pytest.param(
        {"meeting_at": local(20), "closes_at": local(21, hour=17)},
        "Het overleg moet na de sluiting van de uitvraag zijn.",
        id="meeting-before-closing",
    ),
    pytest.param(
        {"meeting_at": "2030-13-45T14:00"},
        "Begin van het overleg: “2030-13-45T14:00” is geen datum met tijd. Schrijf bijvoorbeeld "
        "18-12-2026 14:00, 24 december 14.00, 2026-12-18T14:00 of 'nu'.",
        id="malformed-date",
    ),
    pytest.param(
        {"closes_at": "24-12-2030"},
        "Sluiting: bij “24-12-2030” hoort ook een tijd, bijvoorbeeld 24-12-2030 14:00.",
        id="a-day-without-a-time",
    ),
    pytest.param(
        {"reminders": "7d,twee dagen"},
        "“7d,twee dagen” begrijp ik niet als herinneringen. Schrijf bijvoorbeeld 7d,2d,ochtend "
        "(d = dagen, h = uren, m = minuten, ochtend = de ochtend van de laatste dag).",
        id="malformed-reminders",
    ),
]


@pytest.mark.parametrize(("options", "message"), BAD_ROUNDS)
def test_rounds_create_refuses_bad_input_with_one_clear_line(
    options: dict[str, str], message: str, sqlite_database_url: str, tmp_path: Path
) -> None:
    load_pmg(sqlite_database_url)

    result = inbreng(*create_args(**options), cwd=tmp_path, url=sqlite_database_url)

    assert error_line(result) == message
    assert rounds_in(sqlite_database_url) == {}


# --- 6. rounds list, show, close -------------------------------------------------------


def test_rounds_create_with_per_municipality_reminders_and_a_direct_summary(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)
    args = [*create_args(reminders="2d,ochtend"), "--per-organisation", "--post-summary"]
    round_id = last_line_id(inbreng(*args, cwd=tmp_path, url=url))

    detail = succeeded(inbreng("rounds", "show", str(round_id), cwd=tmp_path, url=url))
    assert (
        "2d, ochtend van de laatste dag, per gemeente, samenvatting direct in het kanaal" in detail
    ), detail


DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december")  # fmt: skip


def test_rounds_create_takes_dates_as_a_dutch_secretary_types_them(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)
    meeting = (datetime.now(ZONE) + timedelta(days=28)).date()
    closing = (datetime.now(ZONE) + timedelta(days=21)).date()

    created = inbreng(
        *create_args(
            opens_at="nu",
            meeting_at=f"{meeting:%d-%m-%Y} 14.00",
            closes_at=f"{closing.day} {DUTCH_MONTHS[closing.month - 1]} {closing.year} om 17:00",
        ),
        cwd=tmp_path,
        url=url,
    )

    round_id = last_line_id(created)
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            (round_,) = [r for r in uow.rounds.list() if r.id == round_id]
    finally:
        database.dispose()
    assert round_.meeting.starts_at == datetime(*meeting.timetuple()[:3], 14, tzinfo=ZONE)
    assert round_.closes_at == datetime(*closing.timetuple()[:3], 17, tzinfo=ZONE)


def test_export_reads_its_period_as_a_dutch_user_types_it(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)
    period = ("--since", "1 januari 2020", "--until", "31-12-2099", "--format", "csv")

    exported = inbreng("export", "--pillar", "financien", *period, cwd=tmp_path, url=url)
    refused = inbreng("export", "--pillar", "financien", "--since", "morgen", cwd=tmp_path, url=url)

    assert Path(succeeded(exported).strip()).is_file()
    assert error_line(refused) == (
        "Vanaf: “morgen” is geen datum. Schrijf bijvoorbeeld 24-12-2026, 24 december, 24 dec of "
        "2026-12-24."
    )


def test_rounds_show_and_close(sqlite_database_url: str, tmp_path: Path) -> None:
    url = sqlite_database_url
    load_pmg(url)
    round_id = last_line_id(inbreng(*create_args(), cwd=tmp_path, url=url))

    shown = inbreng("rounds", "show", str(round_id), cwd=tmp_path, url=url)
    missing = inbreng("rounds", "show", "999", cwd=tmp_path, url=url)
    closed = inbreng("rounds", "close", str(round_id), cwd=tmp_path, url=url)
    closed_again = inbreng("rounds", "close", str(round_id), cwd=tmp_path, url=url)
    listed = inbreng("rounds", "list", cwd=tmp_path, url=url)

    detail = succeeded(shown)
    assert f"== Uitvraag {round_id}: Financiën (open) ==" in detail
    for label in ("Overleg:", "Looptijd:", "Herinneringen (voor sluiting):", "Respons:"):
        assert label in detail, detail
    assert "7d,2d" in detail
    assert "0 van 19 gemeenten met naam of als gemeente (0%)" in detail  # followed in 19 of 20
    assert re.search(r"Berichten:\n\s+\D*39\b", detail), detail  # the 39 invitations

    assert error_line(missing).startswith("Uitvraag 999 bestaat niet.")
    assert f"Uitvraag {round_id} (Financiën) is gesloten" in succeeded(closed)
    assert error_line(closed_again) == f"Uitvraag {round_id} is al gesloten."
    assert succeeded(listed).split()[0] == str(round_id)
    assert listed.stdout.split()[1] in {"gesloten", "samengevat"}
    assert rounds_in(url)[round_id][0] in {RoundStatus.CLOSED, RoundStatus.SUMMARISED}

    # Every text exists in Dutch: the delivery statuses too, not their internal names.
    assert not re.search(r"\b(pending|sent|failed)\b", detail), detail


def test_a_draft_is_scheduled_then_cancelled_from_the_command_line(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)
    drafted = inbreng(*create_args(), "--draft", cwd=tmp_path, url=url)
    round_id = last_line_id(drafted)
    draft_messages = succeeded(inbreng("rounds", "show", str(round_id), cwd=tmp_path, url=url))

    scheduled = inbreng("rounds", "schedule", str(round_id), cwd=tmp_path, url=url)
    scheduled_again = inbreng("rounds", "schedule", str(round_id), cwd=tmp_path, url=url)
    cancelled = inbreng("rounds", "cancel", str(round_id), cwd=tmp_path, url=url)
    cancelled_again = inbreng("rounds", "cancel", str(round_id), cwd=tmp_path, url=url)

    assert f"== Uitvraag {round_id}: Financiën (concept) ==" in draft_messages
    assert not re.search(r"Berichten:\n\s+\D*39\b", draft_messages)  # nobody asked yet
    assert f"Uitvraag {round_id} (Financiën) is open" in succeeded(scheduled)
    assert error_line(scheduled_again).startswith(f"Uitvraag {round_id} is open")
    assert f"Uitvraag {round_id} (Financiën) is geannuleerd" in succeeded(cancelled)
    assert error_line(cancelled_again).startswith(f"Uitvraag {round_id} is geannuleerd")
    assert rounds_in(url)[round_id][0] == RoundStatus.CANCELLED


# --- 7. answers through the chat, and the summary --------------------------------------


def test_members_answer_in_the_chat_and_summary_prints_escaped_markdown(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)
    round_id = last_line_id(inbreng(*create_args(), cwd=tmp_path, url=url))

    hostile = inbreng(
        "chat",
        "--as",
        MEMBER,
        cwd=tmp_path,
        url=url,
        input=answer_lines("1", f"{HOSTILE}\nTweede regel.", "Kennis delen.", ""),
    )
    plain = inbreng(
        "chat",
        "--as",
        OSS_MEMBER,
        cwd=tmp_path,
        url=url,
        input=answer_lines(
            "1", "Nieuwbouw van scholen kost het dubbele van de normbedragen.", "", "2"
        ),
    )
    summary = inbreng("summary", str(round_id), cwd=tmp_path, url=url)

    assert "Dank u wel! Uw inbreng (nr. " in succeeded(hostile)
    assert "Dank u wel! Uw inbreng (nr. " in succeeded(plain)
    assert "Tot ziens." in plain.stdout

    markdown = succeeded(summary)
    assert markdown.startswith("# Samenvatting: Financiën\n"), markdown
    assert "*Tussenstand:" in markdown  # the round is still open
    assert "**2** inbreng van **2** gemeenten." in markdown
    assert "\n## Onderwijshuisvesting\n" in markdown
    assert "2 inbreng uit 2 gemeenten: Oss, Zeist." in markdown
    # The verbatim quotes, with the attribution each member chose.
    assert "> Nieuwbouw van scholen kost het dubbele van de normbedragen.\n> — Oss\n" in markdown
    assert "> Tweede regel.\n> — Anna Jansen, Zeist\n" in markdown
    assert "> *Wat het netwerk kan doen:* Kennis delen." in markdown
    # Text from members is data: escaped, so it makes no mention, emphasis, link or list.
    assert "\\<!channel\\>" in markdown
    assert "<!channel>" not in markdown.replace("\\<!channel\\>", "")
    assert "[klik](" not in markdown
    assert "*vet*" not in markdown
    # The response per municipality.
    assert "## Respons per gemeente" in markdown
    assert "2 van 19 gemeenten reageerden met naam of als gemeente (11%)." in markdown
    assert "| Gemeente | Gevraagd | Gereageerd | Niets deze keer | Inbreng |" in markdown
    assert "| Zeist | 3 | 1 | 0 | 1 |" in markdown
    assert "| Oss | 3 | 1 | 0 | 1 |" in markdown
    assert "| Coevorden | 2 | 0 | 0 | 0 |" in markdown


# --- 8. who may chat -------------------------------------------------------------------


def test_chat_refuses_strangers_and_helps_members_in_their_language(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    load_pmg(url)

    stranger = inbreng("chat", "--as", STRANGER, cwd=tmp_path, url=url, input="hulp\nstop\n")
    dutch = inbreng("chat", "--as", MEMBER, cwd=tmp_path, url=url, input="help\nstop\n")
    english = inbreng("chat", "--as", ENGLISH_MEMBER, cwd=tmp_path, url=url, input="help\nstop\n")

    assert stranger.returncode == 1
    assert "Traceback" not in stranger.stderr
    assert "Sorry, ik ken u niet als lid van het netwerk" in stranger.stderr
    assert "I don't know you as a member of the network" in stranger.stderr
    assert stranger.stdout == ""

    help_nl = succeeded(dutch)
    assert "U praat als Anna Jansen (a.jansen@zeist.example)" in help_nl
    assert "== Inbreng: wat kan ik voor u doen, Anna Jansen? ==" in help_nl
    assert "rondes" in help_nl
    assert "Tot ziens." in help_nl
    assert "Voor het secretariaat" not in help_nl  # a member sees the member commands

    help_en = succeeded(english)
    assert "You are talking as Eva Mulder" in help_en
    assert "== Inbreng: what can I do for you, Eva Mulder? ==" in help_en
    assert "rounds" in help_en
    assert "Goodbye." in help_en
    assert "wat kan ik" not in help_en


# --- 9. the demo -----------------------------------------------------------------------


def test_demo_runs_a_whole_round_on_a_fresh_file_each_time(tmp_path: Path) -> None:
    started = time.perf_counter()
    first = inbreng("demo", cwd=tmp_path)
    seconds = time.perf_counter() - started
    print(f"inbreng demo: {seconds:.2f} s wall time (information only)")
    database = tmp_path / "inbreng-demo.db"
    first_size = database.stat().st_size if database.exists() else 0
    second = inbreng("demo", cwd=tmp_path)

    for output in (succeeded(first), succeeded(second)):
        assert "# Samenvatting: Pijleroverleg Financiën" in output
        assert "## Respons per gemeente" in output
        assert "| Gemeente | Gevraagd | Gereageerd | Niets deze keer | Inbreng |" in output
        assert "Uitvraag 1 gesloten door het secretariaat." in output  # a fresh database
        assert "werd geweigerd" not in output  # every scripted answer was stored
    assert first_size > 0
    assert database.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["inbreng-demo.db"]

    hints = [line.split() for line in second.stdout.splitlines() if "inbreng chat --as" in line]
    url = f"sqlite:///{database.resolve()}"
    assert [hint[0] for hint in hints] == [f"INBRENG_DATABASE_URL={url}"] * 3
    emails = [hint[-1] for hint in hints]
    assert emails[1:] == [LEAD, SECRETARIAT]

    # The hint works: the member it names sees the answer the demo gave for them.
    member = inbreng("chat", "--as", emails[0], cwd=tmp_path, url=url, input="mijn\nstop\n")
    assert "== Uw inbreng (1) ==" in succeeded(member)
