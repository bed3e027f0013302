"""The import contracts (`.importlinter`, run by `make test`) catch what they promise to:
a copy of the source with one forbidden import added breaks the contract it names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("inbreng", "adapters", "storage", "bot")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("source")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    return copy


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_import(source: Path, tmp_path: Path, module: str, statement: str) -> Path:
    """A copy of `source` where `module` (a file under it) also runs `statement`."""
    folder = tmp_path / "changed"
    shutil.copytree(source, folder)
    path = folder / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")
    return folder


def broken(result: subprocess.CompletedProcess[str]) -> str:
    """The report's section on the broken contracts, each under its name."""
    _, _, section = result.stdout.partition("Broken contracts")
    return section


def test_the_source_keeps_every_contract(source: Path) -> None:
    result = lint(source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "contract"),
    [
        ("bot/domain.py", "import sqlalchemy", "The core imports no chat SDK"),
        ("bot/themes/phrasing.py", "import httpx", "The core imports no chat SDK"),
        ("bot/services/rounds.py", "import bot.conversation.views", "In the core: surfaces"),
        ("bot/domain.py", "import bot.services.rounds", "In the core: surfaces"),
        ("bot/application/core.py", "import inbreng.settings", "The composition root uses"),
        ("storage/models.py", "import adapters.slack.blocks", "The composition root uses"),
        ("adapters/slack/blocks.py", "import adapters.teams.cards", "Each platform is an adapter"),
        ("adapters/slack/app.py", "import botbuilder.core", "botbuilder (archived"),
        ("bot/summary/model.py", "import bot.themes.phrasing", "No cycles between"),
        ("bot/services/summary/build.py", "import bot.services.rounds", "No cycles between"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    source: Path, tmp_path: Path, module: str, statement: str, contract: str
) -> None:
    result = lint(with_import(source, tmp_path, module, statement))
    assert result.returncode == 1, result.stdout
    assert contract in broken(result), result.stdout
