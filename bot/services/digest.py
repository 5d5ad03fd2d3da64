"""The weekly digest: what each team's digest says, and which digests are due at an instant.

A team's digest is posted once a week in its home channel at its local weekday and time
(Monday 09:30 by default). Its ledger key is (workspace, "digest", "team:<id>", ISO week of the
local date), which makes it exactly-once. A digest missed by less than a day (the bot was down)
is still posted, with a note; one missed by a day or more is recorded as skipped instead.

Building a digest costs a fixed number of SQL statements whatever the number of objectives,
key results or check-ins (no per-KR query).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.cycles import current_quarter, quarter_span
from bot.domain.digest import KrWeek, OwnerWeek, select_week
from bot.domain.errors import N_, NotFound, PermissionDenied, UserError
from bot.domain.permissions import Actor
from bot.domain.progress import KrKind, expected_progress, kr_progress
from bot.domain.schedule import latest_weekly, week_key
from bot.services.ledger import LedgerKey, claim_attempt
from bot.services.northstar import north_star_summary
from bot.services.objective_views import LIVE_STATES, load_objective_views
from bot.services.read_models import (
    DigestModel,
    DigestPreview,
    KeyResultView,
    NorthStarSummary,
    ObjectiveView,
    TeamView,
)
from bot.services.teams import actor_leads, team_view
from storage import digest as store
from storage import okrs
from storage.database import Database
from storage.models import CheckIn, LifecycleState, Member, Nudge, NudgeAnswer, Team
from storage.okrs import ObjectiveFilter

log = logging.getLogger(__name__)

#: Ledger kinds: the scheduled digest, and the one a lead posts with `/okr digest post`.
DIGEST_KIND = "digest"
MANUAL_DIGEST_KIND = "digest_manual"
#: The week a digest covers.
WEEK = timedelta(days=7)
#: A digest sent this long after its time says it is late (the ticker runs every minute, so
#: anything later than a few ticks means Polaris was not running).
LATE_AFTER = timedelta(minutes=10)
#: Past this, a missed digest is no longer news: it is recorded as skipped, not posted.
CATCH_UP = timedelta(days=1)
MISSED = "missed by more than a day"
NOTHING_TO_REPORT = "nothing to report"

NO_TEAM = N_("This channel has no team yet: run `/okr team` here first.")
NOTHING_TO_DIGEST = N_(
    "There is nothing to put in a digest yet: declare objectives with `/okr new` or "
    "define your North Star with `/okr northstar define`."
)


def team_subject(team_id: int) -> str:
    """The ledger subject of a team's digest."""
    return f"team:{team_id}"


# --- Read models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    """A team's digest the scheduler should act on at an instant.

    `late`: posted more than LATE_AFTER after its time (the post says so). `missed`: a day or
    more late; it is recorded as skipped, not posted.
    """

    workspace_id: str
    team_id: int
    period: str
    occurrence_at: datetime
    late: bool
    missed: bool = False

    @property
    def key(self) -> LedgerKey:
        return LedgerKey(self.workspace_id, DIGEST_KIND, team_subject(self.team_id), self.period)


@dataclass(frozen=True)
class ManualDigest:
    """`/okr digest post`: the digest to post, with its ledger claim. `entry_id` is None when
    this week's manual digest was already posted (or is being posted): a double click."""

    digest: DigestModel
    key: LedgerKey
    entry_id: int | None
    #: A click after an attempt whose outcome Slack left unknown: look for its post first.
    retry: bool = False


# --- Due ------------------------------------------------------------------------------------


