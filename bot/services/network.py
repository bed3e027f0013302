"""Bringing the stored network in line with the network file.

Loading is idempotent: only differences are written. Whatever has disappeared from the
file is deactivated, never deleted, so members' answers and the history stay intact.

An erased member stays erased: a member of the file whose address has a tombstone
(`bot.tombstones`) is skipped, with the ids the file gives them, unless this load readmits
them explicitly; the readmission is written to the audit log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.audit import AuditActor
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
from bot.errors import InbrengError
from bot.network_file import MemberSpec, NetworkSpec, PillarSpec
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.tombstones import buried_among, unbury


@dataclass(frozen=True, kw_only=True)
class Readmission:
    """Erased members to let back in with a load, and who decided it (for the audit log)."""

    emails: frozenset[str]
    by: AuditActor


@dataclass(kw_only=True)
class NetworkChanges:
    """What a load changed, per kind of thing: added, changed, deactivated, reactivated;
    and the addresses of the file it skipped (erased; in file order) and readmitted."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    readmitted: list[str] = field(default_factory=list)

    def note(self, kind: str, change: str) -> None:
        self.counts[(kind, change)] += 1

    def count(self, kind: str, change: str) -> int:
        return self.counts[(kind, change)]

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def load_network(
    uow_factory: UnitOfWorkFactory, spec: NetworkSpec, *, readmission: Readmission | None = None
) -> NetworkChanges:
    """Bring the stored network in line with `spec`, in one transaction. A readmission of an
    address that is not in the file, or has no tombstone, is refused before anything is
    written."""
    changes = NetworkChanges()
    with uow_factory() as uow:
        readmitted = _readmit(uow, spec, readmission)
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
        if changes.changed or changes.skipped:
            details = {f"{kind}.{change}": n for (kind, change), n in changes.counts.items()}
            if changes.skipped:
                details["members.skipped"] = len(changes.skipped)  # how many, never who
            uow.audit.record(
                AuditEntry(
                    action="network.loaded",
                    subject_type="network",
                    subject_id=None,
                    details=details,
                )
            )
        if readmission is not None:
            _record_readmissions(uow, readmitted, readmission.by, changes)
        uow.commit()
    return changes


def _readmit(uow: UnitOfWork, spec: NetworkSpec, readmission: Readmission | None) -> list[str]:
    """Remove the tombstones of the addresses to readmit; refuses, having changed nothing,
    an address the file lacks or that has no tombstone."""
    if readmission is None:
        return []
    in_file = {m.email for m in spec.members}
    emails = sorted({email.strip().lower() for email in readmission.emails})
    for email in emails:
        if email not in in_file:
            raise InbrengError("readmit_not_in_file", email=email)
    buried = buried_among(uow, emails)
    for email in emails:
        if email not in buried:
            raise InbrengError("readmit_not_erased", email=email)
    for email in emails:
        unbury(uow, email)
    return emails


def _record_readmissions(
    uow: UnitOfWork, emails: list[str], by: AuditActor, changes: NetworkChanges
) -> None:
    """One entry per readmitted member, naming the new member row, never the address."""
    for email in emails:
        member = uow.members.by_email(email)
        assert member is not None  # in the file and no longer buried: added above
        changes.readmitted.append(email)
        uow.audit.record(by.entry("member.readmitted", subject_type="member", subject_id=member.id))


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
    # Erased rows are scrubbed, so an erased member's entry would look new and be added.
    buried = buried_among(uow, (m.email for m in spec.members))
    for item in spec.members:
        if item.email in buried:
            changes.skipped.append(item.email)
            continue
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
    in_file = {m.email for m in spec.members} - buried
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
