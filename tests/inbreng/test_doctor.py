"""`inbreng doctor` as an operator runs it: the installed command in a subprocess, with
settings in its environment (or a `.env` file), against real databases and fakes of Slack's
Web API, Entra ID's token endpoint and a model endpoint on loopback ports.

Every run is also checked for secrets: no value of a secret setting may be printed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml
from sqlalchemy.engine import make_url

from adapters.slack.doctor import required_scopes
from testing.fakes.chat_completions import FakeChatCompletions
from testing.fakes.entra_token import FakeEntraToken
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.postgres import free_port
from tests.inbreng.test_cli import INBRENG, inbreng, succeeded
from tests.support import EXAMPLES

BOT_TOKEN = "xoxb-1111-2222-doctor-bot-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A0BOT0001-doctor-app-token"
APP_ID = "6d1e0c8a-3f2b-4c1d-9e8f-0a1b2c3d4e5f"
APP_PASSWORD = "Zx8Q~doctor.client.secret-value"
LLM_KEY = "sk-doctor-llm-key"
DB_PASSWORD = "doctor-db-password"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, APP_PASSWORD, LLM_KEY, DB_PASSWORD)
PLATFORM_PREFIXES = ("INBRENG_", "SLACK_", "TEAMS_")


def doctor(
    settings: dict[str, str], *, cwd: Path, json_output: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `inbreng doctor` with exactly these settings (none inherited from the test's
    environment); fail the test if any secret shows in what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES)}
    env.update(settings)
    result = subprocess.run(
        [str(INBRENG), "doctor", *(["--json"] if json_output else [])],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    printed = result.stdout + result.stderr
    for secret in SECRETS:
        assert secret not in printed, f"a secret was printed:\n{printed}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def lines(result: subprocess.CompletedProcess[str], mark: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"{mark} ")]


def findings(result: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, str]]]:
    """The --json output, by check name."""
    by_check: dict[str, list[dict[str, str]]] = {}
    for record in json.loads(result.stdout):
        by_check.setdefault(f"{record['area']}.{record['check']}", []).append(record)
    return by_check


def load_network(url: str, cwd: Path) -> None:
    succeeded(inbreng("network", "load", str(EXAMPLES / "network.yaml"), cwd=cwd, url=url))


@pytest.fixture
def slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(scopes=tuple(sorted(required_scopes()))) as fake:
        yield fake


@pytest.fixture
def entra() -> Iterator[FakeEntraToken]:
    with FakeEntraToken(client_id=APP_ID, client_secret=APP_PASSWORD) as fake:
        yield fake


@pytest.fixture
def llm() -> Iterator[FakeChatCompletions]:
    with FakeChatCompletions() as fake:
        fake.models = ["mistral-7b", "llama-3.1-8b"]
        yield fake


def everything(
    url: str, slack: FakeSlackWebApi, entra: FakeEntraToken, llm: FakeChatCompletions
) -> dict[str, str]:
    return {
        **slack_only(url, slack),
        **teams_only(url, entra),
        **llm_only(url, llm, INBRENG_LLM_MODEL="llama-3.1-8b"),
    }


# --- a healthy installation ---------------------------------------------------------------


def test_a_healthy_installation_passes_every_check(
    database_url: str,
    tmp_path: Path,
    slack: FakeSlackWebApi,
    entra: FakeEntraToken,
    llm: FakeChatCompletions,
) -> None:
    load_network(database_url, tmp_path)
    result = doctor(everything(database_url, slack, entra, llm), cwd=tmp_path)

    assert result.returncode == 0, result.stdout
    assert lines(result, "✗") == []
    assert result.stdout.rstrip().endswith("No problems found.")
    ok = "\n".join(lines(result, "✓"))
    assert "Settings: all settings are valid." in ok
    assert "Time zone: Europe/Amsterdam; it is now" in ok
    dialect = make_url(database_url).get_backend_name()
    assert f"Database: {dialect} " in ok
    assert "the schema is up to date" in ok
    assert "“Platform Middelgrote Gemeenten”: 20 municipalities" in ok
    assert "Slack: signed in as inbreng in the workspace “Inbreng Test”" in ok
    assert f"Teams: Entra ID gives the app {APP_ID} a token." in ok
    assert "serves the model llama-3.1-8b" in ok
    assert "Trust: e-mail addresses are believed from the Slack workspace T0001." in ok
    assert "Trust: every municipality with members has a trusted Microsoft 365 tenant." in ok
    # It asked each platform once, with the secrets it must not print.
    assert [call.token for call in slack.calls_to("auth.test")] == [BOT_TOKEN]
    assert entra.requests[0].path == "/botframework.com/oauth2/v2.0/token"
    assert entra.requests[0].form["client_secret"] == APP_PASSWORD
    assert entra.requests[0].form["scope"] == "https://api.botframework.com/.default"
    assert llm.requests[-1].headers["authorization"] == f"Bearer {LLM_KEY}"
    secrets = next(line for line in result.stdout.splitlines() if "Secrets:" in line)
    assert (
        "set: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, TEAMS_APP_PASSWORD, INBRENG_LLM_API_KEY;"
        in (secrets)
    )
    assert "not set: SLACK_APP_TOKEN" in secrets


def test_json_output_gives_every_finding_with_its_level(
    sqlite_database_url: str,
    tmp_path: Path,
    slack: FakeSlackWebApi,
    entra: FakeEntraToken,
    llm: FakeChatCompletions,
) -> None:
    load_network(sqlite_database_url, tmp_path)
    result = doctor(
        everything(sqlite_database_url, slack, entra, llm), cwd=tmp_path, json_output=True
    )

    assert result.returncode == 0
    found = findings(result)
    for check in (
        "settings.valid",
        "database.reachable",
        "database.migrated",
        "network.loaded",
        "slack.signed_in",
        "teams.token",
        "llm.model_served",
    ):
        assert found[check][0]["level"] == "ok", check
    assert found["secrets.listing"][0]["level"] == "info"
    assert {record["level"] for records in found.values() for record in records} <= {"ok", "info"}


def test_the_default_language_is_dutch_and_a_dotenv_file_is_read(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    load_network(sqlite_database_url, tmp_path)
    dutch = doctor({"INBRENG_DATABASE_URL": sqlite_database_url}, cwd=tmp_path)
    assert "✓ Instellingen: alle instellingen zijn geldig." in dutch.stdout
    assert "er is geen .env-bestand in" in dutch.stdout

    (tmp_path / ".env").write_text(
        f"INBRENG_LANGUAGE=en\nSLACK_BOT_TOKEN={BOT_TOKEN}\n", encoding="utf-8"
    )
    from_file = doctor({"INBRENG_DATABASE_URL": sqlite_database_url}, cwd=tmp_path)
    assert f"· Settings: read from the environment and from {tmp_path / '.env'}." in (
        from_file.stdout
    )
    # The token from .env was read: Slack is half configured now, which is a fault.
    assert "✗ Slack: SLACK_BOT_TOKEN is set, but neither SLACK_SIGNING_SECRET" in from_file.stdout
    assert from_file.returncode == 1


# --- settings -------------------------------------------------------------------------


def test_invalid_settings_are_named_and_the_other_checks_still_run(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    load_network(sqlite_database_url, tmp_path)
    result = doctor(
        {
            "INBRENG_DATABASE_URL": sqlite_database_url,
            "INBRENG_LANGUAGE": "en",
            "INBRENG_PORT": "99999",
            "INBRENG_TIMEZONE": "Mars/Olympus_Mons",
            "INBRENG_LLM_TIMEOUT": "soon",
        },
        cwd=tmp_path,
    )

    assert result.returncode == 1
    faults = "\n".join(lines(result, "✗"))
    assert "INBRENG_PORT is not valid: Input should be less than or equal to 65535" in faults
    assert "INBRENG_TIMEZONE is not valid" in faults and "Mars/Olympus_Mons" in faults
    assert "INBRENG_LLM_TIMEOUT is not valid" in faults
    # No time zone line from a replaced default, but the database was still checked.
    assert "Time zone:" not in result.stdout
    assert "✓ Database: the schema is up to date" in result.stdout
    assert result.stdout.rstrip().endswith(
        "3 problems found: fix the lines marked ✗ and run inbreng doctor again."
    )


def test_half_configured_platforms_are_faults(tmp_path: Path, sqlite_database_url: str) -> None:
    result = doctor(
        {
            "INBRENG_DATABASE_URL": sqlite_database_url,
            "INBRENG_LANGUAGE": "en",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "TEAMS_APP_PASSWORD": APP_PASSWORD,
            "INBRENG_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        },
        cwd=tmp_path,
    )

    faults = "\n".join(lines(result, "✗"))
    assert "Slack: SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set, but SLACK_BOT_TOKEN is not" in (
        faults
    )
    assert "Teams: TEAMS_APP_PASSWORD or TEAMS_APP_TENANT_ID is set, but TEAMS_APP_ID is not" in (
        faults
    )
    assert "Language model: INBRENG_LLM_MODEL is not set" in faults
    assert result.returncode == 1


# --- the database --------------------------------------------------------------------


def test_a_missing_sqlite_file_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    result = doctor(
        {"INBRENG_DATABASE_URL": f"sqlite:///{path}", "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )

    assert result.returncode == 1
    assert (
        f"✗ Database: the SQLite file {path} does not exist. Create it with: inbreng db upgrade"
        in (result.stdout)
    )
    assert not path.exists()


def test_an_unmigrated_database_is_reported(empty_database_url: str, tmp_path: Path) -> None:
    if empty_database_url.startswith("sqlite"):
        sqlite3.connect(make_url(empty_database_url).database or "").close()  # an empty file
    result = doctor(
        {"INBRENG_DATABASE_URL": empty_database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )

    assert result.returncode == 1
    assert "✗ Database: the database has no tables yet. Create them with: inbreng db upgrade" in (
        result.stdout
    )
    assert "Network:" not in result.stdout


def test_a_schema_from_an_older_or_newer_version_is_reported(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    path = make_url(sqlite_database_url).database or ""
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0002'")
    older = doctor(
        {"INBRENG_DATABASE_URL": sqlite_database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )
    assert "✗ Database: the schema is at revision 0002, this version needs" in older.stdout
    assert "Migrate with: inbreng db upgrade" in older.stdout

    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    newer = doctor(
        {"INBRENG_DATABASE_URL": sqlite_database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )
    assert "revision 9999, which this version of Inbreng does not know" in newer.stdout
    assert older.returncode == newer.returncode == 1


def test_an_unreachable_postgresql_is_reported_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://inbreng:{DB_PASSWORD}@127.0.0.1:{free_port()}/inbreng"
    result = doctor({"INBRENG_DATABASE_URL": url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path)

    assert result.returncode == 1
    (line,) = [line for line in lines(result, "✗") if "Database:" in line]
    assert line.startswith("✗ Database: cannot connect to postgresql://inbreng:***@127.0.0.1:")
    assert "Connection refused" in line or "connection failed" in line


def test_a_role_without_rights_is_reported_without_its_password(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    url = make_url(postgresql_database_url)
    name = "doctor_without_rights"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{DB_PASSWORD}'")
    role = url.set(username=name, password=DB_PASSWORD).render_as_string(hide_password=False)
    result = doctor({"INBRENG_DATABASE_URL": role, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path)

    assert "✓ Database: postgresql 1" in result.stdout
    assert f"{name}:***@" in result.stdout
    assert (
        "✗ Database: the database answers, but reading it fails: permission denied for table "
        "alembic_version" in result.stdout
    )
    assert result.returncode == 1


def test_a_migrated_database_without_a_network_is_reported(
    database_url: str, tmp_path: Path
) -> None:
    result = doctor({"INBRENG_DATABASE_URL": database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path)

    assert result.returncode == 1
    assert (
        "✗ Network: no network has been loaded. Load it with: inbreng network load network.yaml"
        in result.stdout
    )


def test_a_pillar_without_channel_and_another_time_zone_are_warnings(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    load_network(sqlite_database_url, tmp_path)
    with sqlite3.connect(make_url(sqlite_database_url).database or "") as connection:
        connection.execute(
            "DELETE FROM pillar_channels WHERE pillar_id = (SELECT id FROM pillars "
            "WHERE slug = 'bestuur')"
        )
    result = doctor(
        {
            "INBRENG_DATABASE_URL": sqlite_database_url,
            "INBRENG_LANGUAGE": "en",
            "INBRENG_TIMEZONE": "Europe/Brussels",
        },
        cwd=tmp_path,
    )

    warnings = "\n".join(lines(result, "!"))
    assert "the pillar “Bestuur” has no Slack or Teams channel" in warnings
    assert "gives the time zone Europe/Amsterdam, but INBRENG_TIMEZONE is Europe/Brussels" in (
        warnings
    )
    assert result.returncode == 0  # warnings only
    assert "No problems found; 2 lines marked ! deserve a look." in result.stdout


# --- the scheduler's state -----------------------------------------------------------------


def test_work_left_undone_shows_the_scheduler_is_not_running(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    load_network(sqlite_database_url, tmp_path)
    created = inbreng(
        "rounds", "create", "--pillar", "financien", "--meeting-at", "2099-01-20T14:00",
        "--closes-at", "2099-01-10T17:00", cwd=tmp_path, url=sqlite_database_url,
    )  # fmt: skip
    succeeded(created)
    now = datetime.now(UTC).replace(tzinfo=None)
    hour_ago = (now - timedelta(hours=1)).isoformat(sep=" ")
    with sqlite3.connect(make_url(sqlite_database_url).database or "") as connection:
        rounds = [row[0] for row in connection.execute("SELECT id FROM rounds")]
        assert len(rounds) == 1
        connection.execute("UPDATE rounds SET status = 'open', closes_at = ?", (hour_ago,))
        deliveries = [row[0] for row in connection.execute("SELECT id FROM deliveries")]
        assert len(deliveries) >= 4, "the round queued its invitations"
        connection.execute("UPDATE deliveries SET status = 'pending', due_at = ?", (hour_ago,))
        connection.execute("UPDATE deliveries SET status = 'dead' WHERE id = ?", (deliveries[0],))
        connection.execute(
            "UPDATE deliveries SET status = 'claimed', claimed_by = 'gone-1', claimed_until = ? "
            "WHERE id IN (?, ?)",
            (hour_ago, deliveries[1], deliveries[2]),
        )
    result = doctor(
        {
            "INBRENG_DATABASE_URL": sqlite_database_url,
            "INBRENG_LANGUAGE": "en",
            # Direct messages may go out at any hour, so due ones are late whenever this runs.
            "INBRENG_WORKING_HOURS": "always",
            "INBRENG_HOLIDAYS": "none",
        },
        cwd=tmp_path,
    )

    warnings = "\n".join(lines(result, "!"))
    assert f"Scheduler: round {rounds[0]} should have closed at" in warnings
    assert "and is still open: is inbreng serve running?" in warnings
    due = len(deliveries) - 3
    assert f"{due} messages are due, the oldest for 60 minutes: is inbreng serve running" in (
        warnings
    )
    assert "2 messages were claimed by an instance that stopped without sending" in warnings
    assert "1 message could not be delivered after every retry" in warnings
    assert result.returncode == 0


def test_nothing_due_is_all_right(sqlite_database_url: str, tmp_path: Path) -> None:
    load_network(sqlite_database_url, tmp_path)
    result = doctor(
        {"INBRENG_DATABASE_URL": sqlite_database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )
    assert "✓ Scheduler: nothing is waiting to be sent (0 messages are planned for later)." in (
        result.stdout
    )


# --- Slack ---------------------------------------------------------------------------


def slack_only(url: str, slack: FakeSlackWebApi, **extra: str) -> dict[str, str]:
    return {
        "INBRENG_DATABASE_URL": url,
        "INBRENG_LANGUAGE": "en",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        **extra,
    }


def test_slack_refusing_the_token_is_a_fault(
    sqlite_database_url: str, tmp_path: Path, slack: FakeSlackWebApi
) -> None:
    slack.fail_next("auth.test", error="invalid_auth")
    result = doctor(slack_only(sqlite_database_url, slack), cwd=tmp_path)

    assert result.returncode == 1
    assert (
        "✗ Slack: Slack does not accept SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth "
        "Token again" in result.stdout
    )


def test_missing_scopes_are_named(sqlite_database_url: str, tmp_path: Path) -> None:
    granted = tuple(sorted(required_scopes() - {"users:read.email", "files:write"}))
    with FakeSlackWebApi(scopes=granted) as slack:
        result = doctor(slack_only(sqlite_database_url, slack), cwd=tmp_path)

    assert result.returncode == 1
    assert "✓ Slack: signed in as inbreng" in result.stdout
    assert "✗ Slack: the bot token lacks the scopes files:write, users:read.email." in (
        result.stdout
    )


def test_socket_mode_checks_the_app_token(
    sqlite_database_url: str, tmp_path: Path, slack: FakeSlackWebApi
) -> None:
    settings = slack_only(sqlite_database_url, slack, SLACK_APP_TOKEN=APP_TOKEN)
    accepted = doctor(settings, cwd=tmp_path)
    assert "✓ Slack: signed in as inbreng in the workspace “Inbreng Test”, by Socket Mode." in (
        accepted.stdout
    )
    assert "✓ Slack: SLACK_APP_TOKEN opens Socket Mode connections." in accepted.stdout
    assert [call.token for call in slack.calls_to("apps.connections.open")] == [APP_TOKEN]

    refused = doctor({**settings, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, cwd=tmp_path)
    assert "✗ Slack: Slack does not accept SLACK_APP_TOKEN (not_allowed_token_type)." in (
        refused.stdout
    )
    assert refused.returncode == 1


def test_an_unreachable_slack_is_reported(sqlite_database_url: str, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    result = doctor(
        {
            "INBRENG_DATABASE_URL": sqlite_database_url,
            "INBRENG_LANGUAGE": "en",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": url,
        },
        cwd=tmp_path,
    )
    assert f"✗ Slack: cannot reach Slack at {url}: " in result.stdout
    assert result.returncode == 1


# --- Teams ---------------------------------------------------------------------------


def teams_only(url: str, entra: FakeEntraToken, **extra: str) -> dict[str, str]:
    return {
        "INBRENG_DATABASE_URL": url,
        "INBRENG_LANGUAGE": "en",
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_LOGIN_URL": entra.url,
        **extra,
    }


def test_entra_id_refusing_the_secret_is_a_fault_in_plain_words(
    sqlite_database_url: str, tmp_path: Path, entra: FakeEntraToken
) -> None:
    entra.client_secret = "the-right-one"
    result = doctor(teams_only(sqlite_database_url, entra), cwd=tmp_path)

    assert result.returncode == 1
    (line,) = [line for line in lines(result, "✗") if "Teams:" in line]
    assert line == (
        "✗ Teams: Entra ID refuses TEAMS_APP_ID with TEAMS_APP_PASSWORD (invalid_client): "
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
        "request is the client secret value, not the client secret ID."
    )


def test_a_single_tenant_app_asks_its_own_tenant(
    sqlite_database_url: str, tmp_path: Path, entra: FakeEntraToken
) -> None:
    tenant = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    result = doctor(
        teams_only(sqlite_database_url, entra, TEAMS_APP_TENANT_ID=tenant), cwd=tmp_path
    )
    assert f"✓ Teams: Entra ID gives the app {APP_ID} a token in the tenant {tenant}." in (
        result.stdout
    )
    assert entra.requests[0].path == f"/{tenant}/oauth2/v2.0/token"

    unknown = doctor(
        teams_only(sqlite_database_url, entra, TEAMS_APP_ID="not-registered"), cwd=tmp_path
    )
    assert "(unauthorized_client): AADSTS700016: Application with identifier" in unknown.stdout
    assert unknown.returncode == 1


def test_without_teams_settings_teams_is_off(sqlite_database_url: str, tmp_path: Path) -> None:
    result = doctor(
        {"INBRENG_DATABASE_URL": sqlite_database_url, "INBRENG_LANGUAGE": "en"}, cwd=tmp_path
    )
    assert "· Teams: not configured (no TEAMS_APP_ID): /api/messages is off (404)." in (
        result.stdout
    )


def test_the_teams_emulator_is_a_warning_on_loopback_and_a_fault_beyond(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    base = {"INBRENG_DATABASE_URL": sqlite_database_url, "INBRENG_LANGUAGE": "en"}
    local = doctor({**base, "INBRENG_TEAMS_EMULATOR": "true"}, cwd=tmp_path)
    exposed = doctor(
        {**base, "INBRENG_TEAMS_EMULATOR": "true", "INBRENG_HOST": "0.0.0.0"}, cwd=tmp_path
    )

    assert "! Teams: INBRENG_TEAMS_EMULATOR is on: /api/messages takes messages from this" in (
        local.stdout
    )
    assert "✗ Teams: INBRENG_TEAMS_EMULATOR is on, but INBRENG_HOST is 0.0.0.0" in exposed.stdout
    assert exposed.returncode == 1


def test_a_configured_platform_that_trusts_nobody_is_a_warning(
    sqlite_database_url: str, tmp_path: Path, slack: FakeSlackWebApi, entra: FakeEntraToken
) -> None:
    network = yaml.safe_load((EXAMPLES / "network.yaml").read_text(encoding="utf-8"))
    network["network"]["slack_workspaces"] = []
    for organisation in network["organisations"]:
        if organisation["slug"] in ("zeist", "oss"):
            del organisation["teams_tenant"]
    (tmp_path / "network.yaml").write_text(yaml.safe_dump(network, allow_unicode=True))
    succeeded(inbreng("network", "load", "network.yaml", cwd=tmp_path, url=sqlite_database_url))

    result = doctor(
        {**slack_only(sqlite_database_url, slack), **teams_only(sqlite_database_url, entra)},
        cwd=tmp_path,
    )

    warnings = "\n".join(lines(result, "!"))
    assert "Trust: the network file names no trusted Slack workspace" in warnings
    assert "Trust: Oss, Zeist have no Microsoft 365 tenant (teams_tenant)" in warnings
    assert result.returncode == 0  # the rest of the network still works


# --- the language model ------------------------------------------------------------


def llm_only(url: str, llm: FakeChatCompletions, **extra: str) -> dict[str, str]:
    return {
        "INBRENG_DATABASE_URL": url,
        "INBRENG_LANGUAGE": "en",
        "INBRENG_LLM_BASE_URL": llm.url,
        "INBRENG_LLM_API_KEY": LLM_KEY,
        **extra,
    }


def test_a_model_the_endpoint_does_not_serve_is_a_warning(
    sqlite_database_url: str, tmp_path: Path, llm: FakeChatCompletions
) -> None:
    result = doctor(llm_only(sqlite_database_url, llm, INBRENG_LLM_MODEL="gpt-9"), cwd=tmp_path)
    assert (
        f"! Language model: the endpoint {llm.url} does not serve the model gpt-9; it serves "
        "llama-3.1-8b, mistral-7b." in result.stdout
    )


def test_a_refused_key_is_a_fault_and_an_unreachable_endpoint_a_warning(
    sqlite_database_url: str, tmp_path: Path, llm: FakeChatCompletions
) -> None:
    llm.fail_with(401)
    refused = doctor(
        llm_only(sqlite_database_url, llm, INBRENG_LLM_MODEL="mistral-7b"), cwd=tmp_path
    )
    assert f"✗ Language model: the endpoint {llm.url} refuses INBRENG_LLM_API_KEY." in (
        refused.stdout
    )

    gone = f"http://user:{LLM_KEY}@127.0.0.1:{free_port()}/v1"
    unreachable = doctor(
        {
            **llm_only(sqlite_database_url, llm, INBRENG_LLM_MODEL="mistral-7b"),
            "INBRENG_LLM_BASE_URL": gone,
        },
        cwd=tmp_path,
    )
    assert "! Language model: the endpoint http://127.0.0.1:" in unreachable.stdout
    assert "does not answer (ConnectError)" in unreachable.stdout