async def due_digests(
    *,
    db: Database,
    at: datetime,
    late_after: timedelta = LATE_AFTER,
    catch_up: timedelta = CATCH_UP,
) -> list[DueDigest]:
    """Every team's latest digest occurrence at or before `at` that is not settled yet.

    Digests already sent or skipped are left out (one query on the ledger), so a tick after
    Monday's round costs two statements. The ledger claim stays the guard against duplicates.
    Occurrences from before a team existed are not due. Teams with an unknown time zone are
    logged and left out.
    """
    candidates: list[tuple[Team, DueDigest]] = []
    async with db.transaction() as session:
        for team in await store.all_teams(session):
            assert team.id is not None
            try:
                occurrence = latest_weekly(
                    at,
                    timezone=team.timezone,
                    weekday=team.digest_weekday,
                    at_time=team.digest_time,
                )
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("team %s has an unknown time zone %r", team.id, team.timezone)
                continue
            if occurrence.at < team.created_at:
                continue
            lateness = at - occurrence.at
            candidates.append(
                (
                    team,
                    DueDigest(
                        workspace_id=team.workspace_id,
                        team_id=team.id,
                        period=occurrence.period,
                        occurrence_at=occurrence.at,
                        late=lateness >= late_after,
                        missed=lateness >= catch_up,
                    ),
                )
            )
        settled = await store.settled_subjects(
            session, kind=DIGEST_KIND, periods={due.period for _, due in candidates}
        )
    return [
        due
        for _, due in candidates
        if (due.workspace_id, team_subject(due.team_id), due.period) not in settled
    ]


# --- The digest -----------------------------------------------------------------------------


async def weekly_digest(
    *, db: Database, workspace_id: str, team_id: int, now: datetime
) -> DigestModel:
    """The team's digest for the week ending at `now`. Raises NotFound for an unknown team.

    Progress a week ago comes from each KR's latest check-in at or before `now − 7 days`;
    "checked in this week" means a check-in in (now − 7 days, now].
    """
    summary = await north_star_summary(db=db, workspace_id=workspace_id, team_id=team_id, now=now)
    since = now - WEEK
    async with db.transaction() as session:
        team = await okrs.team_by_id(session, workspace_id, team_id)
        if team is None or team.id is None:
            raise NotFound(N_("This team no longer exists."))
        span = current_quarter(now, team.timezone)
        objectives = await _cycle_objectives(session, team, span.key, now)
        open_krs = _open_key_results(objectives)
        before = await store.latest_check_ins_at(session, [kr.id for kr in open_krs], since)
        readings = await _readings_recorded(session, summary, since, now)
        nudges = await store.nudges_sent_between(session, team_id=team.id, since=since, until=now)
        owners = {kr.owner_user_id for kr in open_krs}
        lead = team.lead_user_id
        people = await store.members_of_users(
            session, workspace_id, owners | ({lead} if lead else set())
        )
        members = {user: m for user, m in people.items() if user in owners}
        first = not await store.digest_posted(
            session,
            workspace_id=workspace_id,
            subject=team_subject(team.id),
            kinds=(DIGEST_KIND, MANUAL_DIGEST_KIND),
        )
    view = team_view(team)
    answers = _owner_answers(nudges, members, view.today(since))
    weeks = _key_result_weeks(open_krs, before, span.key, team.timezone, since, now, answers)
    check_ins = sum(1 for w in weeks if w.checked_in_this_week)
    return DigestModel(
        team=view,
        period=week_key(now.astimezone(ZoneInfo(team.timezone)).date()),
        since=since,
        until=now,
        cycle_key=span.key,
        north_star=summary,
        objectives=tuple(objectives),
        week=select_week(weeks),
        key_results={kr.label: kr for kr in open_krs},
        unlinked=tuple(
            o for o in objectives if o.state == LifecycleState.OPEN.value and not o.drives
        ),
        check_ins=check_ins,
        readings=readings,
        empty=check_ins == 0 and readings == 0,
        first=first,
        next_check_in_at=next_check_in_at(view, now),
        next_digest_at=next_digest_at(view, now),
        lead_locale=people[lead].locale if lead in people else None,
    )


@dataclass(frozen=True)
class _OwnerAnswer:
    """What the digest knows of an owner's week: the KRs their DMs listed (None: no DM went
    out, every KR counts as due) and their choice."""

    listed: frozenset[int] | None
    choice: OwnerWeek


