"""Read-only views of a round for pillar leads and the secretariat."""

from __future__ import annotations

from collections import Counter

from bot.audit import AuditActor, shows_names
from bot.domain import DeliveryStatus, Pillar, Round, RoundStatus
from bot.participation import Participation
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.lookup import round_or_refuse
from bot.services.participation import build_participation
from bot.services.summaries import build_summary
from bot.themes.model import RoundSummary


class ReportService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def round_with_pillars(self, round_id: int) -> tuple[Round, list[Pillar]]:
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id)
            return round_, list(round_.pillars)

    def participation(self, round_id: int, *, complete: bool = False) -> Participation:
        """As published; `complete` (the secretariat's own view) counts anonymous answers
        where they came from."""
        with self._uow_factory() as uow:
            return build_participation(uow, round_or_refuse(uow, round_id), complete=complete)

    def summary(self, round_id: int) -> RoundSummary:
        """The stored summary of a summarised round; for a running round, as it stands now.

        Not audited: for what no person reads here (a channel post, audited when queued; an
        export, which records its own entry). A person's view goes through `read_summary`.
        """
        with self._uow_factory() as uow:
            return _summary(uow, round_id)

    def read_summary(self, round_id: int, *, reader: AuditActor) -> RoundSummary:
        """`summary`, for a person to read: written to the audit log (`summary.viewed`: the
        round, and whether quotes carry names) in the same transaction."""
        with self._uow_factory() as uow:
            summary = _summary(uow, round_id)
            details = {"round_id": round_id, "names": shows_names(summary)}
            uow.audit.record(
                reader.entry("summary.viewed", subject_type="round", subject_id=round_id,
                             details=details)
            )  # fmt: skip
            uow.commit()
            return summary

    def deliveries(self, round_id: int) -> Counter[DeliveryStatus]:
        with self._uow_factory() as uow:
            round_or_refuse(uow, round_id)
            return Counter(d.status for d in uow.deliveries.for_round(round_id))

    def failures(self, round_id: int) -> Counter[str]:
        """Why deliveries of the round were given up (dead), with how many each."""
        with self._uow_factory() as uow:
            round_or_refuse(uow, round_id)
            return Counter(
                d.last_error or "?"
                for d in uow.deliveries.for_round(round_id)
                if d.status == DeliveryStatus.DEAD
            )


def _summary(uow: UnitOfWork, round_id: int) -> RoundSummary:
    round_ = round_or_refuse(uow, round_id)
    stored = uow.summaries.latest_for_round(round_id)
    # A body stored before themes existed is rebuilt from the answers.
    if round_.status == RoundStatus.SUMMARISED and stored and "themes" in stored.body:
        return RoundSummary.from_dict(stored.body)
    return build_summary(uow, round_)
