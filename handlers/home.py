"""The Home tab, published whenever a user opens it (and after changes, by `publish_home`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT_LANGUAGE, translator
from bot.services.members import MemberProfile
from bot.services.northstar import north_star_summary
from bot.services.okrs import home_for
from bot.services.runtime import Services
from handlers.context import Answer, Request, after, profile_of, services_of
from handlers.errors import guarded
from handlers.ids import Event
from handlers.slack_io import follow_up
from handlers.ui.home import build_home
from handlers.ui.northstar import build_north_star_summary_blocks


async def publish_home(
    *,
    client: AsyncWebClient,
    services: Services,
    workspace_id: str,
    user_id: str,
    profile: MemberProfile | None,
) -> None:
    """Render and publish `user_id`'s Home tab as of now, in their language and time zone
    (English and UTC without a profile). Raises SlackApiError if Slack refuses the view."""
    t = translator(
        profile.locale if profile else None,
        default=profile.workspace_locale if profile else DEFAULT_LANGUAGE,
    )
    now = services.clock()
    model = await home_for(
        db=services.db,
        workspace_id=workspace_id,
        user_id=user_id,
        timezone=(profile.timezone if profile else None) or "UTC",
        now=now,
    )
    # The North Star of the person's (first) team heads the cockpit.
    summary = (
        await north_star_summary(
            db=services.db, workspace_id=workspace_id, team_id=model.teams[0].id, now=now
        )
        if model.teams
        else None
    )
    extra = build_north_star_summary_blocks(t, summary) if summary else []
    await client.views_publish(
        user_id=user_id, view=build_home(t, model, now, extra, user_id=user_id)
    )


@follow_up
async def refresh_home(*, context: AsyncBoltContext, client: AsyncWebClient) -> None:
    """Re-publish the acting user's Home after they changed something from it (Slack keeps
    the last published view). Changes made elsewhere need no refresh: opening the Home tab
    publishes it afresh."""
    if context.user_id:
        await publish_home(
            client=client,
            services=services_of(context),
            workspace_id=context.team_id or "",
            user_id=context.user_id,
            profile=profile_of(context),
        )


async def handle_home_opened(req: Request) -> Answer | None:
    if req.event.get("tab") != "home":  # the Messages tab fires the same event
        return None
    return after(
        publish_home, client=req.client, services=req.services, workspace_id=req.workspace_id,
        user_id=req.event["user"], profile=req.profile,
    )  # fmt: skip


def from_home(body: dict[str, Any]) -> bool:
    """Whether an action was clicked on the Home tab."""
    return (body.get("view") or {}).get("type") == "home"


def register(app: AsyncApp) -> None:
    app.event(Event.APP_HOME_OPENED.value)(guarded(handle_home_opened))
