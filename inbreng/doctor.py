"""The checks of `inbreng doctor`, in the order an operator fixes things: settings first,
then the database and what it holds, then the platforms. Each gives findings (data);
`inbreng/cli/doctor.py` renders them. Secrets are only ever reported as set or not set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from adapters.llm.doctor import llm_findings
from adapters.llm.settings import LlmSettings
from adapters.slack.doctor import slack_findings
from adapters.slack.settings import SlackSettings
from adapters.teams.doctor import teams_findings
from adapters.teams.settings import TeamsSettings
from bot.clock import SystemClock
from bot.doctor import Finding, Level
from bot.services.doctor import Platforms, network_findings, scheduler_findings, trust_findings
from inbreng.database_access import timeouts_of
from inbreng.settings import Settings
from storage import migrate
from storage.database import Database
from storage.doctor import probe, read_errors
from storage.errors import DatabaseReadError

SettingsT = TypeVar("SettingsT", bound=BaseSettings)
TIME_VARIABLES = frozenset({"INBRENG_TIMEZONE", "INBRENG_WORKING_HOURS", "INBRENG_HOLIDAYS"})
ENV_FILE = Path(".env")  # pydantic-settings reads it from the working directory
SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    Settings,
    SlackSettings,
    TeamsSettings,
    LlmSettings,
)


@dataclass(frozen=True)
class Loaded:
    """The settings that could be read; None for a class with an invalid value."""

    settings: Settings | None
    slack: SlackSettings | None
    teams: TeamsSettings | None
    llm: LlmSettings | None
    invalid: frozenset[str]  # variables whose values were replaced by their defaults


def checkup() -> tuple[Loaded, list[Finding]]:
    loaded, findings = settings_findings()
    if loaded.settings is not None:
        if not loaded.invalid & TIME_VARIABLES:
            findings += timezone_findings(loaded.settings)
        findings += database_findings(loaded.settings, platforms_of(loaded))
    if loaded.slack is not None:
        findings += slack_findings(loaded.slack)
    if loaded.teams is not None and loaded.settings is not None:
        findings += teams_findings(
            loaded.teams, emulator=loaded.settings.teams_emulator, host=loaded.settings.host
        )
    if loaded.llm is not None:
        findings += llm_findings(loaded.llm)
    findings.append(secrets_finding(loaded))
    return loaded, findings


def variable_name(settings_class: type[BaseSettings], field: str) -> str:
    return f"{settings_class.model_config.get('env_prefix', '')}{field}".upper()


def settings_findings() -> tuple[Loaded, list[Finding]]:
    findings: list[Finding] = []
    values: dict[type[BaseSettings], BaseSettings | None] = {}
    invalid: set[str] = set()
    for settings_class in SETTINGS_CLASSES:
        try:
            values[settings_class] = settings_class()
            continue
        except ValidationError as error:
            problems = error.errors()
        fields = {str(problem["loc"][0]) for problem in problems}
        invalid |= {variable_name(settings_class, field) for field in fields}
        findings += [
            Finding(
                "settings",
                Level.FAULT,
                "invalid",
                # The message only: the input may be a secret.
                {
                    "variable": variable_name(settings_class, str(problem["loc"][0])),
                    "problem": problem["msg"],
                },
            )
            for problem in problems
        ]
        # The other checks go on with the defaults in place of the invalid values.
        defaults = {field: settings_class.model_fields[field].default for field in fields}
        try:
            values[settings_class] = settings_class(**defaults)
        except ValidationError:
            values[settings_class] = None
    if not findings:
        findings.append(Finding("settings", Level.OK, "valid"))
    if ENV_FILE.is_file():
        findings.append(Finding("settings", Level.INFO, "env_file", {"path": ENV_FILE.resolve()}))
    else:
        findings.append(Finding("settings", Level.INFO, "no_env_file", {"path": Path.cwd()}))
    loaded = Loaded(
        settings=_as(values[Settings], Settings),
        slack=_as(values[SlackSettings], SlackSettings),
        teams=_as(values[TeamsSettings], TeamsSettings),
        llm=_as(values[LlmSettings], LlmSettings),
        invalid=frozenset(invalid),
    )
    return loaded, findings


def _as(value: object, kind: type[SettingsT]) -> SettingsT | None:
    return value if isinstance(value, kind) else None


def timezone_findings(settings: Settings) -> list[Finding]:
    now = SystemClock().now()
    window = settings.sending_window()
    return [
        Finding("timezone", Level.OK, "zone", {"zone": settings.timezone, "now": now}),
        Finding(
            "timezone",
            Level.INFO,
            "window",
            {
                "hours": settings.working_hours,
                "holidays": settings.holidays,
                "open": window.allows(now),
                "next": window.next_allowed(now),
            },
        ),
    ]


def platforms_of(loaded: Loaded) -> Platforms:
    """The chat platforms this installation serves, by its settings."""
    emulator = loaded.settings is not None and loaded.settings.teams_emulator
    return Platforms(
        slack=loaded.slack is not None and loaded.slack.enabled,
        teams=emulator or (loaded.teams is not None and loaded.teams.authenticated),
    )


def database_findings(settings: Settings, platforms: Platforms) -> list[Finding]:
    found = probe(settings.database_url, timeouts=timeouts_of(settings))
    if found.missing_file is not None:
        return [Finding("database", Level.FAULT, "no_file", {"path": found.missing_file})]
    if found.error is not None:
        params = {"url": found.url, "error": found.error}
        return [Finding("database", Level.FAULT, "unreachable", params)]
    findings = [
        Finding(
            "database",
            Level.OK,
            "reachable",
            {"url": found.url, "kind": found.kind, "version": found.version},
        )
    ]
    try:
        with read_errors(settings.database_url):
            return findings + _schema_findings(settings, platforms)
    except DatabaseReadError as error:  # e.g. a role without rights on the tables
        return [*findings, Finding("database", Level.FAULT, "unreadable", {"error": str(error)})]


def _schema_findings(settings: Settings, platforms: Platforms) -> list[Finding]:
    current, head = migrate.current_revision(settings.database_url), migrate.head_revision()
    if current is None:
        return [Finding("database", Level.FAULT, "not_migrated")]
    if current != head:
        key = "behind" if migrate.known_revision(current) else "unknown_revision"
        return [Finding("database", Level.FAULT, key, {"current": current, "head": head})]
    findings = [Finding("database", Level.OK, "migrated", {"revision": head})]
    database = Database(settings.database_url, timeouts=timeouts_of(settings))
    try:
        findings += network_findings(database.unit_of_work, timezone=settings.timezone)
        findings += trust_findings(database.unit_of_work, configured=platforms)
        findings += scheduler_findings(
            database.unit_of_work, clock=SystemClock(), window=settings.sending_window()
        )
    finally:
        database.dispose()
    return findings


def secrets_finding(loaded: Loaded) -> Finding:
    """Which secrets are set, by variable name; never their values."""
    present: list[str] = []
    absent: list[str] = []
    for settings_class, values in (
        (SlackSettings, loaded.slack),
        (TeamsSettings, loaded.teams),
        (LlmSettings, loaded.llm),
    ):
        for field, info in settings_class.model_fields.items():
            if info.annotation is None or SecretStr not in getattr(info.annotation, "__args__", ()):
                continue
            name = variable_name(settings_class, field)
            (present if values is not None and getattr(values, field) else absent).append(name)
    return Finding("secrets", Level.INFO, "listing", {"present": present, "absent": absent})
