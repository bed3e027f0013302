"""Who a round is for."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Audience, Member, Role, Round

# Secretariat staff schedule rounds; only members and pillar leads are asked for input.
ANSWERING_ROLES = frozenset({Role.MEMBER, Role.LEAD})


def in_audience(member: Member, round_: Round) -> bool:
    if not member.active or not member.roles & ANSWERING_ROLES:
        return False
    if round_.audience == Audience.ALL:
        return True
    return any(member.follows(p.slug) for p in round_.pillars)


def audience_of(round_: Round, members: Iterable[Member]) -> list[Member]:
    return [m for m in members if in_audience(m, round_)]
