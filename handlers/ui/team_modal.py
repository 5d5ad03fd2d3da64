"""The team modal (`/okr team`): create or edit the team living in a channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from babel.dates import format_time, get_day_names
from pydantic import BaseModel
from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.domain.archetypes import ARCHETYPE_INTENTIONS, ARCHETYPE_LABELS
from bot.domain.permissions import Actor
from bot.i18n import Translator
from bot.services.commands import SaveTeam
from bot.services.read_models import Choice, TeamView
from handlers.ids import Callback, ObjectiveAction
from handlers.ui.blocks import actions, button, modal, section
from handlers.ui.format import escape
from handlers.ui.forms import (
    PayloadInt,
    metadata,
    number_choice,
    select_input,
    state_value,
    text_input,
    time_value,
)


class TeamBlock:
    NAME = "team.name"
    CHANNEL = "channel"
    ARCHETYPE = "archetype"
    TIMEZONE = "timezone"
    LOCALE = "locale"
    CHECKIN_DAY = "checkin.day"
    CHECKIN_TIME = "checkin.time"
    DIGEST_DAY = "digest.day"
    DIGEST_TIME = "digest.time"


# Service field names → block ids (most are the same).
TEAM_FIELDS = {"name": TeamBlock.NAME}


class TeamModalMeta(BaseModel):
    team_id: PayloadInt | None = None


def _weekdays(t: Translator) -> list[Choice]:
    names = get_day_names("wide", locale=t.locale)
    return [Choice(str(day), str(names[day]).capitalize()) for day in range(7)]


def _time_input(block_id: str, label: str, initial: time) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=TimePickerElement(action_id=block_id, initial_time=initial.strftime("%H:%M")),
    )


def build_team_modal(
    t: Translator, *, team: TeamView | None, channel_id: str, timezone: str, locale: str
) -> View:
    """The modal, pre-filled with the team or with defaults (the requester's time zone)."""
    archetypes = [
        Choice(key.value, f"{t(name)} — {t(ARCHETYPE_INTENTIONS[key])}")
        for key, name in ARCHETYPE_LABELS.items()
    ]
    weekdays = _weekdays(t)
    blocks: list[Block] = [
        text_input(
            TeamBlock.NAME, t("Team name"), initial=team.name if team else None, max_length=80
        ),
        InputBlock(
            block_id=TeamBlock.CHANNEL,
            label=t("Home channel"),
            hint=t("Objective posts and the weekly digest go here."),
            element=ConversationSelectElement(
                action_id=TeamBlock.CHANNEL,
                initial_conversation=team.channel_id if team else channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        select_input(
            TeamBlock.ARCHETYPE,
            t("Archetype"),
            archetypes,
            initial=team.archetype if team else "product",
        ),
        text_input(
            TeamBlock.TIMEZONE,
            t("Time zone"),
            initial=team.timezone if team else timezone,
            max_length=64,
            hint=t("For example Europe/Paris or America/New_York."),
        ),
        select_input(
            TeamBlock.LOCALE,
            t("Language of the team's posts"),
            [Choice("en", "English"), Choice("fr", "Français")],
            initial=team.locale if team else locale,
        ),
        select_input(
            TeamBlock.CHECKIN_DAY,
            t("Weekly check-in day"),
            weekdays,
            initial=str(team.checkin_weekday if team else 4),
        ),
        _time_input(
            TeamBlock.CHECKIN_TIME,
            t("Check-in time (each owner's own time zone)"),
            team.checkin_time if team else time(10, 0),
        ),
        select_input(
            TeamBlock.DIGEST_DAY,
            t("Weekly digest day"),
            weekdays,
            initial=str(team.digest_weekday if team else 0),
        ),
        _time_input(
            TeamBlock.DIGEST_TIME,
            t("Digest time (team time zone)"),
            team.digest_time if team else time(9, 30),
        ),
    ]
    return modal(
        t,
        Callback.TEAM,
        t("Team") if team else t("New team"),
        blocks,
        submit=t("Save"),
        meta=TeamModalMeta(team_id=team.id if team else None),
    )


def parse_team_submission(view: Mapping[str, Any], *, workspace_id: str, actor: Actor) -> SaveTeam:
    """The submitted team (the one the modal edits, else a new one) as the save command;
    required inputs are enforced by Slack, rules by the service."""

    return SaveTeam(
        workspace_id=workspace_id,
        team_id=metadata(view, TeamModalMeta).team_id,
        name=state_value(view, TeamBlock.NAME) or "",
        channel_id=state_value(view, TeamBlock.CHANNEL) or "",
        archetype=state_value(view, TeamBlock.ARCHETYPE) or "",
        timezone=state_value(view, TeamBlock.TIMEZONE) or "",
        locale=state_value(view, TeamBlock.LOCALE) or "en",
        checkin_weekday=number_choice(view, TeamBlock.CHECKIN_DAY, default=4, top=6),
        checkin_time=time_value(view, TeamBlock.CHECKIN_TIME) or time(10, 0),
        digest_weekday=number_choice(view, TeamBlock.DIGEST_DAY, default=0, top=6),
        digest_time=time_value(view, TeamBlock.DIGEST_TIME) or time(9, 30),
        actor=actor,
    )


def build_team_prompt(t: Translator, channel_id: str) -> list[Block]:
    """The friendly nudge shown the first time /okr is used in a channel with no team."""
    intro = t(
        "No team lives in <#{channel}> yet. Create one so its objectives, "
        "check-ins and weekly digest have a home.",
        channel=channel_id,
    )
    create = button(ObjectiveAction.CREATE_TEAM, t("Create a team here"), channel_id, primary=True)
    return [section(intro), actions(create)]


def build_team_saved(t: Translator, team: TeamView, created: bool) -> str:
    if created:
        return t(
            "Team *{name}* now lives in <#{channel}>, and you are its lead. Next: `/okr new` "
            "to declare an objective.",
            name=team.name,
            channel=team.channel_id,
        )
    return t("Team *{name}* is saved.", name=team.name)


def build_team_announcement(t: Translator, team: TeamView) -> str:
    """The one message a new team's channel gets, in the team's language: who leads it and
    the rhythm (check-in and digest days and hours, formatted by Babel)."""
    days = get_day_names("wide", locale=t.locale)
    return "\n".join(
        [
            "👋 "
            + t(
                "*{name}* now runs its OKRs here with Polaris, led by <@{lead}>.",
                name=escape(team.name),
                lead=team.lead_user_id or "",
            ),
            t(
                "Every *{checkin_day} at {checkin_time}*, each key result owner gets a check-in "
                "message (at that hour in their own time zone). Every *{digest_day} at "
                "{digest_time}* ({zone}), the weekly digest is posted in this channel.",
                checkin_day=days[team.checkin_weekday],
                checkin_time=format_time(team.checkin_time, format="short", locale=t.locale),
                digest_day=days[team.digest_weekday],
                digest_time=format_time(team.digest_time, format="short", locale=t.locale),
                zone=team.timezone,
            ),
            t("Declare an objective with `/okr new`; `/okr help` lists everything."),
        ]
    )
