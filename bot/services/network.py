"""Bringing the stored network in line with the network file.

Loading is idempotent: only differences are written. Whatever has disappeared from the
file is deactivated, never deleted, so members' answers and the history stay intact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.domain import (
    ANY_TENANT,
    AuditEntry,
    Identity,
    MemberData,
    NetworkInfo,
    OrganisationData,
    PillarData,
    Platform,
    TopicData,
)
from bot.network_file import MemberSpec, NetworkSpec, PillarSpec
from bot.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(kw_only=True)
class NetworkChanges:
    """What a load changed, per kind of thing: added, changed, deactivated, reactivated."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def note(self, kind: str, change: str) -> None:
        self.counts[(kind, change)] += 1

    def count(self, kind: str, change: str) -> int:
        return self.counts[(kind, change)]

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def load_network(uow_factory: UnitOfWorkFactory, spec: NetworkSpec) -> NetworkChanges:
    changes = NetworkChanges()
    with uow_factory() as uow:
        info = NetworkInfo(
            name=spec.network.name,
            language=spec.network.language,
            timezone=spec.network.timezone,
            slack_workspaces=spec.network.slack_workspaces,
            teams_tenants=spec.network.teams_tenants,
        )
        current = uow.network.get()
        if current != info:
            uow.network.save(info)
            changes.note("network", "added" if current is None else "changed")
        organisation_ids = _sync_organisations(uow, spec, changes)
        for pillar in spec.pillars:
            _sync_pillar(uow, pillar, changes)
        _sync_members(uow, spec, organisation_ids, changes)
        if changes.changed:
            uow.audit.record(
                AuditEntry(
                    action="network.loaded",
                    subject_type="network",
                    subject_id=None,
                    details={f"{kind}.{change}": n for (kind, change), n in changes.counts.items()},
                )
            )
        uow.commit()
    return changes


def _sync_organisations(
    uow: UnitOfWork, spec: NetworkSpec, changes: NetworkChanges
) -> dict[str, int]:
    existing = {o.slug: o for o in uow.organisations.list(include_inactive=True)}
    ids = {}
    for item in spec.organisations:
        data = OrganisationData(
            slug=item.slug,
            name=item.name,
            code=item.code,
            province=item.province,
            teams_tenant=item.teams_tenant,
        )
        current = existing.get(item.slug)
        if current is None:
            ids[item.slug] = uow.organisations.add(data).id
            changes.note("organisations", "added")
            continue
        ids[item.slug] = current.id
        if current.data() != data:
            uow.organisations.update(current.id, data)
            changes.note("organisations", "changed")
        if not current.active:
            uow.organisations.set_active(current.id, True)
            changes.note("organisations", "reactivated")
    for slug, current in existing.items():
        if slug not in ids and current.active:
            uow.organisations.set_active(current.id, False)
            changes.note("organisations", "deactivated")
    return ids


def _sync_pillar(uow: UnitOfWork, spec: PillarSpec, changes: NetworkChanges) -> None:
    data = PillarData(slug=spec.slug, name=spec.name)
    pillar = uow.pillars.by_slug(spec.slug)
    if pillar is None:
        pillar = uow.pillars.add(data)
        changes.note("pillars", "added")
    elif PillarData(slug=pillar.slug, name=pillar.name) != data:
        uow.pillars.update(pillar.id, data)
        changes.note("pillars", "changed")

    topics = {t.slug: t for t in uow.pillars.all_topics(pillar.id)}
    for item in spec.topics:
        topic_data = TopicData(slug=item.slug, name=item.name, description=item.description)
        current = topics.get(item.slug)
        if current is None:
            uow.pillars.add_topic(pillar.id, topic_data)
            changes.note("topics", "added")
            continue
        if current.data() != topic_data:
            uow.pillars.update_topic(current.id, topic_data)
            changes.note("topics", "changed")
        if not current.active:
            uow.pillars.set_topic_active(current.id, True)
            changes.note("topics", "reactivated")
    wanted = {t.slug for t in spec.topics}
    for slug, current in topics.items():
        if slug not in wanted and current.active:
            uow.pillars.set_topic_active(current.id, False)
            changes.note("topics", "deactivated")

    channels = spec.channels.by_platform()
    for platform in (Platform.SLACK, Platform.TEAMS):
        channel, stored = channels.get(platform.value), pillar.channels.get(platform.value)
        if stored != channel:
            uow.pillars.set_channel(pillar.id, platform, channel)
            changes.note("channels", "added" if stored is None else "changed")


def _member_data(item: MemberSpec, organisation_id: int, default_language: str) -> MemberData:
    return MemberData(
        email=item.email,
        name=item.name,
        organisation_id=organisation_id,
        roles=frozenset(item.roles),
        lead_of=frozenset(item.lead_of),
        pillars=frozenset(item.pillars),
        language=item.language or default_language,
    )


def _sync_members(
    uow: UnitOfWork, spec: NetworkSpec, organisation_ids: dict[str, int], changes: NetworkChanges
) -> None:
    existing = {m.email: m for m in uow.members.list(include_inactive=True)}
    for item in spec.members:
        data = _member_data(item, organisation_ids[item.organisation], spec.network.language)
        current = existing.get(item.email)
        if current is None:
            member_id = uow.members.add(data).id
            changes.note("members", "added")
        else:
            member_id = current.id
            if current.data() != data:
                uow.members.update(current.id, data)
                changes.note("members", "changed")
            if not current.active:
                uow.members.set_active(current.id, True)
                changes.note("members", "reactivated")
        _sync_platform_ids(uow, member_id, item, changes)
    in_file = {m.email for m in spec.members}
    for email, current in existing.items():
        if email not in in_file and current.active:
            uow.members.set_active(current.id, False)
            changes.note("members", "deactivated")


def _sync_platform_ids(
    uow: UnitOfWork, member_id: int, item: MemberSpec, changes: NetworkChanges
) -> None:
    for platform, user_id in ((Platform.SLACK, item.slack_user_id),
                              (Platform.TEAMS, item.teams_user_id)):  # fmt: skip
        if not user_id:
            continue
        current = uow.identities.find(platform, ANY_TENANT, user_id)
        if current is None or current.member_id != member_id:
            uow.identities.save(
                Identity(member_id=member_id, platform=platform, tenant=ANY_TENANT,
                         user_id=user_id)
            )  # fmt: skip
            changes.note("identities", "added" if current is None else "changed")
