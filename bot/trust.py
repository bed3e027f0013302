"""Whose word on a person the network believes (DESIGN.md, "Privacy rules": identity).

A platform tells the bot who is talking: a Slack workspace or a Teams (Entra ID) tenant
vouches for a user and their e-mail address. The network believes that only from the
workspaces and tenants its network file names: Slack team or Enterprise Grid ids for the
whole network, and per organisation its own Entra ID tenant (or, for organisations without
one, the network's default tenants). The console is the operator's own terminal and needs
no one's word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain import NetworkInfo, Organisation, Platform


@dataclass(frozen=True, kw_only=True)
class TrustedTenants:
    """The workspaces and tenants that may vouch for the members of one organisation."""

    slack: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()

    def allow(self, platform: Platform, tenant: str, enterprise: str = "") -> bool:
        if platform == Platform.CONSOLE:
            return True
        if platform == Platform.SLACK:
            return tenant in self.slack or (bool(enterprise) and enterprise in self.slack)
        if platform == Platform.TEAMS:
            return tenant.lower() in self.teams
        return False


NOBODY = TrustedTenants()


def trusted_tenants(
    network: NetworkInfo | None, organisation: Organisation | None
) -> TrustedTenants:
    if network is None or organisation is None:
        return NOBODY
    teams = (organisation.teams_tenant,) if organisation.teams_tenant else network.teams_tenants
    return TrustedTenants(
        slack=frozenset(network.slack_workspaces) - {""}, teams=frozenset(teams) - {""}
    )


def trusted_by_anyone(
    network: NetworkInfo | None,
    organisations: Iterable[Organisation],
    *,
    platform: Platform,
    tenant: str,
    enterprise: str = "",
) -> bool:
    """Whether the network trusts this workspace or tenant for any organisation at all;
    when it does not, nobody from there can be a member and no e-mail need be looked up."""
    return any(
        trusted_tenants(network, organisation).allow(platform, tenant, enterprise)
        for organisation in organisations
    )
