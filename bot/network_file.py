"""The network file (DESIGN.md, "Interfaces other tools rely on"): YAML in, frozen records out.

`parse_network` refuses a file as a whole: every problem it finds (YAML syntax, unknown or
missing keys, bad values, duplicates, references to things that do not exist) is collected
into one `NetworkFileError`, each with the field path and the line it came from.

Every plain YAML scalar is read as text (only an empty value, `~` or `null` means "not
given"): the file holds no numbers or booleans, and YAML 1.1 would otherwise turn a Teams id
such as `29:10` into a number or a province `NO` into `False`.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from bot.domain import Role

Loc = tuple[str | int, ...]
Language = Literal["nl", "en"]

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CBS_CODE = re.compile(r"GM\d{4}")
_SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_WORKSPACE = re.compile(r"[TE][A-Z0-9]{2,}")  # a team (workspace) or an Enterprise Grid
_TENANT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# Aliases are expanded into copies; this bounds what a small file full of them can become.
_MAX_VALUES = 500_000


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a slug: use lowercase letters, digits and hyphens, "
            "e.g. 'bergen-op-zoom'"
        )
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _one_line(value: str) -> str:
    value = _text(value)
    if "\n" in value:
        raise ValueError("must be a single line")
    return value


def _email(value: str) -> str:
    value = value.strip().lower()
    local, _, domain = value.partition("@")
    if (
        not local
        or "@" in domain
        or "." not in domain.strip(".")
        or any(c.isspace() for c in value)
    ):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _cbs_code(value: str) -> str:
    if not _CBS_CODE.fullmatch(value):
        raise ValueError(f"{value!r} is not a CBS municipality code such as 'GM0355'")
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}, e.g. 'Europe/Amsterdam'") from None
    return value


def _pattern(regex: re.Pattern[str], example: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{value!r} is not an id such as {example!r}")
        return value

    return AfterValidator(check)


def _teams_channel(value: str) -> str:
    if not value.startswith("19:"):
        raise ValueError(f"{value!r} is not a Teams channel id such as '19:abc@thread.tacv2'")
    return value


def _tenant(value: str) -> str:
    value = value.strip().lower()
    if not _TENANT.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an Entra ID tenant id such as "
            "'72f988bf-86f1-41af-91ab-2d7cd011db47' (Entra admin centre, Overview, Tenant ID)"
        )
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _roles(value: tuple[Role, ...]) -> tuple[Role, ...]:
    if not value:
        raise ValueError("give at least one role")
    return tuple(dict.fromkeys(value))


Slug = Annotated[str, AfterValidator(_slug)]
Text = Annotated[str, AfterValidator(_text)]
TenantId = Annotated[str, AfterValidator(_tenant)]
SlackWorkspace = Annotated[str, _pattern(_SLACK_WORKSPACE, "T0123ABC")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkSection(_Record):
    name: Text
    language: Language = "nl"
    timezone: Annotated[str, AfterValidator(_timezone)] = "Europe/Amsterdam"
    # Whose word on a person's e-mail address the network believes: Slack team (T…) or
    # Enterprise Grid (E…) ids, and the Entra ID tenants of organisations without their own.
    slack_workspaces: Annotated[tuple[SlackWorkspace, ...], AfterValidator(_unique)] = ()
    teams_tenants: Annotated[tuple[TenantId, ...], AfterValidator(_unique)] = ()


class OrganisationSpec(_Record):
    slug: Slug
    name: Text
    code: Annotated[str, AfterValidator(_cbs_code)] | None = None
    province: Text | None = None
    teams_tenant: TenantId | None = None  # None: the network's teams_tenants


class MemberSpec(_Record):
    email: Annotated[str, AfterValidator(_email)]
    name: Text
    organisation: str
    roles: Annotated[tuple[Role, ...], AfterValidator(_roles)] = (Role.MEMBER,)
    lead_of: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()  # empty: follows every pillar
    language: Language | None = None  # None: the network's language
    slack_user_id: Annotated[str, _pattern(_SLACK_USER, "U0123ABC")] | None = None
    teams_user_id: Text | None = None


class ChannelsSpec(_Record):
    slack: Annotated[str, _pattern(_SLACK_CHANNEL, "C0123ABC")] | None = None
    teams: Annotated[str, AfterValidator(_teams_channel)] | None = None

    def by_platform(self) -> dict[str, str]:
        """Platform name -> channel id, for the channels that are set."""
        channels = {"slack": self.slack, "teams": self.teams}
        return {platform: channel for platform, channel in channels.items() if channel}


class TopicSpec(_Record):
    slug: Slug
    name: Text
    description: Annotated[str, AfterValidator(_one_line)]


class PillarSpec(_Record):
    slug: Slug
    name: Text
    channels: ChannelsSpec = ChannelsSpec()
    topics: tuple[TopicSpec, ...]


class NetworkSpec(_Record):
    network: NetworkSection
    organisations: tuple[OrganisationSpec, ...]
    members: tuple[MemberSpec, ...]
    pillars: tuple[PillarSpec, ...]


_MODELS: tuple[type[_Record], ...] = (
    NetworkSpec,
    NetworkSection,
    OrganisationSpec,
    MemberSpec,
    PillarSpec,
    ChannelsSpec,
    TopicSpec,
)
# Every key the file understands, to suggest the intended one for a typo.
_KEYS = sorted({key for model in _MODELS for key in model.model_fields})


@dataclass(frozen=True, kw_only=True)
class Problem:
    path: str  # e.g. "members[3].email"; empty for the file as a whole
    line: int
    column: int | None
    message: str


class NetworkFileError(ValueError):
    """The network file was refused; `problems` says everything that is wrong with it."""

    def __init__(self, problems: list[Problem], *, source: str) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column or 0))
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            f"{self.source}:{p.line}: {p.path + ': ' if p.path else ''}{p.message}"
            for p in self.problems
        )


def load_network_file(path: Path) -> NetworkSpec:
    """Read and validate a network file; OSError when it cannot be read."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(path="", line=line, column=None, message="not UTF-8 text")
        raise NetworkFileError([problem], source=str(path)) from None
    return parse_network(text, source=str(path))


