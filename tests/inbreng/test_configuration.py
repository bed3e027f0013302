"""The settings as documented: every variable the settings classes read is in the README's
table and in `.env.example`, with the default the code has; `.env.example` loads as it
is; and the command line reads a `.env` file in its working directory."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from adapters.llm.settings import LlmSettings
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from inbreng.doctor import SETTINGS_CLASSES, variable_name
from inbreng.settings import Settings
from tests.support import inbreng_executable

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
ROW = re.compile(r"^\| `(?P<name>[A-Z][A-Z0-9_]+)` \| (?P<default>[^|]+) \|", re.MULTILINE)
ASSIGNMENT = re.compile(r"^(?P<commented># )?(?P<name>[A-Z][A-Z0-9_]+)=(?P<value>.*)$", re.M)
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}  # read by docker-compose.yml, not by the bot


def variables() -> dict[str, tuple[type[BaseSettings], str]]:
    """Every environment variable the bot reads: name -> (settings class, field)."""
    return {
        variable_name(settings_class, field): (settings_class, field)
        for settings_class in SETTINGS_CLASSES
        for field in settings_class.model_fields
    }


def validated(settings_class: type[BaseSettings], field: str, text: str) -> Any:
    """The value a documented text becomes once the settings class has read it."""
    values: dict[str, Any] = {field: text}
    return getattr(settings_class(_env_file=None, **values), field)


def readme_rows() -> dict[str, str]:
    return {match["name"]: match["default"].strip() for match in ROW.finditer(README.read_text())}


def example_lines() -> dict[str, tuple[bool, str]]:
    """`.env.example`: name -> (commented out, value)."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return {m["name"]: (m["commented"] is not None, m["value"]) for m in ASSIGNMENT.finditer(text)}


def test_the_settings_classes_are_the_ones_the_bot_reads() -> None:
    assert set(SETTINGS_CLASSES) == {Settings, SlackSettings, TeamsSettings, LlmSettings}
    # Each class's prefix is applied (INBRENG_LLM_ for the model, not INBRENG_).
    assert {"INBRENG_DATABASE_URL", "SLACK_BOT_TOKEN", "TEAMS_APP_ID", "INBRENG_LLM_API_KEY"} <= (
        set(variables())
    )


def test_the_readme_table_has_every_variable_and_nothing_else() -> None:
    rows = readme_rows()
    assert set(rows) == set(variables())


@pytest.mark.parametrize("name", sorted(variables()))
def test_the_readme_gives_the_codes_default(name: str) -> None:
    settings_class, field = variables()[name]
    documented = readme_rows()[name]
    default = settings_class.model_fields[field].default
    if documented.startswith("`"):
        assert validated(settings_class, field, documented.strip("`")) == default
    else:  # "–" or a description such as "Bot Framework's": nothing set by default
        assert default is None, f"{name} has a default ({default!r}): give it in the README"


def test_env_example_has_every_variable() -> None:
    assert set(example_lines()) == set(variables()) | COMPOSE_ONLY


@pytest.mark.parametrize("name", sorted(variables()))
def test_env_example_gives_defaults_commented_out_and_leaves_the_rest_empty(name: str) -> None:
    settings_class, field = variables()[name]
    commented, value = example_lines()[name]
    default = settings_class.model_fields[field].default
    if commented:
        assert validated(settings_class, field, value) == default
    else:
        assert value == "", f"{name}: only empty values are filled in, to be completed"


def test_env_example_loads_as_it_is(tmp_path: Path) -> None:
    copied = tmp_path / ".env"
    copied.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(_env_file=copied)
    slack = SlackSettings(_env_file=copied)
    teams = TeamsSettings(_env_file=copied)
    llm = LlmSettings(_env_file=copied)
    assert settings == Settings(_env_file=None)
    assert not slack.enabled and not teams.authenticated and not llm.configured


def test_the_command_line_reads_dotenv_in_its_working_directory(tmp_path: Path) -> None:
    """`inbreng db upgrade` run in a directory with a .env creates the database it names."""
    database = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(
        f"INBRENG_DATABASE_URL=sqlite:///{database}\nINBRENG_LANGUAGE=en\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBRENG_")}
    result = subprocess.run(
        [str(inbreng_executable()), "db", "upgrade"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The database is at revision")
    assert database.is_file()

    # The environment wins over .env.
    elsewhere = tmp_path / "from-environment.db"
    env["INBRENG_DATABASE_URL"] = f"sqlite:///{elsewhere}"
    subprocess.run(
        [str(inbreng_executable()), "db", "upgrade"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert elsewhere.is_file()
