"""The whole network as one JSON document, to move it to another database or server.

The document holds every table of `storage.models` (parents first) as column names and rows
of JSON values, and the Alembic revision of the schema they came from:

    {"format": "inbreng-network", "version": 1, "schema_revision": "0003",
     "exported_at": "2026-12-01T09:00:00+00:00",
     "tables": {"network": {"columns": ["id", ...], "rows": [[1, ...]]}, ...}}

Moments are ISO-8601 strings in UTC with their offset, days ISO dates, JSON columns as they
are. No table holds a secret: platform tokens and passwords live in the environment only;
`identities` and `installations` hold addresses (Slack channel ids, Teams conversation
references). The document does hold personal data (names, e-mail addresses, answers), so
nothing here logs row contents.

Every table is kept, `processed_events` too: a platform may still retry an event the old
server handled. Claimed deliveries come back pending (see `_release_claim`). Members with a
tombstone, and what is theirs, are left out (see `storage.backup_erasure`).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    false,
    func,
    select,
)
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.schema import Column

from bot.domain import DeliveryStatus
from bot.errors import InbrengError
from storage import migrate
from storage.backup_erasure import (
    SkippedMember,
    Tombstones,
    add_tombstones,
    leave_out_erased,
    tombstones_in,
)
from storage.columns import UTCDateTime
from storage.database import create_database_engine
from storage.models import Base

logger = logging.getLogger(__name__)

FORMAT = "inbreng-network"
VERSION = 1
BATCH_ROWS = 1000  # rows per INSERT ... VALUES batch

Document = dict[str, Any]
Row = dict[str, Any]
Encoder = Callable[[Any], Any]
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    network_name: str | None
    rows: dict[str, int]  # per table, in the order they were written
    released_claims: int  # deliveries the old server was sending, queued again
    skipped_members: list[SkippedMember] = field(default_factory=list)  # erased: left out
    tombstones_added: int = 0  # taken from another export

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def row_counts(document: Document) -> dict[str, int]:
    return {name: len(table["rows"]) for name, table in document["tables"].items()}


# --- export ------------------------------------------------------------------------------


def export_network(url: str, *, now: datetime | None = None) -> Document:
    """Every table of the database at `url`, read in one transaction (one snapshot).

    Refuses (`not_migrated`) unless the database is at this version's head revision: the
    tables are read with this version's models.
    """
    tables: dict[str, Any] = {}
    engine = create_database_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _begin_snapshot(connection)
            revision = MigrationContext.configure(connection).get_current_revision()
            _require_head(revision)
            for table in Base.metadata.sorted_tables:
                encoders = [_encoder(column) for column in table.columns]
                order = table.primary_key.columns or table.columns
                rows = connection.execute(select(table).order_by(*order))
                tables[table.name] = {
                    "columns": [column.name for column in table.columns],
                    "rows": [
                        [None if value is None else encode(value)
                         for encode, value in zip(encoders, row, strict=True)]
                        for row in rows
                    ],
                }  # fmt: skip
            connection.rollback()
    finally:
        engine.dispose()
    document = {
        "format": FORMAT,
        "version": VERSION,
        "schema_revision": revision,
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "tables": tables,
    }
    logger.info("network exported: %d rows in %d tables", sum(row_counts(document).values()),
                len(tables))  # fmt: skip
    return document


def _begin_snapshot(connection: Connection) -> None:
    """Make every read of `connection` see the same moment."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    elif connection.dialect.name == "sqlite":
        # pysqlite opens no transaction for reads; without one each SELECT sees its own moment.
        connection.exec_driver_sql("BEGIN")


def _encoder(column: Column[Any]) -> Encoder:
    kind = column.type
    if isinstance(kind, (UTCDateTime, DateTime, Date)):
        return _isoformat
    if isinstance(kind, LargeBinary):
        return _base64
    if isinstance(kind, (JSON, Boolean, Integer, String, Float)):
        return _same
    # A new column type must be given an encoding here and a decoding in `_decoder`.
    raise TypeError(f"{column.table.name}.{column.name}: no JSON encoding for {kind!r}")


def _isoformat(value: date) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _same(value: Any) -> Any:
    return value


