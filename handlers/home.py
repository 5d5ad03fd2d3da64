"""The Home tab, published whenever a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from handlers.context import translator_of
from handlers.ids import Event
from handlers.ui.home import build_welcome_home


async def handle_home_opened(
    event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    if event.get("tab") != "home":  # the Messages tab fires the same event
        return
    t = translator_of(context)
    await client.views_publish(user_id=event["user"], view=build_welcome_home(t))


def register(app: AsyncApp) -> None:
    app.event(Event.APP_HOME_OPENED.value)(handle_home_opened)
