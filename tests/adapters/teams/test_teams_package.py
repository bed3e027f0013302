"""The Teams app package: built from appPackage/, checked, and in step with the bot."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from adapters.teams.package import PackageError, build
from bot.conversation.commands import parse

APP_ID = "7b4a1c2e-0f3d-4e5a-9b8c-1d2e3f4a5b6c"


def built(tmp_path: Path) -> zipfile.ZipFile:
    out = build(tmp_path / "teams.zip", {"TEAMS_APP_ID": APP_ID})
    return zipfile.ZipFile(out)


def test_the_package_holds_the_four_files_at_its_root_with_the_app_id_filled_in(
    tmp_path: Path,
) -> None:
    package = built(tmp_path)

    assert sorted(package.namelist()) == ["color.png", "en-US.json", "manifest.json", "outline.png"]
    raw = package.read("manifest.json").decode()
    assert "${{" not in raw
    manifest = json.loads(raw)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team"}
    assert manifest["developer"]["websiteUrl"].startswith("https://")


@pytest.mark.parametrize("app_id", [None, "", "not-a-guid", "7b4a1c2e"])
def test_without_a_proper_app_id_the_error_says_what_to_set(
    tmp_path: Path, app_id: str | None
) -> None:
    environment = {} if app_id is None else {"TEAMS_APP_ID": app_id}

    with pytest.raises(PackageError, match="TEAMS_APP_ID"):
        build(tmp_path / "teams.zip", environment)
    assert not (tmp_path / "teams.zip").exists()


def test_every_listed_command_is_one_the_bot_understands_in_both_languages(
    tmp_path: Path,
) -> None:
    package = built(tmp_path)
    manifest = json.loads(package.read("manifest.json"))
    english = json.loads(package.read("en-US.json"))
    commands = manifest["bots"][0]["commandLists"][0]["commands"]

    for index, command in enumerate(commands):
        dutch = parse(command["title"])
        translated = parse(english[f"bots[0].commandLists[0].commands[{index}].title"])
        assert dutch is not None, command["title"]
        assert translated is not None and translated[0] == dutch[0]


def test_icons_have_the_sizes_teams_requires_and_the_outline_is_white_on_transparent() -> None:
    source = Path(__file__).resolve().parents[3] / "adapters" / "teams" / "appPackage"
    for name, size in (("color.png", 192), ("outline.png", 32)):
        header = (source / name).read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(header[16:20]) == size and int.from_bytes(header[20:24]) == size


def test_the_module_runs_as_a_command(tmp_path: Path) -> None:
    out = tmp_path / "dist" / "inbreng-teams.zip"
    done = subprocess.run(
        [sys.executable, "-m", "adapters.teams.package", "--out", str(out)],
        env={"TEAMS_APP_ID": APP_ID, "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(out)
    refused = subprocess.run(
        [sys.executable, "-m", "adapters.teams.package", "--out", str(out)],
        env={"PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert refused.returncode != 0 and "TEAMS_APP_ID" in refused.stderr
