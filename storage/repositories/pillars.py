"""Pillars with their topics and channels.

Reads of pillars with their active topics (`list`, `get`, `by_slug`, `by_ids`) come from the
process's `PillarCache` while the network revision is unchanged; every change here sets a
new revision in the same transaction (see `storage.repositories.pillar_cache`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Pillar, PillarData, Platform, Topic, TopicData
from storage.errors import DuplicateError
from storage.models import PillarChannelRow, PillarRow, TopicRow
from storage.repositories._common import require
from storage.repositories.pillar_cache import PillarCache, new_network_revision


def to_topic(row: TopicRow) -> Topic:
    return Topic(
        id=row.id,
        pillar_id=row.pillar_id,
        slug=row.slug,
        name=row.name,
        description=row.description,
        active=row.active,
    )


class SqlPillarRepository:
    def __init__(self, session: Session, *, cache: PillarCache | None = None) -> None:
        """`cache`: the process's, shared by its units of work; without one, a cache of
        this repository's own (so its reads still agree with each other)."""
        self._session = session
        self._cache = cache if cache is not None else PillarCache()

    def get(self, pillar_id: int) -> Pillar | None:
        return next((pillar for pillar in self.list() if pillar.id == pillar_id), None)

    def by_slug(self, slug: str) -> Pillar | None:
        return next((pillar for pillar in self.list() if pillar.slug == slug), None)

    def add(self, data: PillarData) -> Pillar:
        self._check_slug_free(data.slug, pillar_id=None)
        row = PillarRow(slug=data.slug, name=data.name)
        self._session.add(row)
        self._session.flush()
        new_network_revision(self._session)
        return Pillar(id=row.id, slug=row.slug, name=row.name)

    def update(self, pillar_id: int, data: PillarData) -> None:
        row = require(self._session, PillarRow, pillar_id)
        self._check_slug_free(data.slug, pillar_id=pillar_id)
        row.slug = data.slug
        row.name = data.name
        self._session.flush()
        new_network_revision(self._session)

    def all_topics(self, pillar_id: int) -> list[Topic]:
        """Active and inactive topics of a pillar, in the order they were added."""
        query = select(TopicRow).where(TopicRow.pillar_id == pillar_id).order_by(TopicRow.id)
        return [to_topic(row) for row in self._session.scalars(query)]

    def add_topic(self, pillar_id: int, data: TopicData) -> Topic:
        require(self._session, PillarRow, pillar_id)
        self._check_topic_slug_free(pillar_id, data.slug, topic_id=None)
        row = TopicRow(
            pillar_id=pillar_id,
            slug=data.slug,
            name=data.name,
            description=data.description,
            active=True,
        )
        self._session.add(row)
        self._session.flush()
        new_network_revision(self._session)
        return to_topic(row)

    def update_topic(self, topic_id: int, data: TopicData) -> None:
        row = require(self._session, TopicRow, topic_id)
        self._check_topic_slug_free(row.pillar_id, data.slug, topic_id=topic_id)
        row.slug = data.slug
        row.name = data.name
        row.description = data.description
        self._session.flush()
        new_network_revision(self._session)

    def set_topic_active(self, topic_id: int, active: bool) -> None:
        require(self._session, TopicRow, topic_id).active = active
        self._session.flush()
        new_network_revision(self._session)

    def get_topic(self, topic_id: int) -> Topic | None:
        row = self._session.get(TopicRow, topic_id)
        return None if row is None else to_topic(row)

    def set_channel(self, pillar_id: int, platform: Platform, channel_id: str | None) -> None:
        """Set where the pillar's summaries go on `platform`; None removes the channel."""
        require(self._session, PillarRow, pillar_id)
        key = (pillar_id, Platform(platform).value)
        row = self._session.get(PillarChannelRow, key)
        if channel_id is None:
            if row is not None:
                self._session.delete(row)
        elif row is None:
            self._session.add(
                PillarChannelRow(pillar_id=key[0], platform=key[1], channel_id=channel_id)
            )
        else:
            row.channel_id = channel_id
        self._session.flush()
        new_network_revision(self._session)

    def _to_pillars(self, rows: Sequence[PillarRow]) -> list[Pillar]:
        """Pillars with their active topics and channels: three queries for any number."""
        ids = [row.id for row in rows]
        topics: dict[int, list[Topic]] = defaultdict(list)
        topic_query = (
            select(TopicRow)
            .where(TopicRow.pillar_id.in_(ids), TopicRow.active)
            .order_by(TopicRow.id)
        )
        for topic_row in self._session.scalars(topic_query):
            topics[topic_row.pillar_id].append(to_topic(topic_row))
        channels: dict[int, dict[str, str]] = defaultdict(dict)
        channel_query = select(PillarChannelRow).where(PillarChannelRow.pillar_id.in_(ids))
        for channel_row in self._session.scalars(channel_query):
            channels[channel_row.pillar_id][channel_row.platform] = channel_row.channel_id
        return [
            Pillar(
                id=row.id,
                slug=row.slug,
                name=row.name,
                topics=tuple(topics[row.id]),
                channels=dict(channels[row.id]),
            )
            for row in rows
        ]

    def _row_by_slug(self, slug: str) -> PillarRow | None:
        return self._session.scalar(select(PillarRow).where(PillarRow.slug == slug))

    def _check_slug_free(self, slug: str, *, pillar_id: int | None) -> None:
        existing = self._row_by_slug(slug)
        if existing is not None and existing.id != pillar_id:
            raise DuplicateError(f"a pillar with slug {slug!r} already exists")

    def _check_topic_slug_free(self, pillar_id: int, slug: str, *, topic_id: int | None) -> None:
        query = select(TopicRow.id).where(TopicRow.pillar_id == pillar_id, TopicRow.slug == slug)
        existing = self._session.scalar(query)
        if existing is not None and existing != topic_id:
            raise DuplicateError(f"pillar {pillar_id} already has a topic with slug {slug!r}")

    def _read_all(self) -> list[Pillar]:
        rows = self._session.scalars(select(PillarRow).order_by(PillarRow.id)).all()
        return self._to_pillars(rows)

    def by_ids(self, pillar_ids: Collection[int]) -> dict[int, Pillar]:
        wanted = set(pillar_ids)
        return {pillar.id: pillar for pillar in self.list() if pillar.id in wanted}

    def list(self) -> list[Pillar]:
        """In the order they were added."""
        return self._cache.pillars(self._session, self._read_all)
