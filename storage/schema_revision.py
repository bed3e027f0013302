"""The schema revision a database is at, and the newest one this version knows, read
without Alembic.

Every command checks the schema before it runs. Alembic's script directory and migration
context take most of a second to load, where the migration files' own headers and one query
of Alembic's version table say the same; `storage.migrate` still changes the schema.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default, which storage/migrations/env.py keeps
_REVISION = re.compile(r"^revision(?:: str)? = ['\"](?P<id>[^'\"]+)['\"]$", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:: [^=]+)? = (?:['\"](?P<id>[^'\"]+)['\"]|None)$", re.MULTILINE
)


@cache
def head_revision() -> str:
    """The revision no other revision follows: the newest this version of the bot knows."""
    follows: dict[str, str | None] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        if revision is None:
            continue  # not a migration (the package's __init__)
        down = _DOWN_REVISION.search(source)
        if down is None:
            raise RuntimeError(f"{path.name}: no down_revision line")
        follows[revision["id"]] = down["id"]
    heads = sorted(set(follows) - set(follows.values()))
    if len(heads) != 1:
        raise RuntimeError(f"expected one head revision in {VERSIONS}, found {heads}")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None when it was never migrated. Several heads (a
    database of a branched history, which this bot never writes) read as one joined string,
    so they never equal a head."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    revisions = sorted(rows)
    return ",".join(revisions) if revisions else None
