"""Responses (inbreng) and the versions they replaced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain import Attribution, Response, ResponseData, ResponseRevision
from storage.models import ResponseRevisionRow, ResponseRow
from storage.repositories._common import affected, require


def to_response(row: ResponseRow) -> Response:
    return Response(
        id=row.id,
        round_id=row.round_id,
        member_id=row.member_id,
        organisation_id=row.organisation_id,
        topic_id=row.topic_id,
        text=row.text,
        network_help=row.network_help,
        attribution=Attribution(row.attribution),
        created_at=row.created_at,
        edited_at=row.edited_at,
        withdrawn_at=row.withdrawn_at,
    )


def to_revision(row: ResponseRevisionRow) -> ResponseRevision:
    return ResponseRevision(
        response_id=row.response_id,
        topic_id=row.topic_id,
        text=row.text,
        network_help=row.network_help,
        attribution=Attribution(row.attribution),
        replaced_at=row.replaced_at,
    )


class SqlResponseRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, response_id: int) -> Response | None:
        row = self._session.get(ResponseRow, response_id)
        return None if row is None else to_response(row)

    def for_round(self, round_id: int, *, include_withdrawn: bool = False) -> list[Response]:
        """In the order they were given."""
        query = select(ResponseRow).where(ResponseRow.round_id == round_id)
        if not include_withdrawn:
            query = query.where(ResponseRow.withdrawn_at.is_(None))
        return [to_response(row) for row in self._session.scalars(query.order_by(ResponseRow.id))]

    def for_member(self, member_id: int, *, include_withdrawn: bool = False) -> list[Response]:
        """In the order they were given."""
        query = select(ResponseRow).where(ResponseRow.member_id == member_id)
        if not include_withdrawn:
            query = query.where(ResponseRow.withdrawn_at.is_(None))
        return [to_response(row) for row in self._session.scalars(query.order_by(ResponseRow.id))]

    def add(self, data: ResponseData, *, at: datetime) -> Response:
        row = ResponseRow(
            round_id=data.round_id,
            member_id=data.member_id,
            organisation_id=data.organisation_id,
            topic_id=data.topic_id,
            text=data.text,
            network_help=data.network_help,
            attribution=Attribution(data.attribution).value,
            created_at=at,
            edited_at=None,
            withdrawn_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return to_response(row)

    def update(self, response_id: int, data: ResponseData, *, at: datetime) -> None:
        """Change topic, text, network help and attribution; the old version is kept.

        A response stays with its round, member and organisation: `data` naming others
        is a ValueError.
        """
        row = require(self._session, ResponseRow, response_id)
        if (data.round_id, data.member_id, data.organisation_id) != (
            row.round_id,
            row.member_id,
            row.organisation_id,
        ):
            raise ValueError(
                f"response {response_id} cannot move to another round, member or organisation"
            )
        self._session.add(
            ResponseRevisionRow(
                response_id=row.id,
                topic_id=row.topic_id,
                text=row.text,
                network_help=row.network_help,
                attribution=row.attribution,
                replaced_at=at,
            )
        )
        row.topic_id = data.topic_id
        row.text = data.text
        row.network_help = data.network_help
        row.attribution = Attribution(data.attribution).value
        row.edited_at = at
        self._session.flush()

    def withdraw(self, response_id: int, *, at: datetime) -> None:
        """Mark the response withdrawn; withdrawing again keeps the first moment."""
        row = require(self._session, ResponseRow, response_id)
        if row.withdrawn_at is None:
            row.withdrawn_at = at
            self._session.flush()

    def revisions(self, response_id: int) -> list[ResponseRevision]:
        """Oldest first."""
        query = (
            select(ResponseRevisionRow)
            .where(ResponseRevisionRow.response_id == response_id)
            .order_by(ResponseRevisionRow.replaced_at, ResponseRevisionRow.id)
        )
        return [to_revision(row) for row in self._session.scalars(query)]

    def delete_for_member(self, member_id: int) -> int:
        """Delete a member's responses with their revisions; returns how many responses."""
        self._delete_revisions_of(member_id)
        statement = delete(ResponseRow).where(ResponseRow.member_id == member_id)
        return affected(self._session.execute(statement))

    def anonymise_for_member(self, member_id: int) -> int:
        """Unlink a member's responses, make them anonymous, drop their revisions.

        The revisions go too: an earlier version may name the member in its text or
        attribution.
        """
        self._delete_revisions_of(member_id)
        statement = (
            update(ResponseRow)
            .where(ResponseRow.member_id == member_id)
            .values(member_id=None, attribution=Attribution.ANONYMOUS.value)
        )
        return affected(self._session.execute(statement))

    def anonymise_for_round(self, round_id: int) -> int:
        """As `anonymise_for_member`, for every response of a round not anonymous yet."""
        identifiable = (ResponseRow.round_id == round_id) & (
            ResponseRow.member_id.is_not(None)
            | (ResponseRow.attribution != Attribution.ANONYMOUS.value)
        )
        self._session.execute(
            delete(ResponseRevisionRow).where(
                ResponseRevisionRow.response_id.in_(select(ResponseRow.id).where(identifiable))
            )
        )
        statement = (
            update(ResponseRow)
            .where(identifiable)
            .values(member_id=None, attribution=Attribution.ANONYMOUS.value)
        )
        return affected(self._session.execute(statement))

    def delete_for_round(self, round_id: int) -> int:
        """Delete a round's responses with their revisions; returns how many responses."""
        in_round = select(ResponseRow.id).where(ResponseRow.round_id == round_id)
        self._session.execute(
            delete(ResponseRevisionRow).where(ResponseRevisionRow.response_id.in_(in_round))
        )
        statement = delete(ResponseRow).where(ResponseRow.round_id == round_id)
        return affected(self._session.execute(statement))

    def _delete_revisions_of(self, member_id: int) -> None:
        # Explicit rather than left to ON DELETE CASCADE: anonymising keeps the response.
        owned = select(ResponseRow.id).where(ResponseRow.member_id == member_id)
        self._session.execute(
            delete(ResponseRevisionRow).where(ResponseRevisionRow.response_id.in_(owned))
        )
