"""What `inbreng doctor` finds, as data: each check gives findings, the texts render them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    OK = "ok"
    INFO = "info"  # worth knowing, nothing wrong (e.g. Teams is not configured)
    WARNING = "warning"  # works, but probably not as the operator means it to
    FAULT = "fault"  # does not work: `inbreng doctor` exits with 1


@dataclass(frozen=True)
class Finding:
    area: str  # settings, timezone, database, network, trust, scheduler, slack, teams, llm, secrets
    level: Level
    key: str  # the text `doctor.<area>.<key>`
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text_key(self) -> str:
        return f"doctor.{self.area}.{self.key}"


def faulty(findings: Iterable[Finding]) -> bool:
    return any(finding.level is Level.FAULT for finding in findings)
