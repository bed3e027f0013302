"""Errors the repositories raise on bad requests.

They derive from built-in exceptions so that `bot/`, which does not import `storage/`,
can catch them as `LookupError` and `ValueError`.
"""

from __future__ import annotations


class NotFoundError(LookupError):
    """The row to change does not exist."""


class DuplicateError(ValueError):
    """The row would break a uniqueness rule (a slug, an e-mail address)."""


class DatabaseReadError(RuntimeError):
    """Reading failed (e.g. a role without rights on the tables); the message is the
    driver's first line, without the password."""
