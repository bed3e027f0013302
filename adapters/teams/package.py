"""The Teams app package: appPackage/ with its placeholders filled in, checked, zipped.

Run `python -m adapters.teams.package [--out dist/inbreng-teams.zip]` (or `make
teams-package`). `${{NAME}}` placeholders come from the environment: TEAMS_APP_ID (the
Azure bot's app id, required), INBRENG_PUBLIC_URL and INBRENG_NETWORK_NAME (optional).
Teams wants the files at the root of the zip, and refuses icons of the wrong size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent / "appPackage"
FILES = ("manifest.json", "en-US.json", "color.png", "outline.png")
ICON_SIZES = {"color.png": 192, "outline.png": 32}
DEFAULTS = {"INBRENG_PUBLIC_URL": "https://example.org", "INBRENG_NETWORK_NAME": "Inbreng"}
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# The manifest schema's limits (v1.17).
LIMITS = {"name.short": 30, "name.full": 100, "description.short": 80, "description.full": 4000}
COMMAND_TITLE, COMMAND_DESCRIPTION, COMMANDS = 32, 128, 10


class PackageError(Exception):
    """The package cannot be built; the message says what to fix."""


def build(out: Path, environment: Mapping[str, str]) -> Path:
    values = {**DEFAULTS, **{k: v for k, v in environment.items() if v}}
    app_id = values.get("TEAMS_APP_ID", "")
    if not _GUID.match(app_id):
        raise PackageError(
            "TEAMS_APP_ID must be the Azure bot's app id (a GUID such as "
            f"00000000-0000-0000-0000-000000000000), not {app_id!r}"
        )
    texts = {name: _filled((SOURCE / name).read_text("utf-8"), values) for name in FILES[:2]}
    manifest = json.loads(texts["manifest.json"])
    check(manifest, json.loads(texts["en-US.json"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, text in texts.items():
            package.writestr(name, text)
        for name in FILES[2:]:
            package.write(SOURCE / name, arcname=name)
    return out


def check(manifest: dict[str, Any], english: dict[str, Any]) -> None:
    """The limits Teams enforces on upload, checked here where the error is clearer."""
    problems = []
    for key, limit in LIMITS.items():
        group, field = key.split(".")
        for label, text in ((key, manifest[group][field]), (f"en-US {key}", english[key])):
            if len(text) > limit:
                problems.append(f"{label} is longer than {limit} characters")
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    if len(commands) > COMMANDS:
        problems.append(f"more than {COMMANDS} commands")
    for index, command in enumerate(commands):
        prefix = f"bots[0].commandLists[0].commands[{index}]"
        for label, source in (("", command), ("en-US ", _localised(english, prefix))):
            if len(source["title"]) > COMMAND_TITLE:
                problems.append(f"{label}command title {source['title']!r} is too long")
            if len(source["description"]) > COMMAND_DESCRIPTION:
                problems.append(f"{label}command description {source['title']!r} is too long")
    for name, size in ICON_SIZES.items():
        if png_size(SOURCE / name) != (size, size):
            problems.append(f"{name} must be {size}×{size} pixels")
    if problems:
        raise PackageError("; ".join(problems))


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise PackageError(f"{path.name} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _localised(english: dict[str, Any], prefix: str) -> dict[str, str]:
    return {
        "title": english.get(f"{prefix}.title", ""),
        "description": english.get(f"{prefix}.description", ""),
    }


def _filled(text: str, values: Mapping[str, str]) -> str:
    missing = sorted({name for name in _PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise PackageError(f"set {', '.join(missing)} in the environment")
    return _PLACEHOLDER.sub(lambda match: json.dumps(values[match.group(1)])[1:-1], text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("dist/inbreng-teams.zip"))
    arguments = parser.parse_args()
    try:
        built = build(arguments.out, os.environ)
    except PackageError as error:
        sys.exit(f"inbreng-teams: {error}")
    print(f"{built} is ready: upload it in the Teams admin centre (Manage apps, Upload).")


if __name__ == "__main__":
    main()
