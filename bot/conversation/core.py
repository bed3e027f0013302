"""The services a conversation turn can use, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.ports import Clock, UnitOfWorkFactory
from bot.services.deliveries import DeliveryService
from bot.services.members import MemberService
from bot.services.privacy import PrivacyService
from bot.services.reports import ReportService
from bot.services.responses import ResponseService
from bot.services.rounds import RoundService
from bot.services.seen_events import SeenEvents
from bot.texts import Texts


@dataclass(frozen=True, kw_only=True)
class Core:
    rounds: RoundService
    responses: ResponseService
    reports: ReportService
    privacy: PrivacyService
    members: MemberService
    deliveries: DeliveryService
    seen_events: SeenEvents
    texts: Texts
    clock: Clock

    @classmethod
    def build(cls, *, uow_factory: UnitOfWorkFactory, settings: Settings, clock: Clock) -> Core:
        return cls(
            rounds=RoundService(uow_factory=uow_factory, clock=clock),
            responses=ResponseService(
                uow_factory=uow_factory, clock=clock, max_chars=settings.answer_max_chars
            ),
            reports=ReportService(uow_factory=uow_factory),
            privacy=PrivacyService(uow_factory=uow_factory, clock=clock),
            members=MemberService(uow_factory=uow_factory),
            deliveries=DeliveryService(uow_factory=uow_factory, clock=clock),
            seen_events=SeenEvents(uow_factory=uow_factory, clock=clock),
            texts=Texts(timezone=settings.timezone),
            clock=clock,
        )