def to_json(document: Document) -> str:
    """The document as UTF-8 JSON text: keys in the order built, one row per line (so it
    can be read, searched and compared), ending in a newline."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    header = [f" {dump(key)}: {dump(value)}," for key, value in document.items() if key != "tables"]
    blocks = []
    for name, table in document["tables"].items():
        rows = ",\n".join(f"   {dump(row)}" for row in table["rows"])
        blocks.append(
            f'  {dump(name)}: {{"columns": {dump(table["columns"])}, "rows": ['
            + (f"\n{rows}\n  ]}}" if rows else "]}")
        )
    return "{\n" + "\n".join(header) + '\n "tables": {\n' + ",\n".join(blocks) + "\n }\n}\n"


# --- import ------------------------------------------------------------------------------


def import_network(
    url: str, document: object, *, tombstones: Tombstones | None = None
) -> ImportResult:
    """Write the network of `document` into the empty database at `url`, all or nothing.

    `tombstones` (from `tombstones_of` another export) are added to the document's own;
    members with a tombstone are left out, with what is theirs.

    Refuses with an `InbrengError`, having written nothing, when the document is not a
    network export of this format version, when the database is not at this version's head
    revision or the document comes from another revision, when the document names a table
    or column the schema lacks or holds a value its column cannot take, when `tombstones`
    were hashed with another key than the document's, or when the database already holds
    data.
    """
    checked = _checked_header(document)
    _require_head(migrate.current_revision(url))
    _require_same_revision(checked)
    tables = _decoded_tables(checked["tables"])
    added = add_tombstones(tables, tombstones) if tombstones is not None else 0
    skipped = leave_out_erased(tables)
    released = sum(_release_claim(row) for row in tables.get("deliveries", (None, []))[1])

    engine = create_database_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "sqlite":
                # Take the write lock now, so nothing lands between the check and the insert.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            _require_empty(connection)
            for table, rows in tables.values():
                _insert(connection, table, rows)
            _reset_sequences(connection)
    finally:
        engine.dispose()
    network = tables.get("network", (None, []))[1]
    result = ImportResult(
        network_name=network[0]["name"] if network else None,
        rows={name: len(rows) for name, (_, rows) in tables.items()},
        released_claims=released,
        skipped_members=skipped,
        tombstones_added=added,
    )
    logger.info("network imported: %d rows in %d tables, %d claims released, %d erased "
                "members left out", result.total_rows, len(tables), released,
                len(skipped))  # fmt: skip
    return result


def tombstones_of(document: object) -> Tombstones:
    """The tombstones (and their key) of another export, for `import_network`; refuses a
    document that is no export of this format version and schema revision."""
    checked = _checked_header(document)
    _require_same_revision(checked)
    wanted = {name: checked["tables"][name] for name in ("tombstone_key", "tombstones")
              if name in checked["tables"]}  # fmt: skip
    return tombstones_in(_decoded_tables(wanted))


def _require_head(revision: str | None) -> None:
    head = migrate.head_revision()
    if revision != head:
        raise InbrengError("not_migrated", current=revision, head=head)


def _require_same_revision(document: Mapping[str, Any]) -> None:
    head = migrate.head_revision()
    revision = document.get("schema_revision")
    if revision != head:
        newer = not isinstance(revision, str) or not migrate.known_revision(revision)
        key = "import_newer_revision" if newer else "import_older_revision"
        raise InbrengError(key, revision=str(revision), head=head)


def _checked_header(document: object) -> Mapping[str, Any]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InbrengError("import_not_an_export")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise InbrengError("import_version", value=str(version), known=str(VERSION))
    if not isinstance(document.get("tables"), dict):
        raise InbrengError("import_damaged", table="tables", row=None)
    return document


def _decoded_tables(document_tables: Mapping[str, Any]) -> dict[str, tuple[Table, list[Row]]]:
    """The document's rows as the column types' Python values, in the schema's order."""
    known = Base.metadata.tables
    for name in document_tables:
        if name not in known:
            raise InbrengError("import_unknown_table", table=name)
    decoded = {}
    for table in Base.metadata.sorted_tables:
        if table.name in document_tables:
            decoded[table.name] = (table, _decoded_rows(table, document_tables[table.name]))
    return decoded


