"""A round's theme summary: its current answers through the theme engine, attributed as each
member allowed, ranked by breadth, and marked new or recurring against earlier rounds.

Only what the disclosure rule shows goes in (`bot.disclosure`): anonymous answers that too
few could have given are left out before the engine sees them, and the engine knows each
anonymous answer by a key of its own, never by its municipality."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from bot.disclosure import is_linked, source_key
from bot.domain import Attribution, Member, Organisation, Response, Round, RoundStatus, Topic
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.participation import round_disclosure
from bot.summary.model import Novelty, Quote, RoundSummary, Theme
from bot.themes.engine import AnswerText, TopicText, find_themes
from bot.themes.phrasing import LanguageModel, ThemeEvidence, phrase_summary
from bot.themes.text import guess_language, terms

# Keyword terms an earlier theme must share to count as the same theme: one is enough within
# the same topic, two across topics (emergent themes have none).
_SAME_TOPIC_OVERLAP = 1
_OTHER_TOPIC_OVERLAP = 2


def quote_of(
    response: Response, members: dict[int, Member], organisations: dict[int, Organisation]
) -> Quote:
    organisation = organisations[response.organisation_id].name
    member = members.get(response.member_id) if response.member_id is not None else None
    return Quote(
        response_id=response.id,
        text=response.text,
        network_help=response.network_help,
        member=member.name if member and response.attribution == Attribution.NAME else None,
        organisation=None if response.attribution == Attribution.ANONYMOUS else organisation,
    )


def build_summary(uow: UnitOfWork, round_: Round) -> RoundSummary:
    """The themes of the round's current answers as published, broadest first."""
    disclosure = round_disclosure(uow, round_)
    responses = disclosure.shown
    members = {m.id: m for m in uow.members.list(include_inactive=True)}
    organisations = {o.id: o for o in uow.organisations.list(include_inactive=True)}
    topics = [t for pillar_id in round_.pillar_ids for t in uow.pillars.all_topics(pillar_id)]
    pillar_slugs = {p.id: p.slug for p in round_.pillars}
    by_id = {r.id: r for r in responses}
    topic_by_id = {t.id: t for t in topics}
    answers = [
        AnswerText(
            id=r.id,
            text=r.text,
            topic=topic_by_id[r.topic_id].slug if r.topic_id in topic_by_id else None,
            organisation=source_key(r),
        )
        for r in responses
    ]
    language = guess_language([r.text for r in responses])
    groups = find_themes(answers, [_topic_text(t) for t in topics], language=language)
    topic_by_slug = {t.slug: t for t in topics}
    single_pillar = next(iter(pillar_slugs.values())) if len(pillar_slugs) == 1 else None
    earlier = _earlier_themes(uow, round_)
    per_topic = Counter(group.topic for group in groups)
    themes = []
    for group in groups:
        topic = topic_by_slug.get(group.topic) if group.topic else None
        chosen = [by_id[i] for i in group.answer_ids]
        named = {organisations[r.organisation_id].name for r in chosen if is_linked(r)}
        keywords = list(group.keywords)
        themes.append(
            Theme(
                key="",
                title=_title(
                    topic, keywords, named=not group.general and per_topic[group.topic] > 1
                ),
                pillar_slug=pillar_slugs.get(topic.pillar_id) if topic else single_pillar,
                topic_slug=topic.slug if topic else None,
                topic_name=topic.name if topic else None,
                keywords=keywords,
                answers=len(chosen),
                assigned=len(group.assigned_ids),
                organisations=sorted(named),
                anonymous_answers=sum(1 for r in chosen if not is_linked(r)),
                quotes=[
                    quote_of(by_id[i], members, organisations) for i in group.representative_ids
                ],
                response_ids=sorted(group.answer_ids),
                novelty=_novelty(topic.slug if topic else None, keywords, earlier, language),
            )
        )
    # Broadest first, then most answers; "other" last among equals; the title for a stable order.
    themes.sort(key=lambda t: (-t.breadth, -t.answers, t.topic_slug is None, t.title))
    return RoundSummary(
        round_id=round_.id,
        meeting_title=round_.meeting.title,
        answers=len(responses),
        organisations=len({r.organisation_id for r in disclosure.linked}),
        anonymous_answers=len(disclosure.anonymous),
        anonymous_withheld=disclosure.withheld,
        themes=[_keyed(theme, index) for index, theme in enumerate(themes, start=1)],
    )


