"""Alembic takes an empty database to head, and head is exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from storage.database import normalise_url
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base

EXPECTED_TABLES = {
    "alembic_version",
    "network",
    "organisations",
    "members",
    "identities",
    "installations",
    "pillars",
    "topics",
    "pillar_channels",
    "meetings",
    "rounds",
    "round_pillars",
    "round_declines",
    "responses",
    "response_revisions",
    "deliveries",
    "summaries",
    "audit_events",
    "processed_events",
    "tombstones",
    "tombstone_key",
    "send_pacing",
}


def table_names(url: str) -> set[str]:
    engine = create_engine(normalise_url(url), poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_takes_an_empty_database_to_head(empty_database_url: str) -> None:
    assert table_names(empty_database_url) == set()
    assert current_revision(empty_database_url) is None

    upgrade(empty_database_url)

    assert table_names(empty_database_url) == EXPECTED_TABLES
    assert current_revision(empty_database_url) == head_revision()


def test_upgrade_twice_changes_nothing(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)

    assert current_revision(empty_database_url) == head_revision()


def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    engine = create_engine(normalise_url(empty_database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_every_model_table_is_expected() -> None:
    assert set(Base.metadata.tables) == EXPECTED_TABLES - {"alembic_version"}
