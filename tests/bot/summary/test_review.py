"""Reviewing a closed round's summary: retitle and hide themes, approve, post, and what is
new or recurring against an earlier round of the pillar. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from adapters.llm.chat_completions import ChatCompletions
from adapters.llm.settings import LlmSettings
from bot.application.core import Core
from bot.domain import DeliveryKind, Round, RoundStatus, SummaryStatus
from bot.errors import InbrengError
from bot.permissions import Permission
from bot.ports import UnitOfWorkFactory
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest, RoundService
from bot.summary.markdown import summary_markdown
from bot.summary.model import Novelty
from bot.voice import Voice
from testing.fakes.chat_completions import FakeChatCompletions
from tests.support import COLLEAGUE, LEAD, MEMBER, OPERATOR, FakeClock, ScriptedChat

HENK = "h.lubbers@coevorden.example"
SANNE = "s.kok@de-ronde-venen.example"


def give(core: Core, round_: Round, email: str, topic: str, text: str) -> None:
    member = core.members.by_email(email)
    assert member is not None
    core.responses.submit(member, round_.id, AnswerInput(topic=topic, text=text))


def close(core: Core, round_: Round, clock: FakeClock) -> None:
    clock.advance(days=8)
    core.rounds.close(round_.id, actor=OPERATOR)


def test_a_reviewer_retitles_hides_approves_and_posts(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    give(core, open_round, HENK, "onderwijshuisvesting", "Normbedragen nieuwbouw scholen te laag")
    give(core, open_round, SANNE, "verduurzaming", "Sporthal isoleren")
    close(core, open_round, clock)
    review = core.summary_review
    assert review.status(open_round.id) == SummaryStatus.DRAFT
    first, second = core.reports.summary(open_round.id).themes

    review.retitle(open_round.id, first.key, "  Bouwkosten   scholen ", actor=OPERATOR)
    review.set_hidden(open_round.id, second.key, True, actor=OPERATOR)
    review.approve(open_round.id, actor=OPERATOR)

    reviewed = core.reports.summary(open_round.id)
    assert reviewed.themes[0].title == "Bouwkosten scholen"
    assert reviewed.themes[0].original_title == first.title
    assert [t.key for t in reviewed.shown] == [first.key]
    assert review.status(open_round.id) == SummaryStatus.APPROVED
    voice = Voice(texts=core.texts, language="nl", now=clock.now())
    round_ = core.reports.read_round(
        open_round.id, reader=OPERATOR, permission=Permission.READ_ROUND_STATUS
    )
    document = summary_markdown(voice, round_, reviewed, core.reports.participation(open_round.id))
    assert "## Bouwkosten scholen" in document and "Sporthal" not in document
    # A change after approval sends it back to draft.
    review.set_hidden(open_round.id, second.key, False, actor=OPERATOR)
    assert review.status(open_round.id) == SummaryStatus.DRAFT

    postings = review.post(open_round.id, actor=OPERATOR)

    assert [(p.platform, p.pillar_slug) for p in postings] == [
        ("slack", "financien"), ("teams", "financien"),
    ]  # fmt: skip
    assert postings[0].channel == "C05PMGFIN01"
    assert review.status(open_round.id) == SummaryStatus.POSTED
    assert core.reports.summary(open_round.id).postings == postings
    with uow_factory() as uow:
        queued = [d for d in uow.deliveries.for_round(open_round.id) if d.channel]
        actions = [e.action for e in uow.audit.list()]
    assert sorted(str(d.channel) for d in queued if d.kind == DeliveryKind.SUMMARY) == [
        f"{p.platform}:{p.channel}" for p in postings
    ]
    for action in ("summary.retitled", "summary.theme_hidden", "summary.approved",
                   "summary.theme_shown", "summary.posted"):  # fmt: skip
        assert action in actions, action


def test_review_refuses_what_it_cannot_do_and_changes_nothing(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    give(core, open_round, MEMBER, "verduurzaming", "Zwembad")
    review = core.summary_review
    with pytest.raises(InbrengError) as early:
        review.retitle(open_round.id, "t1", "Te vroeg", actor=OPERATOR)
    assert early.value.key == "summary_not_ready"
    close(core, open_round, clock)
    before = core.reports.summary(open_round.id)

    for title in ("", "   ", "x" * 121):
        with pytest.raises(InbrengError) as bad:
            review.retitle(open_round.id, "t1", title, actor=OPERATOR)
        assert bad.value.key == "theme_title_invalid"
    with pytest.raises(InbrengError) as unknown:
        review.set_hidden(open_round.id, "t9", True, actor=OPERATOR)
    assert unknown.value.key == "theme_not_found"
    assert unknown.value.params["keys"] == "t1"
    with pytest.raises(InbrengError) as missing:
        review.approve(999, actor=OPERATOR)
    assert missing.value.key == "round_not_found"

    assert core.reports.summary(open_round.id) == before
    assert review.status(open_round.id) == SummaryStatus.DRAFT


def test_themes_of_an_earlier_round_of_the_pillar_make_a_theme_recurring(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    close(core, open_round, clock)
    later = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Pijleroverleg Financiën (voorjaar)",
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
        ),
        actor=OPERATOR,
    )
    give(core, later, COLLEAGUE, "onderwijshuisvesting", "Normbedragen voor nieuwbouw knellen")
    give(core, later, LEAD, "verduurzaming", "Zonnepanelen op het gemeentehuis")

    themes = {t.topic_slug: t.novelty for t in core.reports.summary(later.id).themes}

    assert themes == {"onderwijshuisvesting": Novelty.RECURRING, "verduurzaming": Novelty.NEW}


def test_closing_a_round_lets_the_networks_model_phrase_the_draft(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    """Through the round service as `serve` builds it, against a fake endpoint on loopback;
    the quotes stay the stored answers, and a failing model leaves the offline draft."""
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    with FakeChatCompletions() as model:
        model.answer_with(
            {"themes": [{"key": "t1", "title": "Bouwkosten van scholen"}],
             "synthesis": "Eén gemeente noemt de normbedragen."}
        )  # fmt: skip
        llm = LlmSettings(_env_file=None, base_url=model.url, model="eigen-model")
        rounds = RoundService(
            uow_factory=uow_factory,
            clock=clock,
            window=core.window,
            model=ChatCompletions.configured(llm),
        )
        clock.advance(days=8)
        rounds.close(open_round.id, actor=OPERATOR)
        sent = model.requests[0].text

    summary = core.reports.summary(open_round.id)
    assert (summary.phrased_by, summary.themes[0].title) == (
        "eigen-model",
        "Bouwkosten van scholen",
    )
    assert summary.synthesis == "Eén gemeente noemt de normbedragen."
    assert [q.text for q in summary.themes[0].quotes] == ["Normbedragen nieuwbouw te laag"]
    # Attribution "name" allows her organisation to be sent; a member's name never is.
    assert "Anna Jansen" not in sent and "Zeist" in sent


def _close_while_the_model_thinks(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory,
    meanwhile: Callable[[], object],
) -> None:  # fmt: skip
    """Close through a round service with a slow model; run `meanwhile` while the model
    is still answering, and check that the close was then still waiting for it."""
    with FakeChatCompletions() as model:
        model.answer_with(
            {"themes": [{"key": "t1", "title": "Bouwkosten van scholen"}],
             "synthesis": "De normbedragen knellen."}
        )  # fmt: skip
        model.delay_seconds = 1.0
        llm = LlmSettings(_env_file=None, base_url=model.url, model="eigen-model")
        rounds = RoundService(
            uow_factory=uow_factory,
            clock=clock,
            window=core.window,
            model=ChatCompletions.configured(llm),
        )
        closing = threading.Thread(target=rounds.close, args=(open_round.id,),
                                   kwargs={"actor": OPERATOR})  # fmt: skip
        closing.start()
        deadline = time.monotonic() + 10
        while not model.requests:
            assert closing.is_alive() and time.monotonic() < deadline
            time.sleep(0.01)
        meanwhile()
        still_closing = closing.is_alive()
        closing.join(timeout=10)
    assert still_closing, "`meanwhile` waited for the close to finish"


def test_the_model_is_asked_outside_the_closing_transaction(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    """The model may take its whole timeout: meanwhile the database stays writable (one
    writer at a time on SQLite) and the round is not locked."""
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    colleague = core.members.by_email(COLLEAGUE)
    assert colleague is not None
    clock.advance(days=8)

    _close_while_the_model_thinks(
        core, open_round, clock, uow_factory,
        meanwhile=lambda: core.members.set_language(colleague, "en"),
    )  # fmt: skip

    summary = core.reports.summary(open_round.id)
    assert (summary.phrased_by, summary.themes[0].title) == (
        "eigen-model",
        "Bouwkosten van scholen",
    )
    assert (updated := core.members.by_email(COLLEAGUE)) is not None and updated.language == "en"


def test_while_the_model_phrases_the_round_is_closed_and_takes_no_answer(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    """The close is committed before the model is asked: the round shows as closed while
    the model phrases, no answer slips in after the answers it was shown, and its phrasing
    is kept."""
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    seen: list[object] = []

    def answer_meanwhile() -> None:
        seen.append(core.rounds.get(open_round.id).status)
        try:
            give(core, open_round, LEAD, "onderwijshuisvesting", "Sneller vervangende nieuwbouw")
        except InbrengError as refused:
            seen.append(refused.key)

    _close_while_the_model_thinks(core, open_round, clock, uow_factory, meanwhile=answer_meanwhile)

    assert seen == [RoundStatus.CLOSED, "round_not_open"]
    summary = core.reports.summary(open_round.id)
    assert summary.phrased_by == "eigen-model" and summary.answers == 1
    assert core.rounds.get(open_round.id).status == RoundStatus.SUMMARISED


def test_a_lead_reviews_the_draft_in_the_chat(
    core: Core,
    open_round: Round,
    clock: FakeClock,
    chat: Callable[[str], ScriptedChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    """What the CLI can do, the lead does by typing (Slack and Teams carry the same
    commands): every theme with its key, retitle, hide, show, approve, post."""
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    give(core, open_round, HENK, "onderwijshuisvesting", "Normbedragen nieuwbouw scholen te laag")
    give(core, open_round, SANNE, "verduurzaming", "Sporthal isoleren")
    close(core, open_round, clock)
    first, second = core.reports.summary(open_round.id).themes
    lead = chat(LEAD)

    draft = lead.type(f"samenvatting {open_round.id}")
    assert f"{first.key} · " in draft and f"{second.key} · " in draft
    assert "Concept" in draft and "[1] Goedkeuren" in draft

    retitled = lead.type(f"samenvatting {open_round.id} titel {first.key} Bouwkosten  scholen")
    assert f"{first.key} · Bouwkosten scholen" in retitled
    hidden = lead.type(f"samenvatting verberg {second.key}")  # the latest round by default
    assert f"{second.key} · " in hidden and "verborgen" in hidden
    assert "[1] Goedkeuren" in hidden
    approved = lead.type("1")  # the button
    assert "Goedgekeurd" in approved and "Goedkeuren" not in approved

    summary = core.reports.summary(open_round.id)
    assert summary.themes[0].title == "Bouwkosten scholen"
    assert [t.key for t in summary.shown] == [first.key]
    assert core.summary_review.status(open_round.id) == SummaryStatus.APPROVED

    lead.type(f"plaats samenvatting {open_round.id}")
    assert core.summary_review.status(open_round.id) == SummaryStatus.POSTED
    with uow_factory() as uow:
        entries = [(e.action, e.actor_member_id) for e in uow.audit.list()]
    lead_id = core.members.by_email(LEAD)
    assert lead_id is not None
    for action in ("summary.retitled", "summary.theme_hidden", "summary.approved",
                   "summary.posted"):  # fmt: skip
        assert (action, lead_id.id) in entries


def test_review_in_the_chat_refuses_clearly_and_changes_nothing(
    core: Core, open_round: Round, clock: FakeClock, chat: Callable[[str], ScriptedChat]
) -> None:
    give(core, open_round, MEMBER, "onderwijshuisvesting", "Normbedragen nieuwbouw te laag")
    lead = chat(LEAD)
    early = lead.type(f"samenvatting {open_round.id} verberg t1")
    assert "nog geen samenvatting om te beoordelen" in early
    close(core, open_round, clock)
    before = core.reports.summary(open_round.id)

    assert "kan ik niet met een samenvatting doen" in lead.type(
        f"samenvatting {open_round.id} wissen t1"
    )
    assert "Welk thema?" in lead.type(f"samenvatting {open_round.id} verberg")
    assert "bestaat niet" in lead.type(f"samenvatting {open_round.id} verberg t9")
    assert "1 tot 120 tekens" in lead.type(f"samenvatting {open_round.id} titel t1 {'x' * 121}")
    refused = chat(MEMBER).type(f"samenvatting {open_round.id} verberg t1")
    assert "Verberg" not in refused and core.reports.summary(open_round.id) == before
    assert core.summary_review.status(open_round.id) == SummaryStatus.DRAFT
