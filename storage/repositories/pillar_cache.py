"""The network's pillars (with topics and channels) kept per process, and the revision that
says whether they are still current.

Every change to a pillar, topic or channel sets a new random token in the one-row
`network_revision` table, in the same transaction as the change. A unit of work reads that
token (one primary-key read) and uses the kept pillars only when they were read at the same
token, so a change committed by another instance on the same database, or by
`inbreng network load` in another process, is seen by the next unit of work that begins
after it. Random tokens rather than a counter: a rolled-back change, or a database
restored from an export, can never bring back a token whose pillars differ.

Without the row (a database that has had no pillar written since the table came) nothing is
kept: the pillars are read each time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import Pillar
from storage.models import NetworkRevisionRow
from storage.repositories._common import insert_ignoring_duplicate

_ONLY_ROW = 1


def network_revision(session: Session) -> str | None:
    """The token of the network's pillars as this transaction sees them; None: none kept."""
    return session.scalar(
        select(NetworkRevisionRow.token).where(NetworkRevisionRow.id == _ONLY_ROW)
    )


def new_network_revision(session: Session) -> None:
    """Mark the pillars changed, in the transaction that changes them."""
    token = uuid.uuid4().hex
    # Insert-or-ignore first, so two instances racing to write the first row both succeed.
    if not insert_ignoring_duplicate(
        session, NetworkRevisionRow, {"id": _ONLY_ROW, "token": token}
    ):
        session.execute(
            update(NetworkRevisionRow).where(NetworkRevisionRow.id == _ONLY_ROW).values(token=token)
        )


class PillarCache:
    """The pillars of one database, kept for every unit of work of the process."""

    def __init__(self) -> None:
        # One (token, pillars) pair, replaced whole: threads never see half of it.
        self._kept: tuple[str, tuple[Pillar, ...]] | None = None

    def pillars(self, session: Session, read: Callable[[], list[Pillar]]) -> list[Pillar]:
        """Every pillar, in the order added: the kept ones if current, else `read()`."""
        token = network_revision(session)
        kept = self._kept
        if token is not None and kept is not None and kept[0] == token:
            return list(kept[1])
        pillars = read()
        # Keep them only when no change landed while they were read: under READ COMMITTED
        # each statement may see a newer commit, and the token moves with every change.
        if token is not None and network_revision(session) == token:
            self._kept = (token, tuple(pillars))
        return pillars
