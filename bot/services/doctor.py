"""What the database says for `inbreng doctor`: the network as loaded, and the scheduler's
state (work that should have been done by now means no `inbreng serve` is doing it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.doctor import Finding, Level
from bot.domain import DeliveryStatus, Platform, RoundStatus
from bot.ports import Clock, UnitOfWorkFactory
from bot.sending_window import SendingWindow

# A running scheduler acts within seconds (INBRENG_TICK_SECONDS); this much later, nobody is.
LATE = timedelta(minutes=15)

AREA = "scheduler"


def network_findings(uow_factory: UnitOfWorkFactory, *, timezone: str) -> list[Finding]:
    with uow_factory() as uow:
        network = uow.network.get()
        organisations = len(uow.organisations.list())
        members = len(uow.members.list())
        pillars = uow.pillars.list()
    if network is None:
        return [Finding("network", Level.FAULT, "missing")]
    findings = [
        Finding(
            "network",
            Level.OK,
            "loaded",
            {
                "name": network.name,
                "organisations": organisations,
                "members": members,
                "pillars": len(pillars),
            },
        )
    ]
    if network.timezone != timezone:
        findings.append(
            Finding(
                "network",
                Level.WARNING,
                "other_timezone",
                {"name": network.name, "zone": network.timezone, "configured": timezone},
            )
        )
    findings += [
        Finding("network", Level.WARNING, "pillar_without_channel", {"pillar": pillar.name})
        for pillar in pillars
        if not pillar.channels
    ]
    return findings


@dataclass(frozen=True, kw_only=True)
class Platforms:
    """Which chat platforms an installation serves (or a network file speaks of)."""

    slack: bool = False
    teams: bool = False


def trust_findings(uow_factory: UnitOfWorkFactory, *, configured: Platforms) -> list[Finding]:
    """Whether the network trusts a workspace or tenant on each platform in use: the ones
    configured here, and the ones the network file itself speaks of (a trusted id or a
    channel). Without one, nobody on that platform can be recognised as a member."""
    with uow_factory() as uow:
        network = uow.network.get()
        organisations = [o for o in uow.organisations.list() if o.active]
        with_members = {m.organisation_id for m in uow.members.list()}
        channels = {platform for p in uow.pillars.list() for platform in p.channels}
    if network is None:
        return []
    findings = []
    if configured.slack or network.slack_workspaces or Platform.SLACK.value in channels:
        if network.slack_workspaces:
            params = {"workspaces": list(network.slack_workspaces)}
            findings.append(Finding("trust", Level.OK, "slack", params))
        else:
            findings.append(Finding("trust", Level.WARNING, "no_slack_workspace"))
    uses_teams = network.teams_tenants or any(o.teams_tenant for o in organisations)
    if configured.teams or uses_teams or Platform.TEAMS.value in channels:
        untrusted = [
            o.name
            for o in organisations
            if o.id in with_members and not (o.teams_tenant or network.teams_tenants)
        ]
        if not untrusted:
            findings.append(Finding("trust", Level.OK, "teams"))
        elif not uses_teams:
            findings.append(Finding("trust", Level.WARNING, "no_teams_tenant"))
        else:
            params = {"names": untrusted}
            findings.append(Finding("trust", Level.WARNING, "teams_tenant_missing", params))
    return findings


def scheduler_findings(
    uow_factory: UnitOfWorkFactory, *, clock: Clock, window: SendingWindow
) -> list[Finding]:
    now = clock.now()
    with uow_factory() as uow:
        backlog = uow.deliveries.backlog(now)
        rounds = uow.rounds.list(
            statuses=(RoundStatus.SCHEDULED, RoundStatus.OPEN, RoundStatus.CLOSED)
        )
    findings = [
        Finding(AREA, Level.WARNING, "late_to_open", {"id": r.id, "when": r.opens_at})
        for r in rounds
        if r.status is RoundStatus.SCHEDULED and r.opens_at <= now - LATE
    ]
    findings += [
        Finding(AREA, Level.WARNING, "late_to_close", {"id": r.id, "when": r.closes_at})
        for r in rounds
        if r.status is RoundStatus.OPEN and r.closes_at <= now - LATE
    ]
    # Closed but not summarised: storing its summary keeps failing (see the log).
    findings += [
        Finding(AREA, Level.WARNING, "late_to_summarise", {"id": r.id, "when": r.closes_at})
        for r in rounds
        if r.status is RoundStatus.CLOSED and r.closes_at <= now - LATE
    ]
    pending = backlog.by_status[DeliveryStatus.PENDING]
    if backlog.due == 0:
        findings.append(Finding(AREA, Level.OK, "nothing_due", {"count": pending}))
    elif (
        backlog.oldest_due_at is not None
        and backlog.oldest_due_at <= now - LATE
        and (
            # Direct messages wait for working hours; late only if the window was open.
            window.allows(now) and window.allows(now - LATE)
        )
    ):
        minutes = round((now - backlog.oldest_due_at).total_seconds() / 60)
        findings.append(
            Finding(AREA, Level.WARNING, "overdue", {"count": backlog.due, "minutes": minutes})
        )
    else:
        findings.append(
            Finding(
                AREA,
                Level.INFO,
                "due",
                {
                    "count": backlog.due,
                    "open": window.allows(now),
                    "when": window.next_allowed(now),
                },
            )
        )
    if backlog.expired_claims:
        findings.append(
            Finding(AREA, Level.WARNING, "expired_claims", {"count": backlog.expired_claims})
        )
    dead = backlog.by_status[DeliveryStatus.DEAD]
    if dead:
        findings.append(Finding(AREA, Level.WARNING, "dead", {"count": dead}))
    return findings
