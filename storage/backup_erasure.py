"""Erased stays erased across an import: a member row of an export whose e-mail address has a
tombstone is not imported, nor anything of theirs.

The tombstones are the document's own, plus those of another export given with
`network import --tombstones` (typically today's export, when restoring an older backup:
it knows who was erased since). Both must share the key of the hashes; the key travels
with the tombstones.

What goes with a member follows the schema's ON DELETE rules, as if the row were deleted:
what the member owns goes (CASCADE: identities, declines, deliveries, and what those own),
a pointer to who did something is cleared (SET NULL: who created a round, who acted in the
audit log). Answers go too, although erasure may keep them anonymised: which the member
chose is not known here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from bot.errors import InbrengError
from bot.tombstones import email_hash
from storage.models import Base

Row = dict[str, Any]
Tables = dict[str, tuple[Table, list[Row]]]

# Foreign keys whose rows leave with the member although the schema keeps them (SET NULL).
_LEAVE_WITH_MEMBER = frozenset({("responses", "member_id")})


@dataclass(frozen=True, kw_only=True)
class Tombstones:
    """The tombstones of an export document, and the key of their hashes (None: no one
    was ever erased there)."""

    key: str | None
    rows: list[Row]


@dataclass(frozen=True, kw_only=True)
class SkippedMember:
    """A member row left out of an import, with how many rows of theirs went with it."""

    member_id: int
    rows: Counter[str] = field(default_factory=Counter)  # per table

    @property
    def answers(self) -> int:
        return self.rows["responses"]


def tombstones_in(tables: Tables) -> Tombstones:
    keys = _rows(tables, "tombstone_key")
    return Tombstones(key=keys[0]["key"] if keys else None, rows=_rows(tables, "tombstones"))


def add_tombstones(tables: Tables, other: Tombstones) -> int:
    """Add `other`'s tombstones (and key, if the document has none) to the document's;
    returns how many were new. Refuses tombstones hashed with another key: they cannot
    be compared."""
    own = tombstones_in(tables)
    if other.key is None:
        return 0
    if own.key is not None and own.key != other.key:
        raise InbrengError("import_tombstone_keys_differ")
    if own.key is None:
        _set_rows(tables, "tombstone_key", [{"id": 1, "key": other.key}])
    known = {row["email_hash"] for row in own.rows}
    next_id = max((row["id"] for row in own.rows), default=0) + 1
    added: list[Row] = []
    for row in other.rows:
        if row["email_hash"] not in known:
            known.add(row["email_hash"])
            added.append({**row, "id": next_id + len(added)})
    _set_rows(tables, "tombstones", own.rows + added)
    return len(added)


def leave_out_erased(tables: Tables) -> list[SkippedMember]:
    """Take out of `tables` (decoded, parents first) every member whose address has a
    tombstone, and what goes with them; returns who, in row order."""
    tombstones = tombstones_in(tables)
    if tombstones.key is None:
        return []
    key = bytes.fromhex(tombstones.key)
    buried = {row["email_hash"] for row in tombstones.rows}
    skipped = {
        row["id"]: SkippedMember(member_id=row["id"])
        for row in _rows(tables, "members")
        if email_hash(row["email"], key) in buried
    }
    if not skipped:
        return []
    gone: dict[str, list[Row]] = {}
    for name, (table, rows) in tables.items():
        if name == "members":
            leaving = [row["id"] in skipped for row in rows]
        else:
            leaving = _leaving_with(table, rows, gone, skipped)
        gone[name] = [row for row, out in zip(rows, leaving, strict=True) if out]
        tables[name] = (table, [row for row, out in zip(rows, leaving, strict=True) if not out])
    return list(skipped.values())


def _leaving_with(
    table: Table, rows: list[Row], gone: dict[str, list[Row]], skipped: dict[int, SkippedMember]
) -> list[bool]:
    """Which of `rows` leave with the rows already taken out; clears pointers to them."""
    leaving = [False] * len(rows)
    for foreign_key in table.foreign_keys:
        parent = foreign_key.column.table.name
        removed = {row[foreign_key.column.name] for row in gone.get(parent, ())}
        if not removed:
            continue
        column = foreign_key.parent.name
        rule = foreign_key.ondelete
        for index, row in enumerate(rows):
            if row[column] not in removed:
                continue
            if rule == "CASCADE" or (table.name, column) in _LEAVE_WITH_MEMBER:
                if not leaving[index] and parent == "members":
                    skipped[row[column]].rows[table.name] += 1
                leaving[index] = True
            elif rule == "SET NULL":
                row[column] = None
            else:
                # A new foreign key to a member's rows needs a rule: keep, clear or leave out.
                raise TypeError(f"{table.name}.{column}: no rule for a left-out {parent} row")
    return leaving


def _rows(tables: Tables, name: str) -> list[Row]:
    return tables[name][1] if name in tables else []


def _set_rows(tables: Tables, name: str, rows: list[Row]) -> None:
    # These tables point at no other, so where a new entry lands in the order is of no matter.
    tables[name] = (Base.metadata.tables[name], rows)
