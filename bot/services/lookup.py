"""Lookups every service refuses the same way."""

from __future__ import annotations

from bot.domain import Round
from bot.errors import InbrengError
from bot.ports import UnitOfWork


def round_or_refuse(uow: UnitOfWork, round_id: int, *, lock: bool = False) -> Round:
    round_ = uow.rounds.get(round_id, lock=lock)
    if round_ is None:
        raise InbrengError("round_not_found", round_id=round_id)
    return round_
