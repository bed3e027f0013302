"""Who has answered a round: per municipality, and the response rate.

As published (`bot.disclosure`): per municipality only linked answers and the members who
gave one; anonymous answers are counted apart, in totals, and only when enough could have
given them. The secretariat's complete view counts every answer where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class OrganisationParticipation:
    organisation: str
    asked: int  # members of this organisation in the audience
    answered: int  # members with at least one current answer counted here
    declined: int
    answers: int

    @property
    def has_answered(self) -> bool:
        return self.answered > 0


@dataclass(frozen=True, kw_only=True)
class Participation:
    round_id: int
    organisations: list[OrganisationParticipation]
    anonymous_answers: int  # counted apart, in totals only; 0 when withheld or complete
    anonymous_withheld: bool  # too few could have answered anonymously: none are shown
    complete: bool = False  # the secretariat's view: anonymous answers counted per municipality

    @property
    def answered_organisations(self) -> int:
        return sum(1 for o in self.organisations if o.has_answered)

    @property
    def rate(self) -> float:
        """Share of the asked organisations that answered."""
        if not self.organisations:
            return 0.0
        return self.answered_organisations / len(self.organisations)

    @property
    def asked_members(self) -> int:
        return sum(o.asked for o in self.organisations)

    @property
    def answered_members(self) -> int:
        return sum(o.answered for o in self.organisations)
