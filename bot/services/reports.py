"""Read-only views of a round for pillar leads and the secretariat."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from bot.audit import shows_names
from bot.domain import DeliveryStatus, Round, RoundStatus
from bot.participation import Participation
from bot.permissions import Actor, Permission, allows, audit_actor, require
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.lookup import round_or_refuse
from bot.services.participation import build_participation
from bot.services.summary.build import build_summary
from bot.summary.model import RoundSummary


@dataclass(frozen=True, kw_only=True)
class RoundDetails:
    round_: Round  # with its pillars
    participation: Participation  # as published
    # What was sent and what failed, only for whoever runs the rounds: how many reminders
    # went out follows who answered, anonymously too. None: not theirs to see.
    deliveries: Counter[DeliveryStatus] | None = None
    failures: Counter[str] | None = None  # why deliveries were given up, with how many each


class ReportService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def read_round(self, round_id: int, *, reader: Actor, permission: Permission) -> Round:
        """The round with its pillars, for a person who holds `permission` for one of them."""
        with self._uow_factory() as uow:
            return _readable(uow, round_id, reader, permission)

    def participation(self, round_id: int, *, complete: bool = False) -> Participation:
        """As published; `complete` (the secretariat's own view) counts anonymous answers
        where they came from. Unchecked: for what the bot publishes itself (a channel post);
        a person's view goes through `read_status` or `read_details`."""
        with self._uow_factory() as uow:
            return build_participation(uow, round_or_refuse(uow, round_id), complete=complete)

    def read_status(self, round_id: int, *, reader: Actor) -> Participation:
        """`participation`, for a person who may see the round's status: as published, or
        counting anonymous answers where they came from for whoever may see that."""
        with self._uow_factory() as uow:
            round_ = _readable(uow, round_id, reader, Permission.READ_ROUND_STATUS)
            complete = allows(reader, Permission.COUNT_ANONYMOUS_BY_ORIGIN)
            return build_participation(uow, round_, complete=complete)

    def read_details(self, round_id: int, *, reader: Actor) -> RoundDetails:
        """What `ronde N` shows: the round, its pillars, its response, and for whoever runs
        the rounds its messages."""
        with self._uow_factory() as uow:
            round_ = _readable(uow, round_id, reader, Permission.READ_ROUND_STATUS)
            details = RoundDetails(
                round_=round_,
                participation=build_participation(uow, round_),
            )
            if not allows(reader, Permission.MANAGE_ROUNDS):
                return details
            deliveries = uow.deliveries.for_round(round_id)
            return replace(
                details,
                deliveries=Counter(d.status for d in deliveries),
                failures=Counter(
                    d.last_error or "?" for d in deliveries if d.status == DeliveryStatus.DEAD
                ),
            )

    def summary(self, round_id: int) -> RoundSummary:
        """The stored summary of a summarised round; for a running round, as it stands now.

        Not audited: for what no person reads here (a channel post, audited when queued; an
        export, which records its own entry). A person's view goes through `read_summary`.
        """
        with self._uow_factory() as uow:
            return _summary(uow, round_id)

    def read_summary(self, round_id: int, *, reader: Actor) -> RoundSummary:
        """`summary`, for a person who may read it: written to the audit log
        (`summary.viewed`: the round, and whether quotes carry names) in the same
        transaction. A refusal leaves no entry."""
        with self._uow_factory() as uow:
            _readable(uow, round_id, reader, Permission.READ_SUMMARY)
            summary = _summary(uow, round_id)
            details = {"round_id": round_id, "names": shows_names(summary)}
            entry = audit_actor(reader).entry(
                "summary.viewed", subject_type="round", subject_id=round_id, details=details
            )
            uow.audit.record(entry)
            uow.commit()
            return summary


def _summary(uow: UnitOfWork, round_id: int) -> RoundSummary:
    round_ = round_or_refuse(uow, round_id)
    stored = uow.summaries.latest_for_round(round_id)
    # A body stored before themes existed is rebuilt from the answers.
    if round_.status == RoundStatus.SUMMARISED and stored and "themes" in stored.body:
        return RoundSummary.from_dict(stored.body)
    return build_summary(uow, round_)


def _readable(uow: UnitOfWork, round_id: int, reader: Actor, permission: Permission) -> Round:
    """The round, if `reader` holds `permission` for one of its pillars."""
    round_ = round_or_refuse(uow, round_id)
    require(reader, permission, pillars=[p.slug for p in round_.pillars])
    return round_
