"""Bring a database's schema up to date with Alembic, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, pool, text

from storage.database import MIGRATION_TIMEOUTS, connect_arguments, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x1A8B_4E6C  # this application's advisory lock for migrations


def alembic_config() -> Config:
    """An Alembic config pointing at the migrations inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")  # paths may contain spaces
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, in one transaction where it can."""
    config = alembic_config()
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Instances that start together (`serve --migrate`) migrate one at a time;
                # the others then find the schema at head and do nothing.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _engine(url: str) -> Engine:
    # Connecting is bounded; a schema change may take its time.
    parsed = normalise_url(url)
    return create_engine(
        parsed,
        poolclass=pool.NullPool,
        connect_args=connect_arguments(parsed, MIGRATION_TIMEOUTS),
    )


def head_revision() -> str:
    """The newest revision this version of the bot knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS / 'versions'}")
    return head


def known_revision(revision: str) -> bool:
    """Whether this version of the bot has `revision` (a newer one's database has not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
