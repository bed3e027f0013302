"""Tombstones of erased members: keyed hashes of their e-mail addresses."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import TombstoneKeyRow, TombstoneRow
from storage.repositories._common import affected, insert_ignoring_duplicate

_ONLY_ROW = 1
# Hashes per IN list: well below SQLite's limit of bound parameters in one statement.
_BATCH = 500


class SqlTombstoneRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def key(self) -> bytes | None:
        row = self._session.get(TombstoneKeyRow, _ONLY_ROW)
        return None if row is None else bytes.fromhex(row.key)

    def make_key(self) -> bytes:
        """The key, made now if there is none; two instances racing both get the same."""
        values = {"id": _ONLY_ROW, "key": secrets.token_hex(32)}
        insert_ignoring_duplicate(self._session, TombstoneKeyRow, values)
        key = self.key()
        assert key is not None  # inserted above, or by the transaction that won the race
        return key

    def add(self, email_hash: str, *, at: datetime) -> None:
        values = {"email_hash": email_hash, "erased_at": at}
        insert_ignoring_duplicate(self._session, TombstoneRow, values)

    def contains(self, email_hash: str) -> bool:
        query = select(TombstoneRow.id).where(TombstoneRow.email_hash == email_hash)
        return self._session.scalar(query) is not None

    def present(self, email_hashes: Collection[str]) -> set[str]:
        wanted = sorted(email_hashes)
        found: set[str] = set()
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            query = select(TombstoneRow.email_hash).where(TombstoneRow.email_hash.in_(batch))
            found.update(self._session.scalars(query))
        return found

    def remove(self, email_hash: str) -> bool:
        statement = delete(TombstoneRow).where(TombstoneRow.email_hash == email_hash)
        return affected(self._session.execute(statement)) > 0
