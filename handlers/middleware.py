"""Cross-cutting concerns, applied to every Slack request before any listener runs."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import translator
from bot.services.members import MemberProfile, accept_event, remember_member
from bot.services.runtime import Services
from handlers.context import PROFILE, SERVICES, TRANSLATOR
from handlers.directory import person_of

log = logging.getLogger(__name__)

Next = Callable[[], Awaitable[None]]


class UserDirectory:
    """The acting user's locale, time zone and admin flag, from `users.info`, cached.

    users.info is a Tier 4 method and sits on the path of every request, so answers are kept
    for `ttl` seconds per process; each fresh answer is also stored for the scheduler, which
    needs owners' time zones without a Slack call.
    """

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, MemberProfile]] = {}

    async def profile(
        self, *, client: AsyncWebClient, services: Services, workspace_id: str, user_id: str
    ) -> MemberProfile:
        key = (workspace_id, user_id)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        user: dict[str, Any] = {}
        try:
            response = await client.users_info(user=user_id, include_locale=True)
            user = response.get("user") or {}
        except SlackApiError as error:
            # Not fatal: the workspace default language applies until Slack answers.
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        profile = await remember_member(
            db=services.db,
            workspace_id=workspace_id,
            user_id=user_id,
            locale=user.get("locale"),
            timezone=user.get("tz"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            default_locale=services.settings.polaris_default_locale,
            now=services.clock(),
            status=person_of(user) if user else None,
        )
        if user:
            self._cache[key] = (time.monotonic() + self._ttl, profile)
        return profile


def register(app: AsyncApp, services: Services) -> None:
    directory = UserDirectory(ttl=services.settings.polaris_user_cache_seconds)

    @app.middleware
    async def inject_services(context: AsyncBoltContext, next: Next) -> None:
        context[SERVICES] = services
        await next()

    @app.middleware
    async def drop_duplicate_events(
        body: dict[str, Any], context: AsyncBoltContext, next: Next
    ) -> BoltResponse | None:
        # Slack redelivers an event it thinks we missed (x-slack-retry-num); same event_id.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and context.team_id:
            first = await accept_event(
                db=services.db,
                workspace_id=context.team_id,
                event_id=str(event_id),
                now=services.clock(),
            )
            if not first:
                log.info("dropped duplicate delivery of event %s", event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None

    @app.middleware
    async def resolve_user(context: AsyncBoltContext, client: AsyncWebClient, next: Next) -> None:
        if context.user_id and context.team_id:
            profile = await directory.profile(
                client=client,
                services=services,
                workspace_id=context.team_id,
                user_id=context.user_id,
            )
            context[PROFILE] = profile
            context[TRANSLATOR] = translator(profile.locale, default=profile.workspace_locale)
        await next()
