"""Teams' rate limits for bots as pacing lanes (see `bot.outbox.pacing`).

https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit: per bot and
conversation ("thread"), sending allows 7 calls in 1 s, 8 in 2 s, 60 in 30 s and 1800 in
an hour, and so does creating a conversation; reading members 14, 16, 120 and 3600. On
top of that, all of a bot's calls in a tenant together: 50 a second.

A lane is one token bucket, so each pace below is chosen to stay inside every window of
its limit (`Pace.within`; the tests check it), with some room for calls that arrive
bunched up. Sending one message to each of many members is bound by the tenant's lane;
many messages to one conversation (a long summary) by the conversation's. The tenant's
lane is kept for all tenants together: an activity does not always say its tenant, and a
network's members are mostly in one.
"""

from __future__ import annotations

from bot.outbox.pacing import Lane, Pace

# Over an hour a conversation takes 1800 sends: 0.49 a second after a burst of 5.
CONVERSATION_SENDS = Pace(per_minute=0.49 * 60, burst=5)
CONVERSATION_CREATES = CONVERSATION_SENDS
CONVERSATION_READS = Pace(per_minute=0.98 * 60, burst=10)
TENANT_CALLS = Pace(per_minute=46 * 60, burst=2)  # at most 48 in any second, of 50
_TENANT = Lane("teams:tenant", TENANT_CALLS)


def send(conversation_id: str) -> list[Lane]:
    return [Lane(f"teams:send:{conversation_id}", CONVERSATION_SENDS), _TENANT]


def create(conversation_id: str) -> list[Lane]:
    """Creating (or getting back) a conversation: a user's personal chat, say."""
    return [Lane(f"teams:create:{conversation_id}", CONVERSATION_CREATES), _TENANT]


def read_members(conversation_id: str) -> list[Lane]:
    return [Lane(f"teams:members:{conversation_id}", CONVERSATION_READS), _TENANT]
