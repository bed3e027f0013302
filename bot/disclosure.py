"""The disclosure rule: what leads and channels may learn of a round's answers.

Statistics offices publish no figure a reader could trace back to a person, also by
combining figures; this is that rule for anonymous answers (README, "Anonymity"):

1. Figures per municipality count only what members allowed to be linked to it: answers
   given by name or as municipality, and the members who gave one. Anonymous answers are
   counted apart, as one group, and only in totals.
2. Anonymous answers are shown at all only when at least `K` members of at least `K`
   municipalities could have given them: the asked members, less those shown as having said
   "nothing this time". Otherwise they are withheld from everything published.
3. Nothing published depends on who gave an anonymous answer: where the theme engine needs
   an answer's source (to quote several municipalities), each anonymous answer is its own.

Only the secretariat's own view of a round may count more; it says so where it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from bot.domain import Attribution, Response

K = 3  # the smallest group of members, and of municipalities, an anonymous answer hides in


def is_linked(response: Response) -> bool:
    """The member allowed the answer to be linked to their municipality (and maybe name)."""
    return response.attribution != Attribution.ANONYMOUS


def source_key(response: Response) -> str:
    """Who an answer is from, as far as choosing quotes may know: the municipality of a
    linked answer; for an anonymous one a key of its own, so the choice cannot reveal it."""
    return str(response.organisation_id) if is_linked(response) else f"anonymous:{response.id}"


@dataclass(frozen=True, kw_only=True)
class Asked:
    """Who a round counts as asked (member id -> municipality id), and who declined."""

    organisation_of: Mapping[int, int]
    declined: Set[int]  # shown as having said "nothing this time"


def asked_for(
    audience: Mapping[int, int],
    organisation_of: Mapping[int, int],
    responses: Iterable[Response],
    declined: Set[int],
    *,
    complete: bool = False,
) -> Asked:
    """`audience` and `organisation_of`: member id -> municipality id, of the round's
    audience and of every member; `declined`: who said "nothing this time".

    As published: the audience plus the members who gave a linked answer after they left
    it, and a decline stands unless the member gave a linked answer. Anonymous answers
    change neither: a member who answered only anonymously after leaving the audience, or
    after declining, would otherwise show in their municipality's row. `complete`: the
    secretariat's view, in which every answer counts."""
    answerers = {
        r.member_id for r in responses if r.member_id is not None and (complete or is_linked(r))
    }
    asked = dict(audience)
    asked.update({m: organisation_of[m] for m in answerers if m in organisation_of})
    shown_declined = {m for m in declined if m in asked and m not in answerers}
    return Asked(organisation_of=asked, declined=frozenset(shown_declined))


def may_show_anonymous(asked: Asked) -> bool:
    """Whether enough members of enough municipalities could have answered anonymously."""
    pool = {m: o for m, o in asked.organisation_of.items() if m not in asked.declined}
    return len(pool) >= K and len(set(pool.values())) >= K


@dataclass(frozen=True, kw_only=True)
class Disclosure:
    """A round's current answers, split as the rule shows them."""

    linked: tuple[Response, ...]
    anonymous: tuple[Response, ...]  # shown, counted apart; empty when withheld
    withheld: bool  # too few could have answered: anonymous answers, if any, are not shown

    @property
    def shown(self) -> list[Response]:
        """What leads and channels may see, in the order given."""
        return sorted((*self.linked, *self.anonymous), key=lambda r: r.id)


def disclose(responses: Iterable[Response], asked: Asked) -> Disclosure:
    answers = list(responses)
    withheld = not may_show_anonymous(asked)
    return Disclosure(
        linked=tuple(r for r in answers if is_linked(r)),
        anonymous=() if withheld else tuple(r for r in answers if not is_linked(r)),
        withheld=withheld,
    )
