"""Who is talking: platform identities joined to members by e-mail."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain import ANY_TENANT, AuditEntry, Identity, Member
from bot.errors import InbrengError
from bot.events import Actor
from bot.ports import UnitOfWorkFactory
from bot.texts import available_languages


class MemberService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def resolve(self, actor: Actor) -> Member | None:
        """The active member behind a platform user, linking the identity on first contact.

        Returns None for people who are not (or no longer) members; nothing is stored then.
        """
        with self._uow_factory() as uow:
            identity = uow.identities.find(
                actor.platform, actor.tenant, actor.user_id
            ) or uow.identities.find(actor.platform, ANY_TENANT, actor.user_id)
            if identity is not None:
                member = uow.members.get(identity.member_id)
                return member if member is not None and member.active else None
            if not actor.email:
                return None
            member = uow.members.by_email(actor.email)
            if member is None or not member.active:
                return None
            uow.identities.save(
                Identity(
                    member_id=member.id,
                    platform=actor.platform,
                    tenant=actor.tenant,
                    user_id=actor.user_id,
                )
            )
            uow.audit.record(
                AuditEntry(
                    action="identity.linked",
                    subject_type="member",
                    subject_id=member.id,
                    actor_member_id=member.id,
                    details={"platform": actor.platform.value},
                )
            )
            uow.commit()
            return member

    def remember_address(self, actor: Actor, address: str) -> Member | None:
        """`resolve`, and keep `address` as the way to message the member on this platform
        (a Teams conversation reference); nothing is stored for strangers."""
        member = self.resolve(actor)
        if member is None:
            return None
        with self._uow_factory() as uow:
            identity = uow.identities.find(
                actor.platform, actor.tenant, actor.user_id
            ) or uow.identities.find(actor.platform, ANY_TENANT, actor.user_id)
            if identity is not None and identity.address != address:
                uow.identities.save(replace(identity, address=address))
                uow.commit()
        return member

    def knows(self, actor: Actor) -> bool:
        """Whether this platform user is linked to a member already (no e-mail needed)."""
        with self._uow_factory() as uow:
            return (
                uow.identities.find(actor.platform, actor.tenant, actor.user_id)
                or uow.identities.find(actor.platform, ANY_TENANT, actor.user_id)
            ) is not None

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
