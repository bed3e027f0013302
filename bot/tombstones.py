"""Tombstones: what erasure leaves, so that an erased member is not brought back unnoticed.

A tombstone is HMAC-SHA-256 of the normalised e-mail address under a random key of the
installation: it recognises the address when a network file or an import offers it again,
but the list cannot be read back, nor matched against addresses from elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
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


def unbury(uow: UnitOfWork, email: str) -> bool:
    """Remove the tombstone (a re-admission); False if the address had none."""
    key = uow.tombstones.key()
    return key is not None and uow.tombstones.remove(email_hash(email, key))
