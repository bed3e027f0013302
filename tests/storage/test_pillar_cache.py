"""The pillars kept per process: read once while the network is unchanged, and never stale,
also when another instance or `inbreng network load` changes them. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import event

from bot.domain import TopicData
from bot.network_file import load_network_file, parse_network
from bot.services.network import load_network
from storage.database import Database
from tests.inbreng.test_cli import inbreng, succeeded
from tests.support import EXAMPLES

EXAMPLE = EXAMPLES / "network.yaml"


@pytest.fixture
def instances(database_url: str) -> Iterator[tuple[Database, Database]]:
    """Two instances on one database, as two servers would be; the network loaded."""
    first, second = Database(database_url), Database(database_url)
    load_network(first.unit_of_work, load_network_file(EXAMPLE))
    try:
        yield first, second
    finally:
        first.dispose()
        second.dispose()


def topic_slugs(database: Database, pillar: str = "financien") -> list[str]:
    with database.unit_of_work() as uow:
        found = uow.pillars.by_slug(pillar)
        assert found is not None
        return [topic.slug for topic in found.topics]


def changed_example(tmp_path: Path) -> Path:
    """The example network with Financiën's first topic renamed and one topic more."""
    network: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    financien = next(p for p in network["pillars"] if p["slug"] == "financien")
    financien["topics"][0]["name"] = "Schoolgebouwen"
    financien["topics"].append(
        {"slug": "grondexploitatie", "name": "Grondexploitatie", "description": "Grond."}
    )
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(network, allow_unicode=True), encoding="utf-8")
    return path


def test_pillars_are_read_once_while_the_network_is_unchanged(
    instances: tuple[Database, Database],
) -> None:
    database, _ = instances
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with database.unit_of_work() as uow:
        first = uow.pillars.list()
    event.listen(database.engine, "before_cursor_execute", count)
    with database.unit_of_work() as uow:
        again = uow.pillars.list()
        by_slug = uow.pillars.by_slug("financien")
    event.remove(database.engine, "before_cursor_execute", count)

    assert again == first
    assert by_slug == next(p for p in first if p.slug == "financien")
    # Only the revision, once per read: no pillar, topic or channel rows.
    assert len(statements) == 2
    assert all("network_revision" in statement for statement in statements)


def test_a_second_instance_sees_a_change_to_the_network(
    instances: tuple[Database, Database], tmp_path: Path
) -> None:
    first, second = instances
    assert "grondexploitatie" not in topic_slugs(second)  # now kept by the second instance

    load_network(first.unit_of_work, parse_network(changed_example(tmp_path).read_text("utf-8")))

    assert "grondexploitatie" in topic_slugs(second)
    with second.unit_of_work() as uow:
        financien = uow.pillars.by_slug("financien")
    assert financien is not None and financien.topics[0].name == "Schoolgebouwen"


def test_network_load_on_the_command_line_changes_what_a_running_instance_reads(
    instances: tuple[Database, Database], database_url: str, tmp_path: Path
) -> None:
    _, running = instances
    assert "grondexploitatie" not in topic_slugs(running)

    succeeded(inbreng("network", "load", str(changed_example(tmp_path)), cwd=tmp_path,
                      url=database_url))  # fmt: skip

    assert "grondexploitatie" in topic_slugs(running)


def test_a_change_rolled_back_is_not_kept(instances: tuple[Database, Database]) -> None:
    database, _ = instances
    with database.unit_of_work() as uow:
        financien = uow.pillars.by_slug("financien")
        assert financien is not None
        uow.pillars.add_topic(
            financien.id, TopicData(slug="grondexploitatie", name="Grond", description="Grond.")
        )
        # Read inside the change: this unit of work sees its own topic.
        assert "grondexploitatie" in topic_slugs_of(uow.pillars.list())
        uow.rollback()

    assert "grondexploitatie" not in topic_slugs(database)


def test_a_deactivated_topic_leaves_every_instance(instances: tuple[Database, Database]) -> None:
    first, second = instances
    assert "onderwijshuisvesting" in topic_slugs(second)
    with first.unit_of_work() as uow:
        financien = uow.pillars.by_slug("financien")
        assert financien is not None
        uow.pillars.set_topic_active(financien.topics[0].id, False)
        uow.commit()

    assert "onderwijshuisvesting" not in topic_slugs(second)
    assert "onderwijshuisvesting" not in topic_slugs(first)


def topic_slugs_of(pillars: list[Any]) -> list[str]:
    return [
        topic.slug for pillar in pillars if pillar.slug == "financien" for topic in pillar.topics
    ]
