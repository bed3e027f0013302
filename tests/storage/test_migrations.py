"""Alembic takes an empty database to head, and head is exactly what the models describe; the
schema check of every command reads the revisions as Alembic does."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool, text

from bot.errors import InbrengError
from inbreng.cli.database_runtime import require_migrated
from storage import schema_revision
from storage.database import Database, normalise_url
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base

EXPECTED_TABLES = {
    "alembic_version",
    "network",
    "network_revision",
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


# --- the schema check every command makes, without Alembic -----------------------------


def revision_without_alembic(url: str) -> str | None:
    engine = create_engine(normalise_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return schema_revision.current_revision(connection)
    finally:
        engine.dispose()


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert schema_revision.head_revision() == head_revision()


def test_the_revision_read_without_alembic_is_alembics_at_every_step(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    assert revision_without_alembic(url) is None  # never migrated: no version table

    script = ScriptDirectory.from_config(alembic_config())
    for step in reversed(list(script.walk_revisions())):
        upgrade(url, step.revision)
        assert revision_without_alembic(url) == current_revision(url) == step.revision


def test_a_database_behind_or_ahead_of_head_is_refused(sqlite_database_url: str) -> None:
    engine = create_engine(normalise_url(sqlite_database_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    database = Database(sqlite_database_url)
    try:
        with pytest.raises(InbrengError) as refused:
            require_migrated(database)
    finally:
        database.dispose()

    assert refused.value.key == "not_migrated"
    assert refused.value.params == {"current": "9999", "head": head_revision()}
