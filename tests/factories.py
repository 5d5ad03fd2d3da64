"""Plain functions that seed data through the real services, and Slack payloads for tests.

Every seeding function takes the `Services` under test (`polaris.runtime.services` end to end,
the `services` fixture below that) and uses its clock, so objectives land in the cycle the app
will read.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from bot.domain.cycles import current_quarter
from bot.domain.permissions import Actor
from bot.domain.progress import KrKind, kr_progress, objective_progress
from bot.domain.refs import key_result_label, objective_label
from bot.services.check_ins import record_check_in
from bot.services.commands import CreateObjective, KeyResultDraft, RecordCheckIn, SaveTeam
from bot.services.members import remember_member
from bot.services.objectives import create_objective
from bot.services.read_models import CheckInResult, KeyResultView, ObjectiveView, TeamView
from bot.services.runtime import Services
from bot.services.teams import save_team
from tests.slack_fake import FakeSlack

WORKSPACE = "T0001"  # the team_id of tests.signing's payloads
_action_ts = itertools.count(1)


async def seed_team(
    services: Services,
    *,
    name: str = "Growth",
    channel_id: str = "C1",
    lead_user_id: str = "U1",
    timezone: str = "Europe/Paris",
    locale: str = "en",
    workspace_id: str = WORKSPACE,
    checkin_weekday: int = 0,
    checkin_time: time = time(9, 0),
    digest_weekday: int = 4,
    digest_time: time = time(16, 0),
) -> TeamView:
    team, _ = await save_team(
        db=services.db,
        cmd=SaveTeam(
            workspace_id=workspace_id,
            team_id=None,
            channel_id=channel_id,
            name=name,
            archetype="product",
            timezone=timezone,
            locale=locale,
            checkin_weekday=checkin_weekday,
            checkin_time=checkin_time,
            digest_weekday=digest_weekday,
            digest_time=digest_time,
            actor=Actor(lead_user_id),
        ),
        now=services.clock(),
    )
    return team


def kr_draft(
    title: str = "Weekly active teams",
    *,
    owner_user_id: str = "U1",
    kind: KrKind = KrKind.INCREASE_TO,
    start: float = 0,
    target: float = 100,
    unit: str = "",
) -> KeyResultDraft:
    return KeyResultDraft(
        title=title, kind=kind, start=start, target=target, unit=unit, owner_user_id=owner_user_id
    )


def objective_command(
    team: TeamView,
    now: datetime,
    *,
    title: str = "Teams love their weekly check-in",
    owner_user_id: str = "U1",
    key_results: Sequence[KeyResultDraft] | None = None,
    cycle_key: str | None = None,
    workspace_id: str = WORKSPACE,
    parent_ref: int | None = None,
    drives: str | None = None,
    submission_key: str | None = None,
) -> CreateObjective:
    """The owner's command declaring an objective of `team`: in the team's cycle at `now`
    unless `cycle_key` names one, with one default KR owned by the owner unless told."""
    return CreateObjective(
        workspace_id=workspace_id,
        team_id=team.id,
        cycle_key=cycle_key or current_quarter(now, team.timezone).key,
        title=title,
        description="",
        owner_user_id=owner_user_id,
        parent_ref=parent_ref,
        drives=drives,
        key_results=tuple(key_results or (kr_draft(owner_user_id=owner_user_id),)),
        actor=Actor(owner_user_id),
        submission_key=submission_key,
    )


async def seed_objective(services: Services, team: TeamView, **fields: Any) -> ObjectiveView:
    """An objective of `team` declared at the services' clock (`fields` as `objective_command`)."""
    now = services.clock()
    cmd = objective_command(team, now, **fields)
    view = await create_objective(db=services.db, cmd=cmd, now=now)
    assert view is not None
    return view


async def seed_check_in(
    services: Services,
    key_result_ref: int,
    value: float,
    *,
    confidence: int | None = None,
    note: str = "",
    user_id: str = "U1",
    workspace_id: str = WORKSPACE,
) -> CheckInResult:
    return await record_check_in(
        db=services.db,
        cmd=RecordCheckIn(
            workspace_id=workspace_id,
            key_result_ref=key_result_ref,
            value=value,
            confidence=confidence,
            note=note,
            actor=Actor(user_id),
        ),
        now=services.clock(),
    )


