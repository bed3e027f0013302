"""What every member can do: see rounds, answer, edit, withdraw, decline, be away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.application.core import Core
from bot.application.queries import OwnAnswer
from bot.conversation import forms, views
from bot.conversation.arguments import id_argument, required_id
from bot.conversation.commands import Command
from bot.conversation.turn import Turn
from bot.domain import Response, Round, Topic
from bot.errors import FieldErrors, InbrengError
from bot.events import FormEvent
from bot.markup import Markup
from bot.messages import Button, Message, Placement
from bot.permissions import Permission, allows
from bot.services.audience import in_audience
from bot.timeparse import parse_day


def list_rounds(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    member = turn.member
    open_rounds = {r.id for r in core.rounds.open_for(member)}
    if allows(member, Permission.MANAGE_ROUNDS):  # who runs the rounds sees every one
        rounds = core.rounds.find()
    else:
        rounds = [core.rounds.get(round_id) for round_id in sorted(open_rounds)]
    if not rounds:
        return [Message(text=turn.t("rounds.none"))]
    messages = [Message(title=turn.t("rounds.title", count=len(rounds)))]
    for round_ in rounds:
        messages.append(views.round_line(turn, round_, can_answer=round_.id in open_rounds))
    return messages


HOME_ANSWERS = 20  # the home tab stays short; `mine` shows everything
# Whether a page can show these messages (a platform's limit on one view).
Fits = Callable[[list[Message]], bool]


def home(core: Core, turn: Turn, *, fits: Fits | None = None) -> list[Message]:
    """An overview: the open rounds to answer and the member's own latest answers, as many
    as `fits` allows (at most HOME_ANSWERS answers), each list saying how many more
    `rondes` and `mine` show."""
    view = core.queries.home(turn.member, answers=HOME_ANSWERS)
    open_rounds = view.open_rounds
    invitations = [views.invitation(turn, r) for r in open_rounds]
    answers = _own_responses(turn, view.answers)

    def page(rounds: int, shown: int) -> list[Message]:
        more_rounds = len(open_rounds) - rounds
        more_answers = view.answer_count - shown
        return [
            Message(title=turn.t("home.title"), text=turn.t("home.intro")),
            Message(
                title=turn.t("home.open_rounds"),
                text=Markup() if open_rounds else turn.t("home.no_rounds"),
            ),
            *invitations[:rounds],
            *([Message(text=turn.t("home.more_rounds", count=more_rounds))] if more_rounds else []),
            Message(
                title=turn.t("home.mine"),
                text=Markup() if view.answer_count else turn.t("home.no_answers"),
            ),
            *answers[:shown],
            *([Message(text=turn.t("home.more", count=more_answers))] if more_answers else []),
        ]

    rounds, shown = len(invitations), len(answers)
    while fits is not None and (rounds or shown) and not fits(page(rounds, shown)):
        if shown:
            shown -= 1  # answers give way first: the rounds still to answer matter most
        else:
            rounds -= 1
    return page(rounds, shown)


def _choose_round(core: Core, turn: Turn, args: list[str]) -> Round | list[Message]:
    """The round named in the arguments, or the only open one; otherwise a list to pick from."""
    round_id = id_argument(args, what="round")
    if round_id is not None:
        return core.rounds.get(round_id)
    open_rounds = core.rounds.open_for(turn.member)
    if len(open_rounds) == 1:
        return open_rounds[0]
    if not open_rounds:
        return [Message(text=turn.t("rounds.none"))]
    return [Message(text=turn.t("rounds.choose"))] + [
        views.invitation(turn, r) for r in open_rounds
    ]


def _answerable(core: Core, turn: Turn, round_: Round) -> None:
    """Refuse early, before a form is filled in for nothing."""
    if not round_.is_open_at(turn.now):
        raise InbrengError("round_not_open", round_id=round_.id, status=round_.status)
    if not in_audience(turn.member, round_):
        raise InbrengError("not_in_audience", round_id=round_.id)


def answer(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    chosen = _choose_round(core, turn, args)
    if isinstance(chosen, list):
        return chosen
    _answerable(core, turn, chosen)
    from_invitation = args[1:2] == [views.FROM_INVITATION]
    context = f"round:{chosen.id}" + (f":{views.FROM_INVITATION}" if from_invitation else "")
    form = forms.answer_form(
        turn,
        context=context,
        round_=chosen,
        pillars=list(chosen.pillars),
        limits=_limits(core, None),
        opened_by=Button(label=turn.t("buttons.open_form"), action=Command.ANSWER,
                         value=" ".join([str(chosen.id), *args[1:2]])),
    )  # fmt: skip
    return [Message(form=form)]


def decline(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    chosen = _choose_round(core, turn, args)
    if isinstance(chosen, list):
        return chosen
    had_answered = core.responses.decline(turn.member, chosen.id)
    key = "declined.after_answer" if had_answered else "declined.text"
    # In the place of the invitation that was declined: its buttons are done with.
    return [Message(text=turn.t(key, meeting=chosen.meeting.title), placement=Placement.REPLACE)]


def _limits(core: Core, stored: Response | None) -> dict[str, int]:
    """How long each text of the answer form may be (a stored answer keeps its length)."""
    return {name: core.responses.limit(stored, name) for name in ("text", "network_help")}


def _topic(core: Core, response: Response) -> Topic | None:
    return core.responses.topic(response.topic_id) if response.topic_id is not None else None


def _topic_name(core: Core, response: Response) -> str | None:
    topic = _topic(core, response)
    return topic.name if topic else None


def mine(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    answers = core.queries.own_answers(turn.member)
    if not answers:
        return [Message(text=turn.t("mine.none"))]
    return [
        Message(
            title=turn.t("mine.title", count=len(answers)),
            part_title=lambda part, parts: turn.t("mine.part", part=part, parts=parts),
        ),
        *_own_responses(turn, answers),
    ]


def _own_responses(turn: Turn, answers: list[OwnAnswer]) -> list[Message]:
    """One message per answer."""
    return [views.own_response(turn, a.response, a.round, a.topic_name) for a in answers]


def edit(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    response_id = id_argument(args, what="response")
    if response_id is None:
        return mine(core, turn, args)
    response = core.responses.own(turn.member, response_id)
    round_ = core.rounds.get(response.round_id)
    _answerable(core, turn, round_)
    form = forms.answer_form(
        turn,
        context=f"response:{response.id}",
        round_=round_,
        pillars=list(round_.pillars),
        limits=_limits(core, response),
        values=forms.answer_values(response, _topic(core, response)),
        opened_by=Button(label=turn.t("buttons.open_form"), action=Command.EDIT,
                         value=str(response.id)),
    )  # fmt: skip
    return [Message(form=form)]


def withdraw(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    response_id = required_id(args, what="response", command=Command.WITHDRAW)
    response = core.responses.withdraw(turn.member, response_id)
    round_ = core.rounds.get(response.round_id)
    text = turn.t("withdrawn.text", id=response_id, meeting=round_.meeting.title)
    # In the place of the answer's own message, whose buttons are done with; a list of
    # answers stays, and pressing the withdrawn one again says it is withdrawn.
    listed = args[1:2] == [views.IN_LIST]
    return [Message(text=text, placement=Placement.NEW if listed else Placement.REPLACE)]


def submit_answer(core: Core, turn: Turn, event: FormEvent) -> list[Message]:
    """The answer form came back: store it, or return it with errors and the values kept."""
    kind, _, rest = event.context.partition(":")
    raw_id, _, source = rest.partition(":")
    # A forged id beyond any database's integer range must not reach a query (max 9 digits).
    if kind not in ("round", "response") or not raw_id.isdecimal() or len(raw_id) > 9:
        raise InbrengError("unknown_form")
    if source not in ("", views.FROM_INVITATION):
        raise InbrengError("unknown_form")
    answer_input = forms.read_answer(event.values)
    try:
        if kind == "round":
            response = core.responses.submit(turn.member, int(raw_id), answer_input)
        else:
            response = core.responses.edit(turn.member, int(raw_id), answer_input)
    except InbrengError as error:
        if error.field is None and not isinstance(error, FieldErrors):
            raise  # not about a field (round closed, not found): say so plainly
        round_ = _round_of_form(core, turn, kind, int(raw_id))
        form = forms.answer_form(
            turn,
            context=event.context,
            round_=round_,
            pillars=list(round_.pillars),
            limits=_limits(
                core, core.responses.own(turn.member, int(raw_id)) if kind == "response" else None
            ),
            values=event.values,
            errors=forms.field_errors(turn, error),
        )
        return [Message(form=form)]
    round_ = core.rounds.get(response.round_id)
    confirmation = views.confirmation(
        turn, response, round_, _topic_name(core, response), edited=kind == "response"
    )
    if source == views.FROM_INVITATION:
        return [confirmation, views.answered_invitation(turn, round_)]
    return [confirmation]


def _round_of_form(core: Core, turn: Turn, kind: str, object_id: int) -> Round:
    if kind == "round":
        return core.rounds.get(object_id)
    return core.rounds.get(core.responses.own(turn.member, object_id).round_id)


_UNTIL_WORDS = frozenset({"tot", "tm", "t/m", "until", "till"})
LONGEST_ABSENCE = timedelta(days=366)


def away(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """`afwezig tot 24 december` (any date `bot.timeparse` reads): no messages until the end
    of that day; without a date, what is noted now."""
    words = [word for word in args if word.lower() not in _UNTIL_WORDS]
    today = core.window.local_day(turn.now)
    if not words:
        until = turn.member.out_of_office_until
        if until is None or until < today:
            return [Message(text=turn.t("away.none"))]
        return [Message(text=turn.t("away.current", until=until))]
    typed = " ".join(words)  # `24 december` is two words
    until = parse_day(typed, today=today, zone=core.texts.zone, field="until")
    if until < today:
        raise InbrengError("day_in_past", field="until", value=typed[:40])
    if until > today + LONGEST_ABSENCE:
        raise InbrengError("day_too_far", field="until", value=typed[:40])
    core.members.set_out_of_office(turn.member, until)
    return [Message(text=turn.t("away.set", until=until))]


def back(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    core.members.set_out_of_office(turn.member, None)
    return [Message(text=turn.t("away.back"))]


def set_language(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    if not args:
        return [Message(text=turn.t("language.current", language=turn.language))]
    member = core.members.set_language(turn.member, args[0].lower())
    changed = Turn.of(member, texts=turn.texts, now=turn.now)
    return [Message(text=changed.t("language.changed"))]
