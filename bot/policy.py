"""What each role may do. Checked in the core, so every platform enforces the same rules."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Member, Pillar, Round


def may_manage_rounds(member: Member) -> bool:
    return member.is_secretariat


def may_report_on(member: Member, round_: Round, pillars: Iterable[Pillar]) -> bool:
    """Status and summary of a round: its pillar leads and the secretariat."""
    if member.is_secretariat:
        return True
    return any(p.id in round_.pillar_ids and member.leads(p.slug) for p in pillars)
