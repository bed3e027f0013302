"""Errors the core reports to people, each naming a text in `prompts/`."""

from __future__ import annotations

from typing import Any


class InbrengError(Exception):
    """A refusal with a reason a person can act on.

    `key` names a text under `errors.` in the prompts catalogue; `params` fill it in.
    `field` names the form field at fault, so a form can show the error beside it.
    """

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params

    def __str__(self) -> str:
        details = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.key}({details})" if details else self.key


class FieldErrors(InbrengError):  # noqa: N818 - a set of errors, not one
    """Several field errors at once, reported together in a form."""

    def __init__(self, errors: list[InbrengError]) -> None:
        super().__init__("invalid_form")
        self.errors = errors


def raise_if_any(errors: list[InbrengError]) -> None:
    """Raise the one error as itself, several together, none at all: nothing."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FieldErrors(errors)
