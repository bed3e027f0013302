"""`inbreng network export` / `import`: a whole network moves between SQLite and PostgreSQL.

The round trip runs the installed program as an operator would: the demo's network on
SQLite, exported, imported into a new PostgreSQL database, exported from there, imported
into a new SQLite file and exported once more; the three documents must hold the same rows.
The refusals run in-process on both databases, and once more through the program for the
one line on stderr.
"""

from __future__ import annotations

import copy
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from bot.clock import SystemClock
from bot.domain import (
    Attribution,
    Audience,
    DeliveryData,
    DeliveryKind,
    DeliveryStatus,
    Installation,
    MeetingData,
    Member,
    Platform,
    ResponseData,
    RoundData,
    RoundStatus,
)
from bot.errors import InbrengError
from bot.services.privacy import PrivacyService
from storage import backup
from storage.database import Database, create_database_engine
from storage.migrate import head_revision, upgrade
from storage.models import Base, DeliveryRow
from storage.pacing import SqlPacingLedger
from testing.postgres import PostgresServer
from tests.conftest import sqlite_url
from tests.db_snapshot import snapshot
from tests.inbreng.test_cli import (
    create_args,
    error_line,
    inbreng,
    last_line_id,
    load_pmg,
    succeeded,
)
from tests.support import MEMBER, OTHER_PILLAR_MEMBER

# Member text is data: quotes, line ends, emoji with joiners, markup, bidirectional controls,
# zero-width and byte-order marks, mathematical letters, a decomposed é, an escape sequence.
ODD_TEXT = (
    "Zij zei: \"nee\" & 'ja'\n\ttweede regel\r\nderde 🙂👩🏽\u200d💻 <script>alert(1)</script> "
    "\u202eomgekeerd\u202c \u200b\ufeff Ω≈ç√ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e\u0301 \\n \x7f\x1b[31m{{ x }}"
)
MOMENT = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
NETWORK_NAME = "Platform Middelgrote Gemeenten"


