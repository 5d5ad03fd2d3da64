"""Learning people from Slack: `users.info` for owners Polaris has never seen, paced.

A lead names owners who never typed `/okr`; their time zone, language and out-of-office
status are only in Slack. This module asks Slack (bounded concurrency, paced for `users.info`'s
Tier 4 limit so ten thousand owners work) and hands the answers to
`bot.services.members.remember_people`, which stores them on the member rows the nudges read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Translator, translator
from bot.services import members
from bot.services.members import SlackPerson
from bot.services.read_models import ObjectiveView
from bot.services.runtime import Services
from handlers.slack_io import FINAL_ERRORS, follow_up

log = logging.getLogger(__name__)

# users.info is Tier 4 ("100+ per minute" per workspace) and dnd.info Tier 3 ("50+"): each
# person takes one of each, both paced here, so each method stays under its tier, with a burst.
PER_MINUTE = 90
BURST = 20
CONCURRENCY = 8


class Pacer:
    """A token bucket per workspace, without asyncio primitives (so one per process serves
    every event loop): each call reserves the next free slot at once, then sleeps until it."""

    def __init__(
        self,
        *,
        per_minute: float = PER_MINUTE,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.rate, self.burst = per_minute / 60.0, float(burst)
        self._clock, self._sleep = clock, sleep
        self._buckets: dict[str, tuple[float, float]] = {}  # workspace → (tokens, as of)

    def reserve(self, workspace_id: str) -> float:
        """Take one call's slot; return how many seconds to wait for it."""
        now = self._clock()
        tokens, as_of = self._buckets.get(workspace_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - as_of) * self.rate) - 1
        self._buckets[workspace_id] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / self.rate

    async def wait(self, workspace_id: str) -> None:
        delay = self.reserve(workspace_id)
        if delay > 0:
            await self._sleep(delay)


PACER = Pacer()


def person_of(user: dict[str, Any]) -> SlackPerson:
    """A `users.info` user as Polaris keeps it: locale, zone, admin flag, profile status."""
    profile = user.get("profile") or {}
    expiration = int(profile.get("status_expiration") or 0)
    return SlackPerson(
        user_id=str(user.get("id", "")),
        locale=user.get("locale") or None,
        timezone=user.get("tz") or None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        status_emoji=(profile.get("status_emoji") or None),
        status_text=(str(profile.get("status_text") or "")[:100] or None),
        status_expires_at=datetime.fromtimestamp(expiration, UTC) if expiration else None,
    )


async def dnd_until(client: AsyncWebClient, user_id: str, *, now: datetime) -> datetime | None:
    """When the person's do not disturb, running at `now`, ends; None if it is not running.

    Slack shows a bot another person's do not disturb window (`next_dnd_start_ts` …
    `next_dnd_end_ts`), not their manual snooze (`snooze_*`, shown to that person only, used
    if ever present). Needs the `dnd:read` scope; without it, or on any failure: not paused."""
    try:
        response = await client.dnd_info(user=user_id)
    except SlackApiError as error:
        log.info("dnd.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    except (SlackClientError, OSError, TimeoutError) as error:
        log.info("dnd.info failed for %s: %s", user_id, error)
        return None
    snooze_end = int(response.get("snooze_endtime") or 0)
    if response.get("snooze_enabled") and snooze_end:
        return datetime.fromtimestamp(snooze_end, UTC)
    start, end = (int(response.get(k) or 0) for k in ("next_dnd_start_ts", "next_dnd_end_ts"))
    running = response.get("dnd_enabled") and start and end and start <= now.timestamp() < end
    return datetime.fromtimestamp(end, UTC) if running else None


async def look_up(
    client: AsyncWebClient,
    workspace_id: str,
    user_ids: Sequence[str],
    *,
    now: datetime,
    pacer: Pacer = PACER,
    concurrency: int = CONCURRENCY,
) -> list[SlackPerson]:
    """What Slack says about each person, `concurrency` calls at a time, paced. A person
    Slack says is gone comes back with `found=False`; one it failed to answer about (rate
    limit outlasting the client's retries, network) is left out, to be asked again."""
    limit = asyncio.Semaphore(concurrency)

    async def one(user_id: str) -> SlackPerson | None:
        async with limit:
            await pacer.wait(workspace_id)
            try:
                response = await client.users_info(user=user_id, include_locale=True)
            except SlackApiError as error:
                code = str(error.response.get("error"))
                log.warning("users.info failed for %s: %s", user_id, code)
                return SlackPerson(user_id, found=False) if code in FINAL_ERRORS else None
            except (SlackClientError, OSError, TimeoutError) as error:
                log.warning("users.info failed for %s: %s", user_id, error)
                return None
            person = person_of({"id": user_id, **(response.get("user") or {})})
            await pacer.wait(workspace_id)
            return replace(person, dnd_until=await dnd_until(client, user_id, now=now))

    found = await asyncio.gather(*(one(u) for u in user_ids))
    return [p for p in found if p is not None]


async def learn_now(
    *,
    client: AsyncWebClient,
    services: Services,
    workspace_id: str,
    user_ids: Sequence[str],
    now: datetime,
    pacer: Pacer = PACER,
) -> list[SlackPerson]:
    """Ask Slack about these people (no cache check) and store what it said."""
    if not user_ids:
        return []
    people = await look_up(client, workspace_id, user_ids, now=now, pacer=pacer)
    await members.remember_people(
        db=services.db,
        workspace_id=workspace_id,
        people=people,
        default_locale=services.settings.polaris_default_locale,
        now=now,
    )
    return people


@follow_up
async def learn_owners(
    *, client: AsyncWebClient, services: Services, workspace_id: str, user_ids: Collection[str]
) -> None:
    """After an objective, a key result or a team is stored: learn the people it names (their
    owners, the lead) so their first nudge comes at their hour, in their language. Only
    those not learned within the user cache's lifetime are asked about."""
    now = services.clock()
    ttl = timedelta(seconds=services.settings.polaris_user_cache_seconds)
    stale = await members.people_to_learn(
        db=services.db, workspace_id=workspace_id, user_ids=user_ids, ttl=ttl, now=now
    )
    await learn_now(
        client=client, services=services, workspace_id=workspace_id, user_ids=stale, now=now
    )


def owners_of(objective: ObjectiveView) -> set[str]:
    """The objective's owner and its key results' owners."""
    return {objective.owner_user_id, *(kr.owner_user_id for kr in objective.key_results)}


async def reader_translator(
    *, services: Services, workspace_id: str, user_id: str, fallback: str
) -> Translator:
    """The translator of a message to one person (a DM): their language as Slack last told
    it, else `fallback` (their team's). Channel posts use the team's language instead."""
    known = await members.known_member(db=services.db, workspace_id=workspace_id, user_id=user_id)
    return translator(known[0].locale if known else None, default=fallback)
