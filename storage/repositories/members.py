"""Members: the people of the organisations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Member, MemberData, Role
from storage.errors import DuplicateError
from storage.models import MemberRow
from storage.repositories._common import require


def normalise_email(email: str) -> str:
    """The stored form of an address: e-mail is matched case-insensitively."""
    return email.strip().lower()


def to_member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        email=row.email,
        name=row.name,
        organisation_id=row.organisation_id,
        roles=frozenset(Role(role) for role in row.roles),
        lead_of=frozenset(row.lead_of),
        pillars=frozenset(row.pillars),
        language=row.language,
        active=row.active,
        out_of_office_until=row.out_of_office_until,
    )


class SqlMemberRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, member_id: int) -> Member | None:
        row = self._session.get(MemberRow, member_id)
        return None if row is None else to_member(row)

    def by_email(self, email: str) -> Member | None:
        """Case-insensitive; finds inactive members too."""
        row = self._row_by_email(email)
        return None if row is None else to_member(row)

    def add(self, data: MemberData) -> Member:
        row = MemberRow(active=True, out_of_office_until=None, erased_at=None)
        self._apply(row, data)
        self._session.add(row)
        self._session.flush()
        return to_member(row)

    def update(self, member_id: int, data: MemberData) -> None:
        self._apply(require(self._session, MemberRow, member_id), data)
        self._session.flush()

    def set_active(self, member_id: int, active: bool) -> None:
        require(self._session, MemberRow, member_id).active = active
        self._session.flush()

    def set_language(self, member_id: int, language: str) -> None:
        require(self._session, MemberRow, member_id).language = language
        self._session.flush()

    def set_out_of_office(self, member_id: int, until: date | None) -> None:
        require(self._session, MemberRow, member_id).out_of_office_until = until
        self._session.flush()

    def erase(self, member_id: int, *, at: datetime) -> None:
        """Scrub name and e-mail and deactivate; the row stays for the audit trail."""
        row = require(self._session, MemberRow, member_id)
        row.name = ""
        row.email = f"erased-{member_id}@erased.invalid"
        row.active = False
        row.out_of_office_until = None
        row.erased_at = at
        self._session.flush()

    def _apply(self, row: MemberRow, data: MemberData) -> None:
        email = normalise_email(data.email)
        existing = self._row_by_email(email)
        if existing is not None and existing is not row:
            raise DuplicateError("another member has this e-mail address")
        row.email = email
        row.name = data.name
        row.organisation_id = data.organisation_id
        # Sorted lists, so the stored JSON does not depend on set order.
        row.roles = sorted(Role(role).value for role in data.roles)
        row.lead_of = sorted(data.lead_of)
        row.pillars = sorted(data.pillars)
        row.language = data.language

    def _row_by_email(self, email: str) -> MemberRow | None:
        query = select(MemberRow).where(MemberRow.email == normalise_email(email))
        return self._session.scalar(query)

    def list(self, *, include_inactive: bool = False) -> list[Member]:
        """In the order they were added."""
        query = select(MemberRow).order_by(MemberRow.id)
        if not include_inactive:
            query = query.where(MemberRow.active)
        return [to_member(row) for row in self._session.scalars(query)]