def block_actions_payload(
    *,
    action_id: str,
    value: str,
    response_url: str,
    user_id: str = "U1",
    channel_id: str = "C1",
    block_id: str = "block",
    team_id: str = WORKSPACE,
    ephemeral: bool = True,
) -> dict[str, Any]:
    """A `block_actions` payload for a button clicked in a message (ephemeral by default)."""
    ts = f"1700000000.{next(_action_ts):06d}"
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0001",
        "token": "verification",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": "1337.42.efgh",
        "channel": {"id": channel_id, "name": "growth"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": "button"},
                "action_ts": ts,
            }
        ],
    }


# --- Read models without a database, for the pure builders of handlers/ui -----------------


def team_view_stub(*, team_id: int = 1, name: str = "Growth", channel_id: str = "C1") -> TeamView:
    return TeamView(
        id=team_id,
        name=name,
        channel_id=channel_id,
        archetype="product",
        timezone="Europe/Paris",
        locale="en",
        lead_user_id="U1",
        checkin_weekday=0,
        checkin_time=time(9, 0),
        digest_weekday=4,
        digest_time=time(16, 0),
    )


def key_result_view_stub(
    ref: int,
    *,
    objective_id: int = 1,
    title: str | None = None,
    owner_user_id: str = "U1",
    kind: KrKind = KrKind.INCREASE_TO,
    start: float = 0,
    target: float = 100,
    unit: str = "",
    current: float | None = None,
    confidence: int | None = None,
    last_check_in_at: datetime | None = None,
    expected: float = 0.5,
) -> KeyResultView:
    return KeyResultView(
        id=ref,
        ref=ref,
        label=key_result_label(ref),
        objective_id=objective_id,
        title=title or f"Key result number {ref}",
        kind=kind,
        start=start,
        target=target,
        unit=unit,
        owner_user_id=owner_user_id,
        weight=1.0,
        state="open",
        current=current,
        confidence=confidence,
        note="",
        last_check_in_at=last_check_in_at,
        progress=kr_progress(
            kind=kind,
            start=start,
            target=target,
            current=current,
            confidence=confidence,
            expected=expected,
        ),
    )


def objective_view_stub(
    ref: int,
    *,
    title: str | None = None,
    owner_user_id: str = "U1",
    key_results: Sequence[KeyResultView] = (),
    team: TeamView | None = None,
    cycle_key: str = "2026-Q4",
    expected: float = 0.5,
) -> ObjectiveView:
    krs = tuple(key_results)
    return ObjectiveView(
        id=ref,
        workspace_id=WORKSPACE,
        ref=ref,
        label=objective_label(ref),
        title=title or f"Objective number {ref}",
        description="",
        owner_user_id=owner_user_id,
        state="open",
        drives=None,
        input_metric_id=None,
        parent_id=None,
        team=team or team_view_stub(),
        cycle_key=cycle_key,
        expected=expected,
        post_channel_id=None,
        post_ts=None,
        key_results=krs,
        progress=objective_progress(
            krs=[k.progress for k in krs], weights=[k.weight for k in krs], expected=expected
        ),
    )


async def seed_friday_owners(
    services: Services, fake: FakeSlack, owners: Sequence[str], *, known: int, now: datetime
) -> TeamView:
    """A Paris team checking in on Fridays at 10:00 whose objectives (five KRs each) give each
    of `owners` one key result. Each is a Slack user of `fake`; the first `known` were asked
    about at `now` (Polaris knows their zone), the others were never seen."""
    team = await seed_team(services, checkin_weekday=4, checkin_time=time(10, 0))
    for i, user in enumerate(owners):
        fake.add_user(user, tz="Europe/Paris", locale="en-US")
        if i < known:
            await remember_member(
                db=services.db,
                workspace_id=WORKSPACE,
                user_id=user,
                locale="en-US",
                timezone="Europe/Paris",
                is_admin=False,
                default_locale="en",
                now=now,
            )
    for first in range(0, len(owners), 5):
        krs = [
            kr_draft(title=f"KR {user}", owner_user_id=user) for user in owners[first : first + 5]
        ]
        await seed_objective(services, team, title=f"Objective {first}", key_results=krs)
    return team