def _decoded_rows(table: Table, content: object) -> list[Row]:
    if not isinstance(content, dict):
        raise InbrengError("import_damaged", table=table.name, row=None)
    columns, rows = content.get("columns"), content.get("rows")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise InbrengError("import_damaged", table=table.name, row=None)
    for name in columns:
        if not isinstance(name, str) or name not in table.columns:
            raise InbrengError("import_unknown_column", table=table.name, column=str(name))
    if sorted(columns) != sorted(table.columns.keys()):
        raise InbrengError("import_damaged", table=table.name, row=None)
    decoders = [_decoder(table.columns[name]) for name in columns]
    decoded = []
    for number, values in enumerate(rows, start=1):
        try:
            if not isinstance(values, list) or len(values) != len(columns):
                raise ValueError("not a row of the table's columns")
            decoded.append(
                {name: None if value is None else decode(value)
                 for name, decode, value in zip(columns, decoders, values, strict=True)}
            )  # fmt: skip
        except (TypeError, ValueError):
            raise InbrengError("import_damaged", table=table.name, row=number) from None
    return decoded


def _decoder(column: Column[Any]) -> Encoder:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _aware_datetime
    if isinstance(kind, DateTime):
        return lambda value: datetime.fromisoformat(_of(str, value))
    if isinstance(kind, Date):
        return lambda value: date.fromisoformat(_of(str, value))
    if isinstance(kind, LargeBinary):
        return lambda value: base64.b64decode(_of(str, value), validate=True)
    if isinstance(kind, Boolean):
        return lambda value: _of(bool, value)
    if isinstance(kind, Integer):
        return lambda value: _of(int, value)
    if isinstance(kind, String):
        return lambda value: _of(str, value)
    if isinstance(kind, Float):
        return _float
    if isinstance(kind, JSON):
        return _same
    raise TypeError(f"{column.table.name}.{column.name}: no JSON decoding for {kind!r}")


def _of(kind: type[T], value: object) -> T:
    # `type(...) is`, not isinstance: True is no integer here, and 1 no boolean.
    if type(value) is not kind:
        raise TypeError(f"expected {kind.__name__}")
    return value


def _float(value: object) -> float:
    # JSON writes 2.0 back as 2.0, but a hand-edited document may say 2.
    if type(value) not in (int, float):
        raise TypeError("expected float")
    return float(value)  # type: ignore[arg-type]


def _aware_datetime(value: object) -> datetime:
    moment = datetime.fromisoformat(_of(str, value))
    if moment.utcoffset() is None:
        raise ValueError("a moment without a time zone")
    return moment


def _release_claim(row: Row) -> bool:
    """A delivery the old server had claimed goes back in the queue for the new one.

    The old server may have sent it before it stopped, so it is marked uncertain: the
    outbox then looks for the message on the platform before sending it again, as it does
    when another instance's claim runs out.
    """
    if row.get("status") != DeliveryStatus.CLAIMED.value:
        return False
    row.update(status=DeliveryStatus.PENDING.value, claimed_by=None, claimed_until=None,
               uncertain=True)  # fmt: skip
    return True


def _require_empty(connection: Connection) -> None:
    tables = sorted(Base.metadata.sorted_tables, key=lambda table: table.name != "network")
    for table in tables:
        count = connection.scalar(select(func.count()).select_from(table))
        if count:
            raise InbrengError("import_not_empty", table=table.name, count=count)


def _insert(connection: Connection, table: Table, rows: list[Row]) -> None:
    for batch in _batches(rows):
        try:
            connection.execute(table.insert(), batch)
        except (IntegrityError, DataError):
            # A hand-edited document: a missing parent, a duplicate, a value too long.
            raise InbrengError("import_damaged", table=table.name, row=None) from None


def _batches(rows: list[Row]) -> Iterator[list[Row]]:
    for start in range(0, len(rows), BATCH_ROWS):
        yield rows[start : start + BATCH_ROWS]


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from a sequence per table, which explicit ids do not move:
    set each to the highest id, so the next row does not collide. SQLite needs nothing."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        connection.execute(
            select(func.setval(sequence, func.coalesce(func.max(column), 0) + 1, false()))
        )
