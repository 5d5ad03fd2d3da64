"""The Home tab, published whenever a user opens it (and after changes, by `publish_home`)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.context import Answer, Request, after
from handlers.errors import guarded
from handlers.ids import Event
from handlers.surfaces import publish_home


async def handle_home_opened(req: Request) -> Answer | None:
    if req.event.get("tab") != "home":  # the Messages tab fires the same event
        return None
    return after(
        publish_home, client=req.client, services=req.services, workspace_id=req.workspace_id,
        user_id=req.event["user"], profile=req.profile,
    )  # fmt: skip


def register(app: AsyncApp) -> None:
    app.event(Event.APP_HOME_OPENED.value)(guarded(handle_home_opened))
