"""A round's theme summary as data: what the renderers, exports and the review work on.

The body is stored as JSON in `summaries.body`; `to_dict`/`from_dict` are its only format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


class Novelty(StrEnum):
    NEW = "new"  # not among the themes of earlier rounds of the pillar
    RECURRING = "recurring"


@dataclass(frozen=True, kw_only=True)
class Quote:
    """A stored answer's text, verbatim; `member` and `organisation` only as far as the
    member allowed."""

    response_id: int
    text: str
    network_help: str
    member: str | None
    organisation: str | None


@dataclass(frozen=True, kw_only=True)
class Theme:
    key: str  # stable within its summary: what a lead's retitle or hide refers to
    title: str
    pillar_slug: str | None
    topic_slug: str | None  # None: an emergent theme outside the pillar's topics
    topic_name: str | None
    keywords: list[str]
    answers: int
    assigned: int  # answers the bot placed under the topic (no topic chosen, or "other")
    organisations: list[str]  # named ones (answers by name or as municipality), sorted
    anonymous_answers: int  # counted apart: who gave them is not shown, nor counted
    quotes: list[Quote]  # one to three representative answers
    response_ids: list[int]
    novelty: Novelty = Novelty.NEW
    hidden: bool = False  # hidden by the reviewer: left out of posts and exports
    original_title: str | None = None  # the computed title, when a reviewer retitled it

    @property
    def breadth(self) -> int:
        """How widely the theme is shared, for ranking: its named municipalities, and each
        anonymous answer as one more (as if from elsewhere; where it is from stays unknown)."""
        return len(self.organisations) + self.anonymous_answers


@dataclass(frozen=True, kw_only=True)
class Posting:
    """Where a posted summary went."""

    platform: str
    channel: str
    pillar_slug: str | None
    at: str  # ISO 8601, UTC


@dataclass(frozen=True, kw_only=True)
class RoundSummary:
    round_id: int
    meeting_title: str
    answers: int  # shown: linked ones and, unless withheld, anonymous ones
    organisations: int  # named by linked answers
    themes: list[Theme]
    anonymous_answers: int  # counted apart; 0 when withheld
    anonymous_withheld: bool  # too few could have answered anonymously: none are shown
    synthesis: str = ""  # a short synthesis, only when a language model phrased the summary
    phrased_by: str = ""  # the model that phrased titles and synthesis; "" when offline
    postings: list[Posting] = field(default_factory=list)

    @property
    def shown(self) -> list[Theme]:
        """The themes a post or export shows: not hidden by the reviewer."""
        return [t for t in self.themes if not t.hidden]

    def theme(self, key: str) -> Theme | None:
        return next((t for t in self.themes if t.key == key), None)

    def with_theme(self, theme: Theme) -> RoundSummary:
        return replace(self, themes=[theme if t.key == theme.key else t for t in self.themes])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> RoundSummary:
        themes = [_theme_from_dict(t) for t in body["themes"]]
        postings = [Posting(**p) for p in body.get("postings", [])]
        # Bodies stored before anonymous answers were counted apart have neither field.
        counted_apart = {"anonymous_answers": 0, "anonymous_withheld": False}
        return cls(**{**counted_apart, **body, "themes": themes, "postings": postings})


def _theme_from_dict(body: dict[str, Any]) -> Theme:
    fields = dict(body)
    if "anonymous_organisations" in fields:
        # Stored before anonymous answers were counted apart: the theme showed this number
        # as "N anoniem", and keeps showing it.
        fields["anonymous_answers"] = fields.pop("anonymous_organisations")
    return Theme(
        **{
            **fields,
            "novelty": Novelty(fields["novelty"]),
            "quotes": [Quote(**q) for q in fields["quotes"]],
        }
    )