def _topic_text(topic: Topic) -> TopicText:
    # Retired topics still hold their answers, but nothing new is assigned to them.
    return TopicText(
        slug=topic.slug,
        name=topic.name,
        description=topic.description or "",
        assignable=topic.active,
    )


def _keyed(theme: Theme, index: int) -> Theme:
    return replace(theme, key=f"t{index}")


def _title(topic: Topic | None, keywords: list[str], *, named: bool) -> str:
    """Offline titles: one of several themes of a topic is named by the topic and its
    keywords, an emergent one by its keywords alone; a topic's only or general theme by the
    topic ("" for "other")."""
    shown = ", ".join(keywords[:3]) if named or topic is None else ""
    if topic is None:
        return shown[:1].upper() + shown[1:]
    return f"{topic.name}: {shown}" if shown else topic.name


def _earlier_themes(uow: UnitOfWork, round_: Round) -> list[Theme]:
    """Themes of the stored summaries of earlier rounds that share a pillar with this one."""
    found: list[Theme] = []
    for other in uow.rounds.list(statuses=[RoundStatus.SUMMARISED]):
        if other.id == round_.id or not set(other.pillar_ids) & set(round_.pillar_ids):
            continue
        if other.meeting.starts_at >= round_.meeting.starts_at:
            continue
        stored = uow.summaries.latest_for_round(other.id)
        if stored is not None and "themes" in stored.body:
            found.extend(RoundSummary.from_dict(stored.body).themes)
    return found


def _novelty(
    topic_slug: str | None, keywords: list[str], earlier: list[Theme], language: str
) -> Novelty:
    mine = {t for k in keywords for t in terms(k, language)}
    for theme in earlier:
        shared = len(mine & {t for k in theme.keywords for t in terms(k, language)})
        same_topic = topic_slug is not None and theme.topic_slug == topic_slug
        if shared >= (_SAME_TOPIC_OVERLAP if same_topic else _OTHER_TOPIC_OVERLAP):
            return Novelty.RECURRING
    return Novelty.NEW


@dataclass(frozen=True)
class Phrasing:
    """A summary as computed offline and as the network's model phrased it."""

    offline: RoundSummary
    phrased: RoundSummary


def phrase_round(
    uow_factory: UnitOfWorkFactory, round_id: int, model: LanguageModel
) -> Phrasing | None:
    """Ask the network's model to phrase the round's summary as its answers stand now. The
    model may take up to its timeout, so this reads in a short unit of work of its own and
    asks outside any transaction; the caller uses the phrasing only if the offline summary
    is still the same when it stores one."""
    with uow_factory() as uow:
        round_ = uow.rounds.get(round_id)
        if round_ is None:
            return None
        offline = build_summary(uow, round_)
        evidence = _evidence(uow, offline)
        network = uow.network.get()
    language = network.language if network and network.language in ("nl", "en") else "nl"
    return Phrasing(
        offline=offline,
        phrased=phrase_summary(offline, evidence, model=model, language=language),
    )


def _evidence(uow: UnitOfWork, summary: RoundSummary) -> list[ThemeEvidence]:
    """What the model may see of each theme: the answers, with their municipality only
    where the member's attribution allows it."""
    responses = {r.id: r for r in uow.responses.for_round(summary.round_id)}
    organisations = {o.id: o.name for o in uow.organisations.list(include_inactive=True)}
    return [
        ThemeEvidence(
            key=theme.key,
            title=theme.title,
            topic_name=theme.topic_name,
            keywords=theme.keywords,
            answers=[
                (
                    responses[i].text,
                    None
                    if responses[i].attribution == Attribution.ANONYMOUS
                    else organisations.get(responses[i].organisation_id),
                )
                for i in theme.response_ids
                if i in responses
            ],
        )
        for theme in summary.themes
    ]
