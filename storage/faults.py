"""What kind of fault a database error is, told from the driver's own codes: PostgreSQL's
SQLSTATE (psycopg) and SQLite's result code (sqlite3)."""

from __future__ import annotations

from typing import Literal

FaultKind = Literal["read_only", "timeout", "disk_full", "unreachable", "error"]

# PostgreSQL SQLSTATEs (Appendix A of its manual).
_PG_KINDS: dict[str, FaultKind] = {
    "25006": "read_only",  # read_only_sql_transaction: a standby, default_transaction_read_only
    "57014": "timeout",  # query_canceled: statement_timeout
    "55P03": "timeout",  # lock_not_available: lock_timeout
    "53100": "disk_full",
    "57P01": "unreachable",  # admin_shutdown
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now: starting up, shutting down
}
# SQLite's primary result codes (the low byte of an extended one).
_SQLITE_KINDS: dict[int, FaultKind] = {
    5: "timeout",  # SQLITE_BUSY: another connection held the lock past the busy timeout
    6: "timeout",  # SQLITE_LOCKED
    8: "read_only",  # SQLITE_READONLY
    13: "disk_full",  # SQLITE_FULL
    14: "unreachable",  # SQLITE_CANTOPEN
}


def driver_error(error: BaseException) -> BaseException:
    """The driver's exception inside SQLAlchemy's wrapping, else `error` itself."""
    original = getattr(error, "orig", None)
    return original if isinstance(original, BaseException) else error


def fault_kind(error: BaseException) -> FaultKind:
    original = driver_error(error)
    if isinstance(original, TimeoutError):
        return "timeout"
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate.startswith("08"):  # connection_exception and its kinds
            return "unreachable"
        return _PG_KINDS.get(sqlstate, "error")
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _SQLITE_KINDS.get(code & 0xFF, "error")
    # psycopg's failed connections (OperationalError and its ConnectionTimeout) carry no
    # SQLSTATE.
    kinds = type(original).__mro__
    if type(original).__module__.startswith("psycopg") and any(
        kind.__name__ == "OperationalError" for kind in kinds
    ):
        return "unreachable"
    return "error"


def is_read_only(error: BaseException) -> bool:
    return fault_kind(error) == "read_only"


def first_line(error: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's wrapping (which repeats the statement
    and its parameters, i.e. what members typed)."""
    original = driver_error(error)
    return (str(original).strip().splitlines() or [type(original).__name__])[0]
