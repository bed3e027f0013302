"""Tombstones: what erasure leaves, so that an erased member is not brought back unnoticed.

A tombstone is HMAC-SHA-256 of the normalised e-mail address under a random key of the
installation: it recognises the address when a network file or an import offers it again,
but the list cannot be read back, nor matched against addresses from elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from bot.ports import UnitOfWork


def email_hash(email: str, key: bytes) -> str:
    return hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def bury(uow: UnitOfWork, email: str, *, at: datetime) -> None:
    """Leave a tombstone for this address."""
    uow.tombstones.add(email_hash(email, uow.tombstones.make_key()), at=at)


def is_buried(uow: UnitOfWork, email: str) -> bool:
    key = uow.tombstones.key()
    return key is not None and uow.tombstones.contains(email_hash(email, key))


def buried_among(uow: UnitOfWork, emails: Iterable[str]) -> set[str]:
    """The addresses of `emails` (as given) that have a tombstone: one query for a whole
    network file, where `is_buried` would ask once per member."""
    key = uow.tombstones.key()
    if key is None:
        return set()  # no one was ever erased here
    hashes = {email: email_hash(email, key) for email in emails}
    present = uow.tombstones.present(set(hashes.values()))
    return {email for email, hashed in hashes.items() if hashed in present}


def unbury(uow: UnitOfWork, email: str) -> bool:
    """Remove the tombstone (a re-admission); False if the address had none."""
    key = uow.tombstones.key()
    return key is not None and uow.tombstones.remove(email_hash(email, key))
