"""Fixtures for the Slack tests: the fake Web API, knowing the example network's users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import SLACK_USERS


@pytest.fixture
def slack_api() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi() as slack:
        for user_id, email in SLACK_USERS.items():
            slack.add_user(user_id, email)
        yield slack
