"""The weekly check-in DM, sent by the ticker: nudges, reminders, snoozed nudges coming back,
and the note to an objective owner about a KR ignored for three weeks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import translator
from bot.scheduler import DueItem
from bot.services import nudge_messages, nudges
from bot.services.ledger import LedgerKey, LedgerStatus, Outcome
from bot.services.runtime import Services
from handlers.directory import learn_now, reader_translator
from handlers.slack_io import find_marked_post, marker_metadata, outcome_of
from handlers.ui.nudges import build_nudge_message, build_stale_suggestion, nudge_text

# Owners whose zone is unknown are asked about when their nudge comes within LEARN_LOOKAHEAD
# (their zone may be a day from the team's); known ones are refreshed (status, zone) once
# their cached answer expired and the nudge comes within REFRESH_AHEAD. At most
# LEARN_PER_TICK per tick, which the pacing of users.info spreads over about half a minute:
# ten thousand new owners are learned well within the lookahead.
LEARN_LOOKAHEAD = timedelta(hours=36)
REFRESH_AHEAD = timedelta(hours=2)
LEARN_PER_TICK = 50


class NudgeJob:
    """The ticker's job for the check-in DMs: nudges, reminders, snoozed nudges coming back,
    and the note to an objective owner about a KR ignored for three weeks."""

    kind = "nudge"

    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        self.services, self.client = services, client

    async def due(self, at: datetime) -> Sequence[DueItem]:
        found = await nudges.due_nudges(db=self.services.db, at=at)
        # What each DM shows is gathered here, in bulk, rather than once per send.
        # The tick's instant, not the wall clock: a nudge's `sent_at` decides its reminder.
        contents = await nudge_messages.nudge_contents(db=self.services.db, due=found, now=at)
        slots = await nudge_messages.open_week_nudges(db=self.services.db, due=found, now=at)
        return [
            DueItem(
                LedgerKey(d.workspace_id, d.kind, d.subject, d.period),
                (d, contents.get(d), slots.get(d)),
                recipient=d.user_id,
            )
            for d in found
        ]

    async def ahead(self, at: datetime) -> None:
        """After the pass's DMs: ask Slack the zone, language and status of owners it has not
        told us about lately (people a lead named who never typed `/okr`), soonest nudge
        first, so that their nudge, hours later, comes at their own 10:00. (Owners named in
        a modal are learned when it is saved; this catches the rest, e.g. imports.)"""
        settings = self.services.settings
        wanted = await nudges.owners_to_learn(
            db=self.services.db,
            at=at,
            ttl=timedelta(seconds=settings.polaris_user_cache_seconds),
            lookahead=LEARN_LOOKAHEAD,
            refresh_ahead=REFRESH_AHEAD,
            limit=LEARN_PER_TICK,
        )
        for workspace_id, user_ids in wanted.items():
            await learn_now(
                client=self.client,
                services=self.services,
                workspace_id=workspace_id,
                user_ids=user_ids,
                now=at,
            )

    async def send(self, item: DueItem, at: datetime) -> Outcome:
        due, content, slot = item.payload
        try:
            if content is None or slot is None:
                return await self._send_stale(due, item, at)
            return await self._send_nudge(due, item, content, slot, at)
        except (SlackApiError, SlackClientError, OSError) as error:
            status, code = outcome_of(error)
            return Outcome(status, error=code)

    async def _send_nudge(
        self,
        due: nudges.DueNudge,
        item: DueItem,
        content: nudge_messages.NudgeContent,
        slot: nudge_messages.NudgeSlot,
        now: datetime,
    ) -> Outcome:
        if due.kind == nudges.NUDGE and slot.dm_ts:  # posted just before a crash
            return Outcome(LedgerStatus.SENT, slot.dm_channel, slot.dm_ts)
        if not content.objectives:
            return Outcome(LedgerStatus.SKIPPED, error="nothing left to check in")
        nudge = nudge_messages.nudge_view_of(slot, due, content)
        t = translator(nudge.locale)
        found = await self._earlier_post(due, item)
        if found is None:
            # Posting to a user id opens (or reuses) the DM with them: no channel-wide mention.
            response = await self.client.chat_postMessage(
                channel=due.user_id,
                text=nudge_text(t, nudge),
                blocks=build_nudge_message(t, nudge, reminder=due.kind != nudges.NUDGE),
                metadata=marker_metadata(item.key),
            )
            found = str(response["channel"]), str(response["ts"])
        channel, ts = found
        posted = nudge_messages.nudge_sent(
            nudge_id=slot.id, channel=channel, ts=ts, now=now, kind=due.kind
        )
        return Outcome(LedgerStatus.SENT, channel, ts, also_store=posted)

    async def _earlier_post(self, due: nudges.DueNudge, item: DueItem) -> tuple[str, str] | None:
        """(channel, ts) of the DM an earlier, uncertain attempt of this item sent, if any."""
        if not item.retry:
            return None
        found = await find_marked_post(self.client, channel=due.user_id, key=item.key)
        return None if found is None else (found.channel, found.ts)

    async def _send_stale(self, due: nudges.DueNudge, item: DueItem, now: datetime) -> Outcome:
        objective = await nudge_messages.stale_key_result(
            db=self.services.db,
            workspace_id=due.workspace_id,
            key_result_id=due.key_result_ids[0],
            now=now,
        )
        if objective is None:
            return Outcome(LedgerStatus.SKIPPED, error="key result closed")
        found = await self._earlier_post(due, item)
        if found is None:
            t = await reader_translator(
                services=self.services,
                workspace_id=due.workspace_id,
                user_id=due.user_id,
                fallback=objective.team.locale,
            )
            response = await self.client.chat_postMessage(
                channel=due.user_id,
                text=build_stale_suggestion(t, objective),
                metadata=marker_metadata(item.key),
            )
            found = str(response["channel"]), str(response["ts"])
        return Outcome(LedgerStatus.SENT, *found)
