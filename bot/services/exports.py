"""Exports of a round, or of a pillar's rounds over a period, as files.

CSV and XLSX hold every current answer that may be published (withdrawn ones and withheld
anonymous ones left out, see `bot.disclosure`) with its topic and theme; DOCX is the
knowledge agenda with charts; Markdown is the summary `inbreng summary` prints. Names and
organisations appear only as each member allowed: the rows are built here, once.

An anonymous row carries nothing that could link it to its author's other answers or to
when they were active: no answer number, no times, and it comes after the attributed rows
of its round, in the order of its pillar, topic and text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.disclosure import is_linked
from bot.domain import (
    Attribution,
    AuditEntry,
    Member,
    Organisation,
    Pillar,
    Response,
    Round,
    Topic,
)
from bot.errors import InbrengError
from bot.exports.answers_table import AnswerRow
from bot.exports.formats import PNG_MEDIA_TYPE, ExportFormat
from bot.exports.round_export import RoundExport
from bot.messages import File
from bot.permissions import Actor, Permission, audit_actor, require
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.round_lifecycle import REPORTABLE
from bot.services.lookup import round_or_refuse
from bot.services.participation import build_participation, round_disclosure
from bot.services.reports import ReportService
from bot.summary.markdown import summary_markdown
from bot.summary.model import RoundSummary
from bot.texts import Texts
from bot.voice import Voice, pillar_names


@dataclass(frozen=True, kw_only=True)
class _Lookups:
    """What turning a round's responses into rows needs, read in one unit of work."""

    members: dict[int, Member]
    organisations: dict[int, Organisation]
    topics: dict[int, Topic]
    pillars: dict[int, Pillar]


