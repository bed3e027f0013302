"""Reading one catalogue file of `prompts/<language>/`, flattened to dotted keys.

libyaml's loader where PyYAML has it: the pure-Python one takes most of a command's start.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

# PyYAML without libyaml has no CSafeLoader.
_LOADER: type[yaml.CSafeLoader | yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_catalogue_file(language: str, name: str) -> dict[str, str]:
    """`prompts/<language>/<name>` as `"errors.text_empty" -> text`."""
    source = resources.files("prompts").joinpath(language, name).read_text("utf-8")
    tree = yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader
    if not isinstance(tree, Mapping):
        raise ValueError(f"prompts/{language}/{name} is not a mapping")
    return flatten(tree)


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{key}."))
        else:
            flat[key] = str(value)
    return flat