def parse_network(text: str, *, source: str = "<string>") -> NetworkSpec:
    """Validate a network file's text; raises `NetworkFileError` listing every problem."""
    document = _Document(source)
    root = document.load(text)
    if not isinstance(root, dict):
        found = (
            "the file is empty" if root is None else f"expected a mapping, not {_describe(root)}"
        )
        document.add((), f"{found}; it needs the keys network, organisations, members and pillars")
        raise document.error()
    spec: NetworkSpec | None = None
    try:
        spec = NetworkSpec.model_validate(root)
    except ValidationError as exc:
        for error in exc.errors():
            document.add(tuple(error["loc"]), _message(error))
    _check_references(root, document)
    if document.problems or spec is None:
        raise document.error()
    return spec


class _Document:
    """The YAML text as plain values, with the position of every key and list item."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.marks: dict[Loc, yaml.Mark] = {}
        self.problems: list[Problem] = []
        self._values = 0

    def load(self, text: str) -> Any:
        try:
            loader = yaml.SafeLoader(text)  # this already refuses characters YAML forbids
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark: yaml.Mark | None = getattr(exc, "problem_mark", None)
            parts = (getattr(exc, "context", None), getattr(exc, "problem", None))
            detail = ", ".join(part for part in parts if part) or str(exc)
            if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
                line = text[: exc.position].count("\n") + 1
                detail = f"the character U+{exc.character:04X} is not allowed"
            else:
                line = mark.line + 1 if mark else 1
            self.problems.append(
                Problem(
                    path="",
                    line=line,
                    column=mark.column + 1 if mark else None,
                    message=f"invalid YAML: {detail}",
                )
            )
            raise self.error() from None
        if node is None:
            return None
        self.marks[()] = node.start_mark
        return self._value(node, (), set())

    def _value(self, node: yaml.Node, loc: Loc, open_nodes: set[int]) -> Any:
        if id(node) in open_nodes:
            self.add(loc, "an alias refers to itself")
            return None
        self._values += 1
        if self._values > _MAX_VALUES:
            self.add(loc, f"more than {_MAX_VALUES} values once aliases are expanded")
            raise self.error()
        if isinstance(node, yaml.ScalarNode):
            text = str(node.value)
            return None if node.style is None and text in _NULLS else text
        open_nodes = open_nodes | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            for index, item in enumerate(node.value):
                self.marks[(*loc, index)] = item.start_mark
                items.append(self._value(item, (*loc, index), open_nodes))
            return items
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._add_at(key_node.start_mark, loc, "a key must be a plain word")
                continue
            key = str(key_node.value)
            if key in mapping:
                first = self.marks[(*loc, key)].line + 1
                self._add_at(
                    key_node.start_mark, (*loc, key), f"duplicate key (first at line {first})"
                )
                continue
            self.marks[(*loc, key)] = key_node.start_mark
            mapping[key] = self._value(value_node, (*loc, key), open_nodes)
        return mapping

    def mark(self, loc: Loc) -> yaml.Mark | None:
        # A key that is missing has no mark of its own: use its enclosing mapping's.
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.marks:
                return self.marks[loc[:end]]
        return None

    def line(self, loc: Loc) -> int:
        mark = self.mark(loc)
        return mark.line + 1 if mark else 1

    def add(self, loc: Loc, message: str) -> None:
        self._add_at(self.mark(loc), loc, message)

    def _add_at(self, mark: yaml.Mark | None, loc: Loc, message: str) -> None:
        self.problems.append(
            Problem(
                path=_path(loc),
                line=mark.line + 1 if mark else 1,
                column=mark.column + 1 if mark else None,
                message=message,
            )
        )

    def error(self) -> NetworkFileError:
        return NetworkFileError(self.problems, source=self.source)


def _path(loc: Loc) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _message(error: ErrorDetails) -> str:
    kind, value = error["type"], error["input"]
    if kind == "missing":
        return "missing key"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, _KEYS, n=1)
        return f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"unknown value {_describe(value)} (expected {expected})"
    if kind == "string_type":
        return "a value is required" if value is None else f"expected text, not {_describe(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, not {_describe(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, not {_describe(value)}"
    return str(error["msg"])


def _items(root: dict[str, Any], key: str, loc: Loc = ()) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """The mappings in a list, skipping what is malformed (reported by validation already)."""
    container = root.get(key)
    if isinstance(container, list):
        for index, item in enumerate(container):
            if isinstance(item, dict):
                yield (*loc, key, index), item


def _word(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _words(item: dict[str, Any], key: str) -> Iterator[tuple[int, str]]:
    value = item.get(key)
    if isinstance(value, list):
        yield from ((index, word) for index, word in enumerate(value) if isinstance(word, str))


def _check_references(root: dict[str, Any], document: _Document) -> None:
    """Checks across records: duplicates, and names of things that must exist.

    They read the plain values rather than validated records, so that they still run (and
    report) when some other field of the same record is wrong.
    """

    def unique(entries: list[tuple[Loc, str]], what: str) -> set[str]:
        first: dict[str, Loc] = {}
        for loc, key in entries:
            if key in first:
                line = document.line(first[key])
                document.add(loc, f"duplicate {what} {key!r} (first at line {line})")
            else:
                first[key] = loc
        return set(first)

    def slugs(items: Iterator[tuple[Loc, dict[str, Any]]], what: str) -> set[str]:
        return unique(
            [((*loc, "slug"), slug) for loc, item in items if (slug := _word(item, "slug"))],
            what,
        )

    def refer(loc: Loc, slug: str, known: set[str], what: str) -> None:
        if slug not in known:
            document.add(loc, f"unknown {what} {slug!r} (known: {', '.join(sorted(known))})")

    organisations = slugs(_items(root, "organisations"), "organisation slug")
    pillars = slugs(_items(root, "pillars"), "pillar slug")
    for loc, pillar in _items(root, "pillars"):
        slugs(_items(pillar, "topics", loc), "topic slug")

    members = list(_items(root, "members"))
    emails = [((*loc, "email"), _word(member, "email")) for loc, member in members]
    unique([(loc, email.strip().lower()) for loc, email in emails if email], "e-mail address")
    for loc, member in members:
        if (organisation := _word(member, "organisation")) is not None:
            refer((*loc, "organisation"), organisation, organisations, "organisation")
        for key in ("lead_of", "pillars"):
            for index, slug in _words(member, key):
                refer((*loc, key, index), slug, pillars, "pillar")
        # Only when both lists are well-formed, so a type error is not reported twice.
        roles, lead_of = member.get("roles", []), member.get("lead_of", [])
        if not (isinstance(roles, list) and isinstance(lead_of, list)):
            continue
        is_lead = Role.LEAD.value in roles
        if lead_of and not is_lead:
            document.add((*loc, "roles"), "leads a pillar (lead_of) but lacks the role 'lead'")
        if is_lead and not lead_of:
            document.add((*loc, "lead_of"), "a member with the role 'lead' must lead a pillar")
