"""Logging for the server: one line per record, JSON for log collectors or text for a
person at a terminal, each carrying the id of the request (or scheduler run) it belongs to.

Member text never belongs in a record at info level or above: log ids and counts.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Literal

LogFormat = Literal["auto", "json", "text"]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Set per HTTP request and per scheduler run; asyncio tasks and `asyncio.to_thread` copy
# it, so everything done on behalf of a request carries its id.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# An id a proxy or caller sends is kept only if it cannot break a log line or a header.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_HANDLER_NAME = "inbreng"  # marks the handler `configure_logging` installed
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# What every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def new_request_id(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """`value` if it is a reasonable token to reuse as a request id, else None."""
    if value is None or not _SANE_ID.fullmatch(value):
        return None
    return value


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        # A record from outside a request, or one that did not pass the filter.
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id
    when there is one, the `extra=` fields, and exception and stack as text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        found = getattr(record, "request_id", None)
        if found is not None and found != "-":
            line["request_id"] = found
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def wants_json(log_format: LogFormat, stream: IO[str]) -> bool:
    """`auto`: JSON unless a person reads the stream at a terminal."""
    if log_format != "auto":
        return log_format == "json"
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return True


def configure_logging(
    level: str = "INFO", log_format: LogFormat = "auto", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every record of `level` and above to `stream` (stderr), as JSON or text.

    Replaces the handler an earlier call installed and leaves other handlers alone;
    returns the new handler (tests remove it again)."""
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if wants_json(log_format, stream) else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(earlier)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs two lines per run at info: a pair every few seconds for the tick.
    executors = logging.getLogger("apscheduler.executors")
    executors.setLevel(logging.WARNING if root.level > logging.DEBUG else logging.NOTSET)
    return handler
