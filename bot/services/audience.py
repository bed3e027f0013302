"""Who a round is for."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Audience, Member, Pillar, Role, Round

# Secretariat staff schedule rounds; only members and pillar leads are asked for input.
ANSWERING_ROLES = frozenset({Role.MEMBER, Role.LEAD})


def in_audience(member: Member, round_: Round, pillars: Iterable[Pillar]) -> bool:
    if not member.active or not member.roles & ANSWERING_ROLES:
        return False
    if round_.audience == Audience.ALL:
        return True
    return any(p.id in round_.pillar_ids and member.follows(p.slug) for p in pillars)


def audience_of(
    round_: Round, members: Iterable[Member], pillars: Iterable[Pillar]
) -> list[Member]:
    pillar_list = list(pillars)
    return [m for m in members if in_audience(m, round_, pillar_list)]