def _away(member: Member | None, first_day: date) -> bool:
    """An owner left alone this week: their nudges are paused (holidays) during it.

    Owners Slack said were out of office when their nudge was due have an "away" nudge
    instead, read by `_owner_answers`.
    """
    return bool(
        member is not None
        and member.nudges_paused_until is not None
        and member.nudges_paused_until >= first_day
    )


def _owner_answers(
    nudges: Sequence[Nudge], members: Mapping[str, Member], first_day: date
) -> dict[str, _OwnerAnswer]:
    """Per owner: the KRs listed on this week's DMs and whether they skipped or are away.
    The latest DM's answer wins (a skip undone is no skip)."""
    listed: dict[str, set[int]] = {}
    skipped: dict[str, bool] = {}
    out_of_office: set[str] = set()
    for nudge in nudges:  # oldest first
        listed.setdefault(nudge.user_id, set()).update(nudge.key_result_ids)
        skipped[nudge.user_id] = nudge.answer == NudgeAnswer.SKIPPED.value
        if nudge.answer == NudgeAnswer.AWAY.value:  # not nudged: Slack said out of office
            out_of_office.add(nudge.user_id)
    answers: dict[str, _OwnerAnswer] = {}
    for user_id in set(listed) | set(members):
        choice = OwnerWeek.EXPECTED
        if user_id in out_of_office or _away(members.get(user_id), first_day):
            choice = OwnerWeek.AWAY
        elif skipped.get(user_id):
            choice = OwnerWeek.SKIPPED
        kr_ids = listed.get(user_id)
        answers[user_id] = _OwnerAnswer(frozenset(kr_ids) if kr_ids is not None else None, choice)
    return answers


async def _cycle_objectives(
    session: AsyncSession, team: Team, cycle_key: str, now: datetime
) -> list[ObjectiveView]:
    """The team's live objectives of the cycle `cycle_key` (none if the cycle was never used)."""
    cycle = await store.cycle_by_key(session, team.workspace_id, cycle_key)
    if cycle is None or cycle.id is None:
        return []
    return await load_objective_views(
        session,
        ObjectiveFilter(
            team.workspace_id, team_ids=[team.id or 0], cycle_ids=[cycle.id], states=LIVE_STATES
        ),
        now=now,
    )


def _open_key_results(objectives: Sequence[ObjectiveView]) -> list[KeyResultView]:
    return [
        kr
        for o in objectives
        if o.state == LifecycleState.OPEN.value
        for kr in o.key_results
        if kr.state == LifecycleState.OPEN.value
    ]


async def _readings_recorded(
    session: AsyncSession, summary: NorthStarSummary | None, since: datetime, until: datetime
) -> int:
    """Readings of the North Star and its inputs recorded in (since, until]; 0 without one."""
    if summary is None:
        return 0
    return await store.readings_recorded_between(
        session,
        north_star_id=summary.north_star.id,
        input_metric_ids=[m.id for m in summary.inputs],
        since=since,
        until=until,
    )


def _key_result_weeks(
    open_krs: Sequence[KeyResultView],
    before: Mapping[int, CheckIn],
    cycle_key: str,
    timezone: str,
    since: datetime,
    now: datetime,
    answers: Mapping[str, _OwnerAnswer],
) -> list[KrWeek]:
    """Each open KR's week: its progress and confidence at `since` (from its latest check-in
    then) and now, whether it was due and what its owner chose."""
    start, end = quarter_span(cycle_key).bounds(timezone)
    expected_before = expected_progress(start=start, end=end, now=since)
    no_dm = _OwnerAnswer(None, OwnerWeek.EXPECTED)
    weeks = []
    for kr in open_krs:
        past = before.get(kr.id)
        progress_before = kr_progress(
            kind=kr.kind,
            start=kr.start,
            target=kr.target,
            current=past.value if past else None,
            confidence=past.confidence if past else None,
            expected=expected_before,
            cycle_over=since >= end,
        ).progress
        answer = answers.get(kr.owner_user_id, no_dm)
        weeks.append(
            KrWeek(
                key=kr.label,
                owner_user_id=kr.owner_user_id,
                progress_before=progress_before,
                progress_now=kr.progress.progress,
                status_now=kr.progress.status,
                confidence_before=past.confidence if past else None,
                confidence_now=kr.confidence,
                checked_in_this_week=kr.last_check_in_at is not None
                and since < kr.last_check_in_at <= now,
                note=kr.note,
                guardrail=kr.kind in (KrKind.STAY_ABOVE, KrKind.STAY_BELOW),
                has_data=kr.progress.has_data,
                due=answer.listed is None or kr.id in answer.listed,
                owner_week=answer.choice,
            )
        )
    return weeks


