"""The services the use cases are made of, built once at start-up by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.application.queries import Queries
from bot.application.transactions import Transactions
from bot.ports import Clock, UnitOfWorkFactory
from bot.retention_policy import RetentionPolicy
from bot.sending_window import SendingWindow
from bot.services.backlog import BacklogService
from bot.services.deliveries import DeliveryService
from bot.services.exports import ExportService
from bot.services.installations import InstallationService
from bot.services.members import MemberService
from bot.services.privacy import PrivacyService
from bot.services.reports import ReportService
from bot.services.responses import ResponseService
from bot.services.retention import RetentionService
from bot.services.rounds import RoundService
from bot.services.seen_events import SeenEvents
from bot.services.summary.review import SummaryReviewService
from bot.texts import Texts
from bot.themes.phrasing import LanguageModel


@dataclass(frozen=True, kw_only=True)
class Core:
    rounds: RoundService
    responses: ResponseService
    reports: ReportService
    summary_review: SummaryReviewService
    privacy: PrivacyService
    members: MemberService
    installations: InstallationService
    deliveries: DeliveryService
    backlog: BacklogService  # counts for /metrics
    seen_events: SeenEvents
    retention: RetentionService
    exports: ExportService
    texts: Texts
    clock: Clock
    window: SendingWindow  # when direct messages may go out
    transactions: Transactions  # one use case, one unit of work
    queries: Queries  # the read side: what screens show

    @classmethod
    def build(
        cls,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        window: SendingWindow,
        timezone: str,
        answer_max_chars: int,
        retention: RetentionPolicy,
        model: LanguageModel | None = None,
    ) -> Core:
        texts = Texts(timezone=timezone)
        # Every service opens its units of work here: inside a use case they join its one.
        transactions = Transactions(uow_factory)
        uow_factory = transactions
        return cls(
            rounds=RoundService(uow_factory=uow_factory, clock=clock, window=window, model=model),
            responses=ResponseService(
                uow_factory=uow_factory, clock=clock, max_chars=answer_max_chars
            ),
            reports=ReportService(uow_factory=uow_factory),
            summary_review=SummaryReviewService(uow_factory=uow_factory, clock=clock),
            privacy=PrivacyService(uow_factory=uow_factory, clock=clock),
            members=MemberService(uow_factory=uow_factory, clock=clock),
            installations=InstallationService(uow_factory=uow_factory),
            deliveries=DeliveryService(uow_factory=uow_factory, clock=clock),
            backlog=BacklogService(uow_factory=uow_factory, clock=clock),
            seen_events=SeenEvents(uow_factory=uow_factory, clock=clock),
            retention=RetentionService(uow_factory=uow_factory, clock=clock, policy=retention),
            exports=ExportService(uow_factory=uow_factory, texts=texts, clock=clock),
            texts=texts,
            clock=clock,
            window=window,
            transactions=transactions,
            queries=Queries(transactions=transactions, clock=clock),
        )
