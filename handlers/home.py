"""The Home tab, published whenever a user opens it (and after changes from it, by
handlers.surfaces.refresh_home)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from handlers.context import profile_of, services_of
from handlers.errors import guarded
from handlers.ids import Event
from handlers.surfaces import publish_home


async def handle_home_opened(
    event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    if event.get("tab") != "home":  # the Messages tab fires the same event
        return
    await publish_home(
        client=client,
        services=services_of(context),
        workspace_id=context.team_id or "",
        user_id=event["user"],
        profile=profile_of(context),
    )


def register(app: AsyncApp) -> None:
    app.event(Event.APP_HOME_OPENED.value)(guarded(handle_home_opened))
