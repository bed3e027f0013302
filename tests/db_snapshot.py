"""Every row of every table: to show that a refusal or a repeated load changed nothing."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import create_database_engine
from storage.models import Base

Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(database_url: str) -> Snapshot:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in connection.execute(select(table))), key=repr
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()