@pytest.fixture
def fresh_postgresql_url(postgresql_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database without any table, as on a new server."""
    name = postgresql_server.create_database(template="template0")
    try:
        yield postgresql_server.url(name)
    finally:
        postgresql_server.drop_database(name)


def tables_of(document: dict[str, Any]) -> dict[str, Any]:
    assert document["format"] == "inbreng-network" and document["version"] == 1
    assert document["schema_revision"] == head_revision()
    tables: dict[str, Any] = document["tables"]
    assert list(tables) == [table.name for table in Base.metadata.sorted_tables]
    return tables


def released(tables: dict[str, Any]) -> dict[str, Any]:
    """`tables` as an import leaves them: claimed deliveries pending, uncertain, unclaimed."""
    tables = copy.deepcopy(tables)
    deliveries = tables["deliveries"]
    column = {name: index for index, name in enumerate(deliveries["columns"])}
    for row in deliveries["rows"]:
        if row[column["status"]] == "claimed":
            row[column["status"]] = "pending"
            row[column["claimed_until"]] = row[column["claimed_by"]] = None
            row[column["uncertain"]] = True
    return tables


def add_what_the_demo_leaves_out(url: str) -> int:
    """An installation, a handled event, an edited answer in odd text, a claimed delivery,
    an erased member (a tombstone and its key), a pacing lane; returns the answer's id."""
    database = Database(url)
    try:
        SqlPacingLedger(database.engine).reserve(
            "slack:chat.postMessage", at=MOMENT.timestamp(), interval=0.1, tolerance=1.4
        )
        privacy = PrivacyService(uow_factory=database.unit_of_work, clock=SystemClock())
        erased = privacy_subject(database)
        privacy.erase(erased, keep_answers_anonymised=True)
        with database.unit_of_work() as uow:
            member = uow.members.by_email(MEMBER)
            assert member is not None
            round_ = uow.rounds.list()[0]
            uow.installations.save(
                Installation(
                    platform=Platform.TEAMS,
                    tenant="72f988bf-0000-0000-0000-000000000001",
                    conversation_id="19:pmg@thread.tacv2",
                    name="PMG",
                    address='{"serviceUrl": "https://smba.trafficmanager.net/emea/"}',
                )
            )
            uow.processed_events.first_time(Platform.SLACK, "Ev0PMG0001", at=MOMENT)
            data = ResponseData(
                round_id=round_.id,
                member_id=member.id,
                organisation_id=member.organisation_id,
                topic_id=None,
                text="Eerste versie.",
                network_help="",
                attribution=Attribution.ANONYMOUS,
            )
            response = uow.responses.add(data, at=MOMENT)
            uow.responses.update(
                response.id, replace(data, text=ODD_TEXT, network_help=ODD_TEXT), at=MOMENT
            )
            now = datetime.now(UTC)
            uow.deliveries.add(
                DeliveryData(kind=DeliveryKind.REMINDER, due_at=now, member_id=member.id)
            )
            claimed = uow.deliveries.claim_due(
                now, worker="old-server", until=now + timedelta(minutes=5), limit=100
            )
            assert claimed
            uow.commit()
        return response.id
    finally:
        database.dispose()


def privacy_subject(database: Database) -> Member:
    with database.unit_of_work() as uow:
        found = uow.members.by_email(OTHER_PILLAR_MEMBER)
    assert found is not None
    return found


def answer_text(url: str, response_id: int) -> tuple[str, str]:
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            response = uow.responses.get(response_id)
    finally:
        database.dispose()
    assert response is not None
    return response.text, response.network_help


# --- the round trip, as an operator runs it ----------------------------------------------


@pytest.mark.postgres
def test_a_network_moves_from_sqlite_to_postgresql_and_back_unchanged(
    fresh_postgresql_url: str, tmp_path: Path
) -> None:
    source = sqlite_url(tmp_path / "source.db")
    succeeded(inbreng("demo", "--database", "source.db", cwd=tmp_path))
    odd_answer = add_what_the_demo_leaves_out(source)

    exported = inbreng("network", "export", "--output", "a.json", cwd=tmp_path, url=source)
    assert exported.stdout == ""
    assert exported.stderr.startswith("Netwerk geëxporteerd naar a.json: ")
    assert len(exported.stderr.strip().splitlines()) == 1
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600  # personal data
    a = tables_of(json.loads((tmp_path / "a.json").read_text(encoding="utf-8")))
    # Every table holds rows, so that the comparisons below prove something.
    assert [name for name, table in a.items() if not table["rows"]] == []

    target = fresh_postgresql_url
    succeeded(inbreng("db", "upgrade", cwd=tmp_path, url=target))
    imported = succeeded(inbreng("network", "import", "a.json", cwd=tmp_path, url=target))
    assert imported.startswith(f"Netwerk “{NETWORK_NAME}” geïmporteerd: ")
    assert "opnieuw in de wachtrij" in imported  # the claimed deliveries
    succeeded(inbreng("network", "export", "--output", "b.json", cwd=tmp_path, url=target))
    b = tables_of(json.loads((tmp_path / "b.json").read_text(encoding="utf-8")))

    back = sqlite_url(tmp_path / "back.db")
    upgrade(back)
    succeeded(inbreng("network", "import", "b.json", cwd=tmp_path, url=back))
    to_stdout = inbreng("network", "export", cwd=tmp_path, url=back)
    c = tables_of(json.loads(succeeded(to_stdout)))
    assert to_stdout.stderr == ""

    assert b == released(a)
    assert c == b
    assert answer_text(target, odd_answer) == (ODD_TEXT, ODD_TEXT)
    assert answer_text(back, odd_answer) == (ODD_TEXT, ODD_TEXT)

    # The imported database serves the bot: the same summary, and new rows get new ids.
    round_id = a["rounds"]["rows"][0][0]
    from_source = inbreng("summary", str(round_id), cwd=tmp_path, url=source)
    from_target = inbreng("summary", str(round_id), cwd=tmp_path, url=target)
    assert succeeded(from_target) == succeeded(from_source)
    assert "Pijleroverleg Financiën" in from_target.stdout
    new_round = last_line_id(inbreng(*create_args(), cwd=tmp_path, url=target))
    assert new_round == max(row[0] for row in a["rounds"]["rows"]) + 1


# --- member text and claimed deliveries, in-process -------------------------------------


@pytest.mark.postgres
def test_member_text_and_claimed_deliveries_survive_both_databases(
    sqlite_database_url: str, postgresql_database_url: str, tmp_path: Path
) -> None:
    source, target = sqlite_database_url, postgresql_database_url
    load_pmg(source)
    response_id, claimed_id = answer_and_claim(source)
    back = sqlite_url(tmp_path / "back.db")
    upgrade(back)

    first = backup.export_network(source)
    result = backup.import_network(target, json.loads(backup.to_json(first)))
    second = backup.export_network(target)
    backup.import_network(back, json.loads(backup.to_json(second)))

    assert result.network_name == NETWORK_NAME
    assert result.released_claims == 1
    assert result.rows["responses"] == 1
    for url in (target, back):
        assert answer_text(url, response_id) == (ODD_TEXT, ODD_TEXT)
        delivery = delivery_row(url, claimed_id)
        assert (delivery.status, delivery.claimed_by, delivery.claimed_until) == (
            DeliveryStatus.PENDING.value,
            None,
            None,
        )
        assert delivery.uncertain  # the old server may have sent it: look before sending
    assert backup.export_network(back)["tables"] == second["tables"]


def answer_and_claim(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            member = uow.members.by_email(MEMBER)
            pillar = uow.pillars.by_slug("financien")
            assert member is not None and pillar is not None
            meeting = uow.meetings.add(MeetingData(title="Pijleroverleg", starts_at=MOMENT))
            round_ = uow.rounds.add(
                RoundData(
                    meeting_id=meeting.id,
                    pillar_ids=(pillar.id,),
                    question="Welke vraagstukken?",
                    audience=Audience.PILLAR,
                    opens_at=MOMENT - timedelta(days=7),
                    closes_at=MOMENT - timedelta(days=1),
                ),
                status=RoundStatus.OPEN,
            )
            response = uow.responses.add(
                ResponseData(
                    round_id=round_.id,
                    member_id=member.id,
                    organisation_id=member.organisation_id,
                    topic_id=None,
                    text=ODD_TEXT,
                    network_help=ODD_TEXT,
                    attribution=Attribution.NAME,
                ),
                at=MOMENT,
            )
            for kind in (DeliveryKind.INVITATION, DeliveryKind.REMINDER):
                uow.deliveries.add(
                    DeliveryData(kind=kind, due_at=MOMENT, round_id=round_.id, member_id=member.id)
                )
            claimed = uow.deliveries.claim_due(
                MOMENT, worker="old-server", until=MOMENT + timedelta(minutes=5), limit=1
            )
            uow.commit()
        return response.id, claimed[0].id
    finally:
        database.dispose()


def delivery_row(url: str, delivery_id: int) -> Any:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(DeliveryRow.__table__).where(DeliveryRow.id == delivery_id)
            ).one()
    finally:
        engine.dispose()


# --- refusals: one reason, nothing written --------------------------------------------


@pytest.fixture(scope="module")
def pmg_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example network, exported from a SQLite file."""
    url = sqlite_url(tmp_path_factory.mktemp("pmg") / "pmg.db")
    upgrade(url)
    load_pmg(url)
    return backup.export_network(url)


def changed(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], object]:
    """A refusal case: `change` edits a copy of the document, or returns another one."""

    def make(document: dict[str, Any]) -> object:
        document = copy.deepcopy(document)
        other = change(document)
        return document if other is None else other

    return make


def set_in(document: dict[str, Any], path: tuple[str | int, ...], value: object) -> None:
    place: Any = document
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value


MEMBER_ROW = ("tables", "members", "rows", 0)
REFUSALS = [
    pytest.param(changed(lambda d: [d]), "import_not_an_export", id="not-an-object"),
    pytest.param(changed(lambda d: set_in(d, ("format",), "x")), "import_not_an_export",
                 id="format"),
    pytest.param(changed(lambda d: set_in(d, ("version",), 2)), "import_version", id="version"),
    pytest.param(changed(lambda d: set_in(d, ("schema_revision",), "0002")),
                 "import_older_revision", id="older-revision"),
    pytest.param(changed(lambda d: set_in(d, ("schema_revision",), "9999")),
                 "import_newer_revision", id="newer-revision"),
    pytest.param(changed(lambda d: set_in(d, ("tables", "alembic_version"),
                                          {"columns": ["version_num"], "rows": [["0001"]]})),
                 "import_unknown_table", id="unknown-table"),
    pytest.param(changed(lambda d: d["tables"]["members"]["columns"].append("password")),
                 "import_unknown_column", id="unknown-column"),
    pytest.param(changed(lambda d: set_in(d, (*MEMBER_ROW, 0), "1")), "import_damaged",
                 id="text-for-a-number"),
    pytest.param(changed(lambda d: d["tables"]["members"]["rows"][0].pop()), "import_damaged",
                 id="short-row"),
    # The organisations are written before the members: all must be rolled back.
    pytest.param(changed(lambda d: set_in(d, (*MEMBER_ROW, 3), 999)), "import_damaged",
                 id="missing-parent"),
]  # fmt: skip


@pytest.mark.parametrize(("document_for", "key"), REFUSALS)
def test_a_refused_import_writes_nothing(
    database_url: str,
    pmg_document: dict[str, Any],
    document_for: Callable[[dict[str, Any]], object],
    key: str,
) -> None:
    before = snapshot(database_url)
    with pytest.raises(InbrengError) as refusal:
        backup.import_network(database_url, document_for(pmg_document))
    assert refusal.value.key == key
    assert snapshot(database_url) == before


def test_the_unchanged_document_is_accepted(
    database_url: str, pmg_document: dict[str, Any]
) -> None:
    """The refusals above fail for their change, not for the document they start from."""
    result = backup.import_network(database_url, copy.deepcopy(pmg_document))
    assert result.rows["members"] == len(pmg_document["tables"]["members"]["rows"])
    assert backup.export_network(database_url)["tables"] == pmg_document["tables"]


def test_an_import_into_a_database_with_a_network_is_refused(
    database_url: str, pmg_document: dict[str, Any]
) -> None:
    load_pmg(database_url)
    before = snapshot(database_url)
    with pytest.raises(InbrengError) as refusal:
        backup.import_network(database_url, copy.deepcopy(pmg_document))
    assert (refusal.value.key, refusal.value.params["table"]) == ("import_not_empty", "network")
    assert snapshot(database_url) == before


def test_an_import_into_a_database_that_was_not_upgraded_is_refused(
    empty_database_url: str, pmg_document: dict[str, Any]
) -> None:
    with pytest.raises(InbrengError) as refusal:
        backup.import_network(empty_database_url, copy.deepcopy(pmg_document))
    assert refusal.value.key == "not_migrated"
    engine = create_database_engine(empty_database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_to_json_is_the_document_with_a_row_per_line(pmg_document: dict[str, Any]) -> None:
    text = backup.to_json(pmg_document)
    assert json.loads(text) == pmg_document
    assert text.endswith("}\n")
    # One line per row: searchable and comparable with grep and diff.
    members = pmg_document["tables"]["members"]["rows"]
    assert [line for line in text.splitlines() if MEMBER in line] == [
        f"   {json.dumps(row, ensure_ascii=False, separators=(',', ':'))},"
        for row in members
        if row[1] == MEMBER
    ]


# --- refusals through the program: one line, exit code 1 --------------------------------


def test_the_program_refuses_with_one_line_and_writes_nothing(
    sqlite_database_url: str, pmg_document: dict[str, Any], tmp_path: Path
) -> None:
    url = sqlite_database_url
    (tmp_path / "pmg.json").write_text(backup.to_json(pmg_document), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"format": "inbreng-network",\n', encoding="utf-8")
    older = dict(pmg_document, schema_revision="0002")
    (tmp_path / "older.json").write_text(backup.to_json(older), encoding="utf-8")

    def refusal(file: str) -> str:
        return error_line(inbreng("network", "import", file, cwd=tmp_path, url=url))

    before = snapshot(url)
    assert refusal("missing.json") == "missing.json bestaat niet."
    assert refusal("broken.json").startswith("broken.json is geen JSON (fout op regel 2)")
    assert refusal("older.json").startswith(
        f"Deze export komt van een database op revisie 0002, deze database staat op "
        f"{head_revision()}."
    )
    assert snapshot(url) == before

    load_pmg(url)
    before = snapshot(url)
    assert refusal("pmg.json").startswith(
        "Deze database bevat al gegevens (1 rij in tabel network)"
    )
    assert snapshot(url) == before
