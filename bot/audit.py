"""Who the audit log names when someone reads others' personal data or lets an erased member
back in, and what an entry may say about the summary that was read.

Entries hold ids, settings and the operator's user name; never member text nor e-mail
addresses (`bot.domain.AuditEntry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain import AuditEntry
from bot.summary.model import RoundSummary


@dataclass(frozen=True, kw_only=True)
class AuditActor:
    """Who did it: a member in the chat, or the operating-system user who ran the command
    line (which has no member)."""

    member_id: int | None = None
    operator: str | None = None

    def __post_init__(self) -> None:
        if (self.member_id is None) == (self.operator is None):
            raise ValueError("an audit actor is either a member or an operator")

    @classmethod
    def member(cls, member_id: int) -> AuditActor:
        return cls(member_id=member_id)

    @classmethod
    def command_line(cls, operator: str) -> AuditActor:
        return cls(operator=operator)

    def entry(
        self,
        action: str,
        *,
        subject_type: str,
        subject_id: int | None,
        details: Mapping[str, object] | None = None,
    ) -> AuditEntry:
        via = {} if self.operator is None else {"operator": self.operator, "via": "cli"}
        return AuditEntry(
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_member_id=self.member_id,
            details={**(details or {}), **via},
        )


def shows_names(summary: RoundSummary) -> bool:
    """Whether a quote of the summary carries a member's name (as its member allowed); for
    the audit log of who read it. Hidden themes count too: a reviewer sees them."""
    return any(quote.member for theme in summary.themes for quote in theme.quotes)
