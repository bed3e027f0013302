"""A member's own data: see it, take it with them, erase it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import AuditEntry, Member
from bot.ports import Clock, UnitOfWorkFactory
from bot.tombstones import bury


@dataclass(frozen=True, kw_only=True)
class Erasure:
    answers_anonymised: int
    answers_deleted: int


class PrivacyService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def export(self, member: Member) -> dict[str, Any]:
        """Everything stored about the member, as JSON-ready data."""
        with self._uow_factory() as uow:
            organisation = uow.organisations.get(member.organisation_id)
            responses = uow.responses.for_member(member.id, include_withdrawn=True)
            topics = {
                t.id: t.slug for p in uow.pillars.list() for t in uow.pillars.all_topics(p.id)
            }
            declined = [
                r.id for r in uow.rounds.list() if member.id in uow.rounds.declined_member_ids(r.id)
            ]
            export = {
                "member": {
                    "email": member.email,
                    "name": member.name,
                    "organisation": organisation.name if organisation else None,
                    "roles": sorted(member.roles),
                    "lead_of": sorted(member.lead_of),
                    "pillars": sorted(member.pillars),
                    "language": member.language,
                    "out_of_office_until": (
                        member.out_of_office_until.isoformat()
                        if member.out_of_office_until
                        else None
                    ),
                },
                "identities": [
                    {"platform": i.platform.value, "tenant": i.tenant, "user_id": i.user_id}
                    for i in uow.identities.for_member(member.id)
                ],
                "answers": [
                    {
                        "id": r.id,
                        "round_id": r.round_id,
                        "topic": topics.get(r.topic_id) if r.topic_id else None,
                        "text": r.text,
                        "network_help": r.network_help,
                        "attribution": r.attribution.value,
                        "created_at": r.created_at.isoformat(),
                        "edited_at": r.edited_at.isoformat() if r.edited_at else None,
                        "withdrawn_at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
                        "earlier_versions": [
                            {
                                "text": v.text,
                                "network_help": v.network_help,
                                "replaced_at": v.replaced_at.isoformat(),
                            }
                            for v in uow.responses.revisions(r.id)
                        ],
                    }
                    for r in responses
                ],
                "declined_rounds": declined,
            }
            uow.audit.record(
                AuditEntry(
                    action="member.exported",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                )
            )
            uow.commit()
            return export

    def erase(self, member: Member, *, keep_answers_anonymised: bool) -> Erasure:
        """Remove the member's personal data. Answers stay, anonymised, only if they agree.

        The e-mail address leaves a tombstone (`bot.tombstones`), in the same transaction:
        loading the network file or importing an older export does not bring them back.
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            # Buried while the address is still known, in the transaction that scrubs it.
            bury(uow, member.email, at=now)
            if keep_answers_anonymised:
                erasure = Erasure(
                    answers_anonymised=uow.responses.anonymise_for_member(member.id),
                    answers_deleted=0,
                )
            else:
                erasure = Erasure(
                    answers_anonymised=0,
                    answers_deleted=uow.responses.delete_for_member(member.id),
                )
            uow.rounds.delete_declines_of(member.id)
            uow.deliveries.delete_for_member(member.id)
            uow.identities.delete_for_member(member.id)
            uow.members.erase(member.id, at=now)
            uow.audit.record(
                AuditEntry(
                    action="member.erased",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                    details={
                        "answers_anonymised": erasure.answers_anonymised,
                        "answers_deleted": erasure.answers_deleted,
                    },
                )
            )
            uow.commit()
            return erasure
