"""Members' answers (inbreng): give, edit, withdraw, and decline a round."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import (
    Attribution,
    AuditEntry,
    Member,
    Pillar,
    Response,
    ResponseData,
    Round,
    Topic,
)
from bot.errors import InbrengError, raise_if_any
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.audience import in_audience

OTHER_TOPIC = "anders"  # the "anders / other" choice in the topic list
# Control characters (C0 and C1) other than tab and newline: PostgreSQL refuses NUL,
# none are text, and C1's CSI (U+009B) starts a terminal escape sequence just as ESC does.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, kw_only=True)
class AnswerInput:
    """An answer as a member typed it; validated and cleaned by the service."""

    topic: str  # a topic slug of the round's pillars, or OTHER_TOPIC
    text: str
    network_help: str = ""
    attribution: str = Attribution.NAME.value


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def answer_problems(answer: AnswerInput, *, limit: Callable[[str], int]) -> list[InbrengError]:
    """What is wrong with an answer on its face, without the round it is for: an empty
    text, a text longer than `limit(field)`, an unknown attribution."""
    errors = []
    text = clean_text(answer.text)
    if not text:
        errors.append(InbrengError("text_empty", field="text"))
    for name, value in (("text", text), ("network_help", clean_text(answer.network_help))):
        longest = limit(name)
        if len(value) > longest:
            errors.append(
                InbrengError("text_too_long", field=name, limit=longest, length=len(value))
            )
    if _attribution(answer) is None:
        errors.append(
            InbrengError("unknown_attribution", field="attribution", value=answer.attribution)
        )
    return errors


def _attribution(answer: AnswerInput) -> Attribution | None:
    try:
        return Attribution(answer.attribution.strip().lower())
    except ValueError:
        return None


class ResponseService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, max_chars: int) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.max_chars = max_chars

    def submit(self, member: Member, round_id: int, answer: AnswerInput) -> Response:
        with self._uow_factory() as uow:
            round_, pillars = self._open_round_for(uow, member, round_id)
            data = self._validated(answer, round_, pillars, member)
            response = uow.responses.add(data, at=self._clock.now())
            if data.attribution != Attribution.ANONYMOUS:
                # Answering after all; an anonymous answer leaves a decline standing, or its
                # municipality's row in the status would change the moment it was given.
                uow.rounds.remove_decline(round_id, member.id)
            self._audit(uow, "response.created", response.id, member.id, round_id)
            uow.commit()
            return response

    def edit(self, member: Member, response_id: int, answer: AnswerInput) -> Response:
        with self._uow_factory() as uow:
            current = self._own_current(uow, member, response_id)
            round_, pillars = self._open_round_for(uow, member, current.round_id)
            data = self._validated(answer, round_, pillars, member, stored=current)
            uow.responses.update(response_id, data, at=self._clock.now())
            self._audit(uow, "response.edited", response_id, member.id, current.round_id)
            uow.commit()
            return self._own_current(uow, member, response_id)

    def withdraw(self, member: Member, response_id: int) -> Response:
        with self._uow_factory() as uow:
            current = self._own_current(uow, member, response_id)
            self._open_round_for(uow, member, current.round_id)
            uow.responses.withdraw(response_id, at=self._clock.now())
            self._audit(uow, "response.withdrawn", response_id, member.id, current.round_id)
            uow.commit()
            return current

    def decline(self, member: Member, round_id: int) -> bool:
        """Record "nothing this time"; returns whether the member had answered already."""
        with self._uow_factory() as uow:
            self._open_round_for(uow, member, round_id)
            answered = any(r.round_id == round_id for r in uow.responses.for_member(member.id))
            uow.rounds.add_decline(round_id, member.id, at=self._clock.now())
            uow.audit.record(
                AuditEntry(
                    action="round.declined",
                    subject_type="round",
                    subject_id=round_id,
                    actor_member_id=member.id,
                )
            )
            uow.commit()
            return answered

    def own(self, member: Member, response_id: int) -> Response:
        """A current answer of this member, for editing."""
        with self._uow_factory() as uow:
            return self._own_current(uow, member, response_id)

    def of_member(self, member: Member) -> list[Response]:
        with self._uow_factory() as uow:
            return uow.responses.for_member(member.id)

    def topic(self, topic_id: int) -> Topic | None:
        with self._uow_factory() as uow:
            return uow.pillars.get_topic(topic_id)

    def _open_round_for(
        self, uow: UnitOfWork, member: Member, round_id: int
    ) -> tuple[Round, list[Pillar]]:
        round_ = uow.rounds.get(round_id)
        if round_ is None:
            raise InbrengError("round_not_found", round_id=round_id)
        pillars = list(round_.pillars)
        if not round_.is_open_at(self._clock.now()):
            raise InbrengError("round_not_open", round_id=round_id, status=round_.status)
        if not in_audience(member, round_):
            raise InbrengError("not_in_audience", round_id=round_id)
        return round_, pillars

    @staticmethod
    def _own_current(uow: UnitOfWork, member: Member, response_id: int) -> Response:
        response = uow.responses.get(response_id)
        # Someone else's answer is "not found" too: its existence is none of their business.
        if response is None or response.member_id != member.id:
            raise InbrengError("response_not_found", response_id=response_id)
        if response.withdrawn_at is not None:
            raise InbrengError("response_withdrawn", response_id=response_id)
        return response

    def limit(self, stored: Response | None, field: str) -> int:
        """The longest `field` ("text" or "network_help") may be: the answer limit, or what
        is stored already when longer (imported, or given under an earlier limit), so that
        editing never has to cut a member's text."""
        kept = len(getattr(stored, field)) if stored is not None else 0
        return max(self.max_chars, kept)

    def _validated(
        self,
        answer: AnswerInput,
        round_: Round,
        pillars: list[Pillar],
        member: Member,
        *,
        stored: Response | None = None,
    ) -> ResponseData:
        text = clean_text(answer.text)
        network_help = clean_text(answer.network_help)
        errors = answer_problems(answer, limit=lambda name: self.limit(stored, name))
        topic_id: int | None = None
        topic_slug = answer.topic.strip().lower()
        if topic_slug and topic_slug != OTHER_TOPIC:
            topic = next((t for p in pillars for t in p.topics if t.slug == topic_slug), None)
            if topic is None:
                known = ", ".join(t.slug for p in pillars for t in p.topics)
                errors.append(
                    InbrengError(
                        "unknown_topic",
                        field="topic",
                        topic=answer.topic,
                        known=f"{known}, {OTHER_TOPIC}",
                    )
                )
            else:
                topic_id = topic.id
        attribution = _attribution(answer) or Attribution.NAME
        raise_if_any(errors)
        return ResponseData(
            round_id=round_.id,
            member_id=member.id,
            organisation_id=member.organisation_id,
            topic_id=topic_id,
            text=text,
            network_help=network_help,
            attribution=attribution,
        )

    @staticmethod
    def _audit(
        uow: UnitOfWork, action: str, response_id: int, member_id: int, round_id: int
    ) -> None:
        uow.audit.record(
            AuditEntry(
                action=action,
                subject_type="response",
                subject_id=response_id,
                actor_member_id=member_id,
                details={"round_id": round_id},
            )
        )
