"""Who may do what: a small vocabulary of permissions and the one rule that grants them.

Pure (no I/O): the chat's dispatcher, the services that change or reveal something, the
command line and the web workspace all ask `allows` the same question.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from bot.audit import AuditActor
from bot.domain import Member, Role
from bot.errors import InbrengError


class Permission(StrEnum):
    # Every member, about themselves.
    USE_BOT = "use_bot"  # help, the rounds open to them, language, out of office
    ANSWER = "answer"  # answer, see, edit, withdraw their answers; decline a round
    OWN_DATA = "own_data"  # see, export and erase their own data
    # Per pillar: its leads, and the secretariat.
    READ_ROUND_STATUS = "read_round_status"  # response per municipality, a round's details
    READ_SUMMARY = "read_summary"
    REVIEW_SUMMARY = "review_summary"  # retitle, hide, show, approve a closed round's themes
    POST_TO_CHANNEL = "post_to_channel"  # a round's status or summary, in its pillars' channels
    EXPORT_ROUND = "export_round"  # a round, or a pillar's rounds, as a file
    # The secretariat: running the network.
    MANAGE_ROUNDS = "manage_rounds"  # create and close rounds, see every round
    # Anonymous answers counted under the municipality they came from: the secretariat's
    # working view. Not for leads, who may post it: a channel must never see that.
    COUNT_ANONYMOUS_BY_ORIGIN = "count_anonymous_by_origin"


MEMBER_PERMISSIONS = frozenset({Permission.USE_BOT, Permission.ANSWER, Permission.OWN_DATA})
PILLAR_PERMISSIONS = frozenset(
    {
        Permission.READ_ROUND_STATUS,
        Permission.READ_SUMMARY,
        Permission.REVIEW_SUMMARY,
        Permission.POST_TO_CHANNEL,
        Permission.EXPORT_ROUND,
    }
)
SECRETARIAT_PERMISSIONS = frozenset(
    {Permission.MANAGE_ROUNDS, Permission.COUNT_ANONYMOUS_BY_ORIGIN}
)


@dataclass(frozen=True, kw_only=True)
class Operator:
    """Whoever runs the command line: they run the bot itself, so they hold every
    permission. `name`: the operating-system user, as the audit log names them."""

    name: str


# Who asks: a member of the network, or the operator of the command line.
Actor = Member | Operator


def allows(actor: Actor, permission: Permission, *, pillars: Collection[str] = ()) -> bool:
    """Whether `actor` holds `permission` for something of `pillars` (slugs; a round's
    pillars). A lead holds a pillar's permissions only for a round of a pillar they lead;
    without pillars, nobody does by leading: a check that forgets them refuses."""
    if isinstance(actor, Operator):
        return True
    if not actor.active:
        return False
    if permission in MEMBER_PERMISSIONS:
        return True
    if permission == Permission.COUNT_ANONYMOUS_BY_ORIGIN:
        return actor.is_secretariat and not led_pillars(actor)
    if actor.is_secretariat:
        return True
    if permission in PILLAR_PERMISSIONS:
        return any(actor.leads(slug) for slug in pillars)
    return False


def allows_somewhere(actor: Actor, permission: Permission) -> bool:
    """Whether `actor` holds `permission` for at least one pillar: whether the command that
    needs it is theirs at all (what the dispatcher and the help ask before a round is named)."""
    led = led_pillars(actor) if isinstance(actor, Member) else frozenset()
    return allows(actor, permission, pillars=led)


def require(actor: Actor, permission: Permission, *, pillars: Collection[str] = ()) -> None:
    """Refuse with the reason a person reads (`errors.<refusal_key>`) unless `allows`."""
    if not allows(actor, permission, pillars=pillars):
        raise InbrengError(refusal_key(permission))


def require_somewhere(actor: Actor, permission: Permission) -> None:
    if not allows_somewhere(actor, permission):
        raise InbrengError(refusal_key(permission))


def refusal_key(permission: Permission) -> str:
    """The text under `errors.` that says who may do it."""
    return "secretariat_only" if permission in SECRETARIAT_PERMISSIONS else "not_allowed"


def led_pillars(member: Member) -> frozenset[str]:
    """The slugs of the pillars a member leads (none without the lead role)."""
    return member.lead_of if Role.LEAD in member.roles else frozenset()


def member_id_of(actor: Actor) -> int | None:
    """The member the audit log names as having done it; None for the operator."""
    return actor.id if isinstance(actor, Member) else None


def audit_actor(actor: Actor) -> AuditActor:
    """How the audit log names whoever read something."""
    if isinstance(actor, Operator):
        return AuditActor.command_line(actor.name)
    return AuditActor.member(actor.id)
