"""A fault in one line when it starts, a count while it lasts, one line when it ends."""

from __future__ import annotations

import logging

import pytest

from bot.fault_log import FaultLog


class DatabaseDownError(Exception):
    pass


def test_a_fault_is_logged_when_it_starts_goes_on_and_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    log = FaultLog("outbox", logging.getLogger("faults-test"), monotonic=lambda: now[0])
    error = DatabaseDownError(
        "connection refused\n[SQL: UPDATE deliveries SET ...]\n[parameters: x]"
    )
    caplog.set_level(logging.INFO, logger="faults-test")

    log.failed(error, left_claimed={3, 1, 2})
    for seconds in (5, 30, 59):
        now[0] = 100.0 + seconds
        log.failed(error, count=2)
    now[0] = 161.0
    log.failed(error, left_claimed=range(1, 26))
    now[0] = 170.0
    log.recovered(given_back={1, 2, 3})
    log.recovered()  # nothing more to say

    assert [r.getMessage() for r in caplog.records] == [
        "outbox: fault started: DatabaseDownError: connection refused; "
        "deliveries left claimed: 1, 2, 3",
        "outbox: fault goes on: 8 failures in 61 s, the last DatabaseDownError: connection "
        "refused; deliveries left claimed: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
        "15, 16, 17, 18, 19, 20 and 5 more",
        "outbox: fault ended after 8 failures in 70 s; deliveries given back: 1, 2, 3",
    ]
    assert not any(r.exc_info for r in caplog.records)
    assert not log.active
