"""Retention: a time after their meeting, a round's answers are anonymised or erased
(INBRENG_RETENTION, default: keep), and the audit log records each round it touched."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import AuditEntry
from bot.ports import Clock, UnitOfWorkFactory
from bot.retention_policy import RetentionAction, RetentionPolicy
from bot.round_lifecycle import FINISHED
from bot.services.summary.build import build_summary


@dataclass(frozen=True)
class RetentionRun:
    rounds: int
    answers: int


class RetentionService:
    def __init__(
        self, *, uow_factory: UnitOfWorkFactory, clock: Clock, policy: RetentionPolicy
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy

    def run(self) -> RetentionRun:
        """Apply the policy to every finished round whose meeting is long enough ago.

        Idempotent: a round already handled changes no rows and gets no audit entry, so
        every instance may run it."""
        action = self._policy.action
        if action is None:
            return RetentionRun(rounds=0, answers=0)
        cutoff = self._clock.now() - self._policy.after
        rounds = answers = 0
        with self._uow_factory() as uow:
            for round_ in uow.rounds.take(statuses=FINISHED):
                if round_.meeting.starts_at > cutoff:
                    continue
                if action == RetentionAction.ANONYMISE:
                    changed = uow.responses.anonymise_for_round(round_.id)
                else:
                    changed = uow.responses.delete_for_round(round_.id)
                if not changed:
                    continue
                # Stored summaries quote the answers: rebuild them from what is left.
                uow.summaries.rewrite_for_round(
                    round_.id, body=build_summary(uow, round_).to_dict()
                )
                uow.audit.record(
                    AuditEntry(
                        action=f"retention.{action.value}",
                        subject_type="round",
                        subject_id=round_.id,
                        details={"answers": changed, "after_days": self._policy.after.days},
                    )
                )
                rounds += 1
                answers += changed
            uow.commit()
        return RetentionRun(rounds=rounds, answers=answers)