async def _channel_team(db: Database, workspace_id: str, channel_id: str) -> TeamView:
    async with db.transaction() as session:
        team = await okrs.team_by_channel(session, workspace_id, channel_id)
        if team is None:
            raise UserError(NO_TEAM)
        return team_view(team)


def next_check_in_at(team: TeamView, now: datetime) -> datetime:
    """When the team's next weekly check-in comes, strictly after `now`, on the team's clock
    (each owner gets it at that hour in their own zone)."""
    return latest_weekly(
        now + WEEK, timezone=team.timezone, weekday=team.checkin_weekday, at_time=team.checkin_time
    ).at


def next_digest_at(team: TeamView, now: datetime) -> datetime:
    """When the team's next scheduled digest is due, strictly after `now`."""
    return latest_weekly(
        now + WEEK, timezone=team.timezone, weekday=team.digest_weekday, at_time=team.digest_time
    ).at


async def preview_digest(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> DigestPreview:
    """The digest of the channel's team as of now. Raises UserError without a team."""
    team = await _channel_team(db, workspace_id, channel_id)
    digest = await weekly_digest(db=db, workspace_id=workspace_id, team_id=team.id, now=now)
    return DigestPreview(digest=digest, next_at=next_digest_at(team, now))


async def start_manual_digest(
    *,
    db: Database,
    workspace_id: str,
    channel_id: str,
    actor: Actor,
    claimed_by: str,
    now: datetime,
    lease: timedelta,
) -> ManualDigest:
    """Build the channel team's digest and claim this week's manual post in the ledger.

    Only the team lead or an admin may post. Raises UserError without a team or with nothing
    to report, PermissionDenied for anyone else. The caller posts it and records the outcome.
    """
    team = await _channel_team(db, workspace_id, channel_id)
    if not actor_leads(actor, team):
        raise PermissionDenied(
            N_(
                "Only the team lead or a workspace admin can post the digest. You can preview "
                "it with `/okr digest`."
            )
        )
    digest = await weekly_digest(db=db, workspace_id=workspace_id, team_id=team.id, now=now)
    if not digest.has_content:
        raise UserError(NOTHING_TO_DIGEST)
    key = LedgerKey(workspace_id, MANUAL_DIGEST_KIND, team_subject(team.id), digest.period)
    claim = await claim_attempt(db=db, key=key, claimed_by=claimed_by, now=now, lease=lease)
    if claim is None:
        return ManualDigest(digest=digest, key=key, entry_id=None)
    return ManualDigest(digest, key, claim.entry_id, retry=claim.attempt > 1)


__all__ = [
    "CATCH_UP",
    "DIGEST_KIND",
    "LATE_AFTER",
    "MANUAL_DIGEST_KIND",
    "MISSED",
    "NOTHING_TO_DIGEST",
    "NOTHING_TO_REPORT",
    "DigestModel",
    "DigestPreview",
    "DueDigest",
    "ManualDigest",
    "due_digests",
    "next_check_in_at",
    "next_digest_at",
    "preview_digest",
    "start_manual_digest",
    "team_subject",
    "weekly_digest",
]