class ExportService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, texts: Texts, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._texts = texts
        self._clock = clock
        self._reports = ReportService(uow_factory=uow_factory)

    def for_round(self, round_id: int, *, fmt: ExportFormat, language: str, reader: Actor) -> File:
        """The round as a file, for whoever may export it; written to the audit log
        (`round.exported`) as it is read."""
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id)
            pillars = [p.slug for p in round_.pillars]
        require(reader, Permission.EXPORT_ROUND, pillars=pillars)
        voice = self._voice(language)
        exported = audit_actor(reader).entry(
            "round.exported",
            subject_type="round",
            subject_id=round_id,
            details={"round_id": round_id, "format": fmt.value},
        )
        export = self._gather(round_id, voice, audit=exported)
        return self._render(
            [export],
            fmt,
            voice,
            stem=voice.plain("export_file.names.round", id=round_id),
            title=voice.plain("export_file.agenda.title", pillars=export.pillar_names),
        )

    def for_pillar(
        self,
        pillar_slug: str,
        *,
        since: date | None,
        until: date | None,
        fmt: ExportFormat,
        language: str,
        reader: Actor,
    ) -> File:
        """The rounds of the pillar (members' meetings included) whose meeting day falls
        from `since` up to and including `until`, oldest meeting first; written to the
        audit log (`round.exported`: the pillar, the period and the rounds) as they are
        read."""
        voice = self._voice(language)
        with self._uow_factory() as uow:
            pillar = self._pillar(uow, pillar_slug)
            require(reader, Permission.EXPORT_ROUND, pillars=[pillar.slug])
            rounds = [
                r
                for r in uow.rounds.list()
                if pillar.id in r.pillar_ids
                # Not those that never opened, nor a cancelled one: its meeting did not
                # take place, so its answers are on no agenda.
                and r.status in REPORTABLE
                and _within(self._day_of(r.meeting.starts_at), since, until)
            ]
            rounds.sort(key=lambda r: (r.meeting.starts_at, r.id))
            details = {
                "pillar": pillar.slug,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "rounds": [r.id for r in rounds],
                "format": fmt.value,
            }
            uow.audit.record(
                audit_actor(reader).entry(
                    "round.exported", subject_type="pillar", subject_id=pillar.id, details=details
                )
            )
            uow.commit()
        exports = [self._gather(r.id, voice, audit=None) for r in rounds]
        period = (
            voice.plain("export_file.agenda.period", starts_at=since, until=until)
            if since or until
            else ""
        )
        return self._render(
            exports,
            fmt,
            voice,
            stem=voice.plain(
                "export_file.names.pillar",
                pillar=pillar.slug,
                starts_at=since.isoformat() if since else None,
                until=until.isoformat() if until else None,
            ),
            title=voice.plain("export_file.agenda.title", pillars=pillar.name),
            intro=period,
            several=True,
        )

    def charts(self, round_id: int, *, language: str) -> tuple[File, ...]:
        """The round's charts as PNG files, to post with its summary: each chart one file, or
        several when it has more bars than one image shows (numbered from 1)."""
        from bot.exports import charts  # matplotlib loads slowly: only when drawing

        voice = self._voice(language)
        export = self._gather(round_id, voice, audit=None)  # for a channel post: no reader
        drawn = (
            (
                "export_file.names.themes_chart",
                charts.answers_per_theme(export.summary.shown, voice),
            ),
            (
                "export_file.names.response_chart",
                charts.response_per_municipality(export.participation, voice),
            ),
        )
        return tuple(
            File(
                filename=voice.plain(name, id=round_id)
                + (f"-{number}" if len(pages) > 1 else "")
                + ".png",
                media_type=PNG_MEDIA_TYPE,
                content=page,
            )
            for name, pages in drawn
            for number, page in enumerate(pages, start=1)
        )

    # --- gathering --------------------------------------------------------------------

    def _gather(self, round_id: int, voice: Voice, *, audit: AuditEntry | None) -> RoundExport:
        """The round's rows and summary; `audit`: the entry for this read, recorded in the
        unit of work that reads the answers (None: the pillar's export recorded its own)."""
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id)
            all_pillars = uow.pillars.list()
            lookups = _Lookups(
                members={m.id: m for m in uow.members.list(include_inactive=True)},
                organisations={o.id: o for o in uow.organisations.list(include_inactive=True)},
                topics={t.id: t for p in all_pillars for t in uow.pillars.all_topics(p.id)},
                pillars={p.id: p for p in all_pillars},
            )
            responses = round_disclosure(uow, round_).shown
            participation = build_participation(uow, round_)
            if audit is not None:
                uow.audit.record(audit)
                uow.commit()
        summary = self._reports.summary(round_id)
        return RoundExport(
            round_=round_,
            summary=summary,
            participation=participation,
            rows=self._rows(round_, responses, summary, lookups, voice),
        )

    def _rows(
        self,
        round_: Round,
        responses: list[Response],
        summary: RoundSummary,
        lookups: _Lookups,
        voice: Voice,
    ) -> list[AnswerRow]:
        # Themes hidden by the reviewer are left out of exports; their answers stay.
        theme_of = {i: t for t in summary.shown for i in t.response_ids}
        assigned_topic = {i: t for t in summary.themes for i in t.response_ids}
        pillar_by_slug = {p.slug: p for p in lookups.pillars.values()}
        round_pillars = pillar_names(round_)
        rows = []
        for response in responses:
            chosen = lookups.topics.get(response.topic_id) if response.topic_id else None
            placed = assigned_topic.get(response.id)
            if chosen is not None:
                topic_name, pillar = chosen.name, lookups.pillars.get(chosen.pillar_id)
            elif placed is not None and placed.topic_name is not None:
                topic_name = placed.topic_name
                pillar = pillar_by_slug.get(placed.pillar_slug or "")
            else:
                topic_name, pillar = "", None  # "other", and the bot found no topic either
            theme = theme_of.get(response.id)
            linked = is_linked(response)
            rows.append(
                AnswerRow(
                    answer_id=response.id if linked else None,
                    round_id=round_.id,
                    meeting=round_.meeting.title,
                    meeting_date=self._day_of(round_.meeting.starts_at).isoformat(),
                    pillar=pillar.name if pillar else round_pillars,
                    topic=topic_name or voice.plain("export_file.other_topic"),
                    topic_assigned=chosen is None and bool(topic_name),
                    theme=(theme.title or voice.plain("export_file.other_theme")) if theme else "",
                    text=response.text,
                    network_help=response.network_help,
                    member=_shown_name(response, lookups.members),
                    organisation=_shown_organisation(response, lookups.organisations),
                    created_at=self._moment(response.created_at) if linked else "",
                    edited_at=self._moment(response.edited_at)
                    if linked and response.edited_at
                    else "",
                )
            )
        # Anonymous rows last, in an order that says nothing of when or by whom.
        anonymous = sorted(
            (r for r in rows if r.answer_id is None),
            key=lambda r: (r.pillar, r.topic, r.text, r.network_help),
        )
        return [r for r in rows if r.answer_id is not None] + anonymous

    # --- rendering --------------------------------------------------------------------

    def _render(
        self,
        exports: list[RoundExport],
        fmt: ExportFormat,
        voice: Voice,
        *,
        stem: str,
        title: str,
        intro: str = "",
        several: bool = False,
    ) -> File:
        """`several`: an export of a pillar's rounds, however many there turn out to be."""
        # The renderers load openpyxl, python-docx or matplotlib: only the one asked for.
        if fmt == ExportFormat.CSV:
            from bot.exports.csv_file import answers_csv

            content = answers_csv([row for e in exports for row in e.rows], voice)
        elif fmt == ExportFormat.XLSX:
            from bot.exports.xlsx_file import answers_xlsx

            content = answers_xlsx(exports, voice, title=title)
        elif fmt == ExportFormat.DOCX:
            from bot.exports.agenda_docx import knowledge_agenda

            content = knowledge_agenda(exports, voice, title=title, intro=intro)
        else:
            markdown = _markdown(exports, voice, title=title, intro=intro, several=several)
            content = markdown.encode("utf-8")
        return File(filename=f"{stem}.{fmt.value}", media_type=fmt.media_type, content=content)

    # --- helpers ----------------------------------------------------------------------

    def _voice(self, language: str) -> Voice:
        return Voice(texts=self._texts, language=language, now=self._clock.now())

    @property
    def _zone(self) -> ZoneInfo:
        return self._texts.zone

    def _day_of(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    def _moment(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).isoformat(timespec="seconds")

    @staticmethod
    def _pillar(uow: UnitOfWork, slug: str) -> Pillar:
        pillar = uow.pillars.by_slug(slug)
        if pillar is None:
            known = ", ".join(p.slug for p in uow.pillars.list())
            raise InbrengError("unknown_pillar", pillar=slug, known=known)
        return pillar


def _markdown(
    exports: list[RoundExport], voice: Voice, *, title: str, intro: str, several: bool
) -> str:
    documents = [summary_markdown(voice, e.round_, e.summary, e.participation) for e in exports]
    if not several:
        return documents[0]
    # A pillar's export: its own heading, then each round's summary in turn.
    head = voice.document("export_file.markdown_head", title=title, text=intro)
    if not exports:
        return f"{head}\n\n{voice.plain('export_file.agenda.no_rounds')}\n"
    return f"{head}\n\n" + "\n---\n\n".join(documents)


def _within(day: date, since: date | None, until: date | None) -> bool:
    return (since is None or since <= day) and (until is None or day <= until)


def _shown_name(response: Response, members: dict[int, Member]) -> str:
    if response.attribution != Attribution.NAME or response.member_id is None:
        return ""
    member = members.get(response.member_id)
    return member.name if member else ""


def _shown_organisation(response: Response, organisations: dict[int, Organisation]) -> str:
    if response.attribution == Attribution.ANONYMOUS:
        return ""
    organisation = organisations.get(response.organisation_id)
    return organisation.name if organisation else ""
