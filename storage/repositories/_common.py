"""Small helpers the repositories share."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, inspect
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import Base

RowT = TypeVar("RowT", bound=Base)


def require(session: Session, model: type[RowT], row_id: int) -> RowT:
    """The row with this id, or NotFoundError naming what was missing."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{model.__tablename__} {row_id} does not exist")
    return row


def affected(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched."""
    return cast(CursorResult[Any], result).rowcount


def insert_ignoring_duplicate(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if it was inserted.

    ON CONFLICT DO NOTHING, so that two transactions racing to insert the same row both
    succeed, where a check-then-insert would fail one of them.
    """
    # The dialect in use is loaded already; importing both at the top would load
    # PostgreSQL's (a tenth of a second) into every command on SQLite.
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(model).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(model).values(values).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no insert-or-ignore for the {dialect} dialect")
    # The inserted key comes back only if a row was inserted; a row count is not reliable
    # here (psycopg reports -1 once SQLAlchemy adds RETURNING for the key itself).
    key = inspect(model).primary_key
    return session.execute(statement.returning(*key)).first() is not None
