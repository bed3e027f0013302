"""Who is talking: platform identities joined to members by e-mail, believed only from the
workspaces and tenants the network trusts (`bot.trust`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

from bot.domain import ANY_TENANT, AuditEntry, Identity, Member
from bot.errors import InbrengError
from bot.events import Actor
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.texts import available_languages
from bot.trust import TrustedTenants, trusted_by_anyone, trusted_tenants


class Refusal(StrEnum):
    """Why a platform user is not taken for a member; the stranger is told in one line."""

    NOT_A_MEMBER = "not_a_member"  # no active member with this identity or e-mail
    UNTRUSTED = "untrusted_workspace"  # the workspace or tenant may not vouch for them


class MemberService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def resolve(self, actor: Actor) -> Member | Refusal:
        """The active member behind a platform user, linking the identity on first contact.

        A stored identity, and an e-mail address, count only while the workspace or tenant
        the actor comes from is trusted for the member's organisation. A refusal on those
        grounds is written to the audit log (platform, tenant and user id; never what they
        sent), once a minute per person and place, so that a flood of attempts cannot
        flood the log; for other strangers nothing is stored.
        """
        with self._uow_factory() as uow:
            identity = _identity(uow, actor)
            if identity is not None:
                member = uow.members.get(identity.member_id)
                if member is None or not member.active:
                    return Refusal.NOT_A_MEMBER
                return self._trusted(uow, actor, member, reason="identity_not_trusted")
            network = uow.network.get()
            if not trusted_by_anyone(
                network,
                uow.organisations.list(include_inactive=True),
                platform=actor.platform,
                tenant=actor.tenant,
                enterprise=actor.enterprise,
            ):
                return self._refused(uow, actor, None, reason="workspace_not_trusted")
            member = uow.members.by_email(actor.email) if actor.email else None
            if member is None or not member.active:
                return Refusal.NOT_A_MEMBER
            found = self._trusted(uow, actor, member, reason="email_not_trusted")
            if not isinstance(found, Member):
                return found
            uow.identities.save(
                Identity(
                    member_id=member.id,
                    platform=actor.platform,
                    tenant=actor.tenant,
                    user_id=actor.user_id,
                    enterprise=actor.enterprise,
                )
            )
            uow.audit.record(
                AuditEntry(
                    action="identity.linked",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                    details={"platform": actor.platform.value, "tenant": actor.tenant},
                )
            )
            uow.commit()
            return member

    def member(self, actor: Actor) -> Member | None:
        """`resolve`, for callers that only need to know the member (or that there is none)."""
        found = self.resolve(actor)
        return found if isinstance(found, Member) else None

    def remember_address(self, actor: Actor, address: str) -> None:
        """Keep `address` as the way to message the member on this platform (a Teams
        conversation reference), once `resolve` has linked the identity; nothing is stored
        for strangers, nor for an identity its tenant no longer vouches for."""
        with self._uow_factory() as uow:
            identity = _identity(uow, actor)
            if identity is None or identity.address == address:
                return
            member = uow.members.get(identity.member_id)
            if member is None or not member.active:
                return
            if not _trusted_for(uow, member).allow(actor.platform, actor.tenant, actor.enterprise):
                return
            uow.identities.save(replace(identity, address=address))
            uow.commit()

    def needs_email(self, actor: Actor) -> bool:
        """Whether resolving this platform user needs their e-mail address: not when their
        identity is known, nor when their workspace or tenant is trusted by no one (then no
        address could make them a member, and none is asked of the platform)."""
        with self._uow_factory() as uow:
            if _identity(uow, actor) is not None:
                return False
            return trusted_by_anyone(
                uow.network.get(),
                uow.organisations.list(include_inactive=True),
                platform=actor.platform,
                tenant=actor.tenant,
                enterprise=actor.enterprise,
            )

    def by_email(self, email: str) -> Member | None:
        with self._uow_factory() as uow:
            return uow.members.by_email(email)

    def set_out_of_office(self, member: Member, until: date | None) -> Member:
        """No direct messages until the end of `until`; None: back."""
        with self._uow_factory() as uow:
            uow.members.set_out_of_office(member.id, until)
            uow.audit.record(
                AuditEntry(
                    action="member.out_of_office",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                    details={"until": until.isoformat() if until else None},
                )
            )
            uow.commit()
            updated = uow.members.get(member.id)
        return updated if updated is not None else member

    def set_language(self, member: Member, language: str) -> Member:
        if language not in available_languages():
            raise InbrengError(
                "unknown_language", language=language, known=", ".join(available_languages())
            )
        with self._uow_factory() as uow:
            uow.members.set_language(member.id, language)
            uow.audit.record(
                AuditEntry(
                    action="member.language_changed",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                    details={"language": language},
                )
            )
            uow.commit()
            updated = uow.members.get(member.id)
        return updated if updated is not None else member

    def _trusted(
        self, uow: UnitOfWork, actor: Actor, member: Member, *, reason: str
    ) -> Member | Refusal:
        if _trusted_for(uow, member).allow(actor.platform, actor.tenant, actor.enterprise):
            return member
        return self._refused(uow, actor, member, reason=reason)

    def _refused(
        self, uow: UnitOfWork, actor: Actor, member: Member | None, *, reason: str
    ) -> Refusal:
        """Write the refused attempt to the audit log: who the platform says it is, from
        where, and which member it claimed to be; never what was sent."""
        now = self._clock.now()
        # The processed-events table keeps one mark per person, place and minute, shared by
        # every instance: further attempts in that minute add nothing to the log.
        mark = f"refused:{actor.tenant}:{actor.user_id}:{reason}:{now:%Y%m%d%H%M}"
        if uow.processed_events.first_time(actor.platform, mark[:255], at=now):
            uow.audit.record(
                AuditEntry(
                    action="identity.refused",
                    subject_type="member",
                    subject_id=member.id if member is not None else None,
                    details={
                        "platform": actor.platform.value,
                        "tenant": actor.tenant,
                        "enterprise": actor.enterprise,
                        "user_id": actor.user_id,
                        "reason": reason,
                    },
                )
            )
            uow.commit()
        return Refusal.UNTRUSTED


def _trusted_for(uow: UnitOfWork, member: Member) -> TrustedTenants:
    return trusted_tenants(uow.network.get(), uow.organisations.get(member.organisation_id))


def _identity(uow: UnitOfWork, actor: Actor) -> Identity | None:
    """The stored identity: of this tenant, or one the network file gave for any tenant."""
    return uow.identities.find(actor.platform, actor.tenant, actor.user_id) or uow.identities.find(
        actor.platform, ANY_TENANT, actor.user_id
    )
