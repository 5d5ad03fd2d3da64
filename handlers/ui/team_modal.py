"""The team modal (`/okr team`): create or edit the team living in a channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from babel.dates import get_day_names
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


@dataclass(frozen=True)
class Weekly:
    """A weekly moment of a team (its check-in, its digest): the blocks of its day and time
    inputs, and the weekday (Monday 0) and time a new team starts with."""

    day_block: str
    time_block: str
    default: tuple[int, time]


CHECK_IN = Weekly(TeamBlock.CHECKIN_DAY, TeamBlock.CHECKIN_TIME, (4, time(10, 0)))
DIGEST = Weekly(TeamBlock.DIGEST_DAY, TeamBlock.DIGEST_TIME, (0, time(9, 30)))


def _weekly_inputs(
    t: Translator, weekly: Weekly, labels: tuple[str, str], at: tuple[int, time]
) -> list[Block]:
    """The day and time inputs of `weekly`, labelled `labels`, showing `at`."""
    names = get_day_names("wide", locale=t.locale)
    weekdays = [Choice(str(day), str(names[day]).capitalize()) for day in range(7)]
    return [
        select_input(weekly.day_block, labels[0], weekdays, initial=str(at[0])),
        InputBlock(
            block_id=weekly.time_block,
            label=labels[1],
            element=TimePickerElement(
                action_id=weekly.time_block, initial_time=at[1].strftime("%H:%M")
            ),
        ),
    ]


def _weekly_value(view: Mapping[str, Any], weekly: Weekly) -> tuple[int, time]:
    """The submitted day and time of `weekly`, each its default when missing."""
    return (
        number_choice(view, weekly.day_block, default=weekly.default[0], top=6),
        time_value(view, weekly.time_block) or weekly.default[1],
    )


def build_team_modal(
    t: Translator, *, team: TeamView | None, channel_id: str, timezone: str, locale: str
) -> View:
    """The modal, pre-filled with the team or with defaults (the requester's time zone)."""
    archetypes = [
        Choice(key.value, f"{t(name)} — {t(ARCHETYPE_INTENTIONS[key])}")
        for key, name in ARCHETYPE_LABELS.items()
    ]
    check_in = (team.checkin_weekday, team.checkin_time) if team else CHECK_IN.default
    digest = (team.digest_weekday, team.digest_time) if team else DIGEST.default
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
        *_weekly_inputs(
            t,
            CHECK_IN,
            (t("Weekly check-in day"), t("Check-in time (each owner's own time zone)")),
            check_in,
        ),
        *_weekly_inputs(
            t, DIGEST, (t("Weekly digest day"), t("Digest time (team time zone)")), digest
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
    checkin_weekday, checkin_time = _weekly_value(view, CHECK_IN)
    digest_weekday, digest_time = _weekly_value(view, DIGEST)
    return SaveTeam(
        workspace_id=workspace_id,
        team_id=metadata(view, TeamModalMeta).team_id,
        name=state_value(view, TeamBlock.NAME) or "",
        channel_id=state_value(view, TeamBlock.CHANNEL) or "",
        archetype=state_value(view, TeamBlock.ARCHETYPE) or "",
        timezone=state_value(view, TeamBlock.TIMEZONE) or "",
        locale=state_value(view, TeamBlock.LOCALE) or "en",
        checkin_weekday=checkin_weekday,
        checkin_time=checkin_time,
        digest_weekday=digest_weekday,
        digest_time=digest_time,
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
            name=escape(team.name),
            channel=team.channel_id,
        )
    return t("Team *{name}* is saved.", name=escape(team.name))


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
                checkin_time=t.time(team.checkin_time),
                digest_day=days[team.digest_weekday],
                digest_time=t.time(team.digest_time),
                zone=team.timezone,
            ),
            t("Declare an objective with `/okr new`; `/okr help` lists everything."),
        ]
    )
