"""OKR use cases on a real database with a fixed clock: return values and stored state."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from bot.domain.errors import InvalidFields, NotFound, PermissionDenied
from bot.domain.permissions import Actor
from bot.domain.progress import KrKind
from bot.domain.status import Status
from bot.services.check_ins import record_check_in
from bot.services.commands import (
    AddKeyResult,
    ChangeObjectiveState,
    EditKeyResult,
    KeyResultDraft,
    ListScope,
    RecordCheckIn,
)
from bot.services.key_results import add_key_result, edit_key_result
from bot.services.lists import list_objectives
from bot.services.objective_views import objectives_by_id
from bot.services.objectives import change_objective_state, create_objective, objective_form_options
from bot.services.read_models import ObjectivePage, ObjectiveView, TeamView
from bot.services.runtime import Services
from storage.models import CheckIn, KeyResult, Objective
from tests.factories import kr_draft, objective_command, seed_team

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEAD = Actor("U1")


# The KR each objective here starts with unless told: 10 → 40 teams, owned by U1.
draft = partial(kr_draft, start=10, target=40, unit="teams")


async def make_team(services: Services, channel: str = "C1", name: str = "Growth") -> TeamView:
    """A team checking in on Fridays at 10:00, with its digest on Mondays at 9:30."""
    return await seed_team(
        services,
        channel_id=channel,
        name=name,
        checkin_weekday=4,
        checkin_time=time(10),
        digest_weekday=0,
        digest_time=time(9, 30),
    )


async def declare(
    services: Services, team: TeamView, *krs: KeyResultDraft, key: str | None = None
) -> ObjectiveView | None:
    """U1 declares "Delight new teams" for 2026-Q4 (`None` if `key` was already submitted)."""
    cmd = objective_command(
        team,
        NOW,
        title="Delight new teams",
        cycle_key="2026-Q4",
        key_results=krs or (draft(),),
        submission_key=key,
    )
    return await create_objective(db=services.db, cmd=cmd, now=NOW)


async def listed(
    services: Services, scope: ListScope, *, page: int = 1, now: datetime = NOW
) -> ObjectivePage:
    """The page of objectives `/okr list` shows for `scope`, read at `now` in UTC."""
    return await list_objectives(
        db=services.db, workspace_id="T0001", scope=scope, timezone="UTC", now=now, page=page
    )


async def rows(services: Services, model: type) -> int:
    async with services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_declaring_stores_everything_with_sequential_refs(services: Services) -> None:
    team = await make_team(services)
    first = await declare(
        services, team, draft(), draft("Churn", kind=KrKind.DECREASE_TO, start=8, target=3)
    )
    second = await declare(
        services, team, draft("Launch", kind=KrKind.MILESTONE, start=0, target=1)
    )
    assert first is not None and second is not None
    assert (first.label, [k.label for k in first.key_results]) == ("O-1", ["KR-1", "KR-2"])
    assert (second.label, [k.label for k in second.key_results]) == ("O-2", ["KR-3"])
    assert first.cycle_key == "2026-Q4"
    assert first.progress.status is Status.NOT_STARTED
    assert await rows(services, KeyResult) == 3


async def test_concurrent_declarations_never_share_a_reference(services: Services) -> None:
    team = await make_team(services)
    views = await asyncio.gather(*(declare(services, team, draft(), draft()) for _ in range(8)))
    refs = sorted(v.ref for v in views if v)
    kr_refs = sorted(k.ref for v in views if v for k in v.key_results)
    assert refs == list(range(1, 9))
    assert kr_refs == list(range(1, 17))


async def test_invalid_key_results_store_nothing(services: Services) -> None:
    team = await make_team(services)
    with pytest.raises(InvalidFields) as raised:
        await declare(services, team, draft(), draft(start=50, target=40), draft(target=10))
    assert set(raised.value.fields) == {"kr2.start", "kr3.target"}
    assert await rows(services, Objective) == 0
    assert await rows(services, KeyResult) == 0


async def test_a_submission_key_declares_once(services: Services) -> None:
    team = await make_team(services)
    first = await declare(services, team, key="view:V1:h1")
    assert first is not None and first.label == "O-1"
    assert await declare(services, team, key="view:V1:h1") is None
    assert await rows(services, Objective) == 1


async def test_unknown_parent_and_foreign_team_are_field_errors(services: Services) -> None:
    team = await make_team(services)
    cmd = objective_command(
        team,
        NOW,
        workspace_id="T0002",
        cycle_key="2026-Q9",
        title="x",
        parent_ref=99,
        drives="input_metric:7",
        key_results=(draft(),),
    )
    with pytest.raises(InvalidFields) as raised:
        await create_objective(db=services.db, cmd=cmd, now=NOW)
    assert set(raised.value.fields) == {"team", "cycle", "parent", "drives"}


async def test_check_ins_append_and_drive_progress(
    services: Services, clock: list[datetime]
) -> None:
    team = await make_team(services)
    objective = await declare(services, team)
    assert objective is not None
    for value, confidence in ((22, 8), (25, 4)):
        result = await record_check_in(
            db=services.db,
            cmd=RecordCheckIn("T0001", 1, value, confidence, "note", LEAD),
            now=NOW + timedelta(minutes=value),
        )
    assert result.previous_value == 22
    assert result.key_result.current == 25
    assert result.key_result.progress.progress == pytest.approx(0.5)
    assert result.key_result.progress.status is Status.AT_RISK
    async with services.db.transaction() as session:
        values = (await session.scalars(select(CheckIn.value).order_by(CheckIn.created_at))).all()
    assert values == [22, 25], "history is kept"


async def test_the_latest_check_in_is_the_most_recent_not_the_last_written(
    services: Services,
) -> None:
    """`previous_value` and the objective's current values follow created_at (then id)."""
    team = await make_team(services)
    await declare(services, team)

    async def check_in(value: float, minutes: int) -> float | None:
        result = await record_check_in(
            db=services.db,
            cmd=RecordCheckIn("T0001", 1, value, 7, "", LEAD),
            now=NOW + timedelta(minutes=minutes),
        )
        return result.previous_value

    assert await check_in(30, 10) is None
    assert await check_in(20, 5) == 30, "a back-dated check-in does not hide the newer one"
    assert await check_in(35, 10) == 30
    assert await check_in(36, 10) == 35, "same instant: the later row is the latest"
    page = await listed(services, ListScope(channel_id="C1"), now=NOW + timedelta(minutes=10))
    [view] = page.items
    assert view.key_results[0].current == 36


async def test_a_check_in_on_an_archived_objective_is_refused(services: Services) -> None:
    team = await make_team(services)
    await declare(services, team)
    await change_objective_state(
        db=services.db, cmd=ChangeObjectiveState("T0001", 1, "archived", LEAD), now=NOW
    )
    with pytest.raises(InvalidFields) as refused:
        await record_check_in(
            db=services.db, cmd=RecordCheckIn("T0001", 1, 25, 7, "", LEAD), now=NOW
        )
    assert "key_result" in refused.value.fields
    assert await rows(services, CheckIn) == 0


async def test_two_people_saving_the_same_kr_at_once_both_land(services: Services) -> None:
    team = await make_team(services)
    await declare(services, team)
    owner, lead = Actor("U1"), Actor("U9", is_admin=True)
    await asyncio.gather(
        record_check_in(db=services.db, cmd=RecordCheckIn("T0001", 1, 20, 7, "", owner), now=NOW),
        record_check_in(db=services.db, cmd=RecordCheckIn("T0001", 1, 21, 7, "", lead), now=NOW),
    )
    assert await rows(services, CheckIn) == 2


async def test_the_same_check_in_key_records_once(services: Services) -> None:
    team = await make_team(services)
    await declare(services, team)
    cmd = RecordCheckIn("T0001", 1, 20, 7, "", LEAD, idempotency_key="view:V9:h")
    results = await asyncio.gather(
        *(record_check_in(db=services.db, cmd=cmd, now=NOW) for _ in range(3))
    )
    assert sorted(r.duplicate for r in results) == [False, True, True]
    assert await rows(services, CheckIn) == 1


@pytest.mark.parametrize(
    ("cmd", "error"),
    [
        (RecordCheckIn("T0001", 99, 1, 5, "", LEAD), NotFound),
        (RecordCheckIn("T0002", 1, 1, 5, "", LEAD), NotFound),  # a KR of another workspace
        (RecordCheckIn("T0001", 1, 1, 5, "", Actor("U7")), PermissionDenied),
        (RecordCheckIn("T0001", 1, 1, 11, "", LEAD), InvalidFields),
        (RecordCheckIn("T0001", 1, float("nan"), 5, "", LEAD), InvalidFields),
    ],
)
async def test_refused_check_ins_store_nothing(
    services: Services, cmd: RecordCheckIn, error: type
) -> None:
    team = await make_team(services)
    await declare(services, team)
    with pytest.raises(error):
        await record_check_in(db=services.db, cmd=cmd, now=NOW)
    assert await rows(services, CheckIn) == 0


async def test_editing_a_kr_never_rewrites_its_check_ins(services: Services) -> None:
    team = await make_team(services)
    await declare(services, team)
    await record_check_in(db=services.db, cmd=RecordCheckIn("T0001", 1, 25, 8, "", LEAD), now=NOW)
    view = await edit_key_result(
        db=services.db, cmd=EditKeyResult("T0001", 1, draft(target=100), LEAD), now=NOW
    )
    assert view.key_results[0].target == 100
    assert view.key_results[0].current == 25
    assert await rows(services, CheckIn) == 1


async def test_add_kr_up_to_five_then_close(services: Services) -> None:
    team = await make_team(services)
    await declare(services, team)
    for _ in range(4):
        await add_key_result(db=services.db, cmd=AddKeyResult("T0001", 1, draft(), LEAD), now=NOW)
    with pytest.raises(InvalidFields):
        await add_key_result(db=services.db, cmd=AddKeyResult("T0001", 1, draft(), LEAD), now=NOW)
    done = await change_objective_state(
        db=services.db, cmd=ChangeObjectiveState("T0001", 1, "done", LEAD), now=NOW
    )
    assert done.state == "done"
    with pytest.raises(PermissionDenied):
        await change_objective_state(
            db=services.db, cmd=ChangeObjectiveState("T0001", 1, "archived", Actor("U7")), now=NOW
        )


async def test_lists_by_scope_and_pages(services: Services) -> None:
    growth = await make_team(services)
    other = await make_team(services, channel="C2", name="Platform")
    for _ in range(12):
        await declare(services, growth, draft(owner_user_id="U2"))
    await declare(services, other)
    page = await listed(services, ListScope(channel_id="C1"), page=2)
    assert (page.total, page.pages, page.page, len(page.items)) == (12, 2, 2, 2)
    mine = await listed(services, ListScope(user_id="U2"))
    assert mine.total == 12
    named = await listed(services, ListScope(team_name="platform"))
    assert [o.team.name for o in named.items] == ["Platform"]
    with pytest.raises(NotFound):
        await listed(services, ListScope(team_name="nope"))


async def test_form_options_default_to_the_channel_team(services: Services) -> None:
    growth = await make_team(services)
    await declare(services, growth)
    options = await objective_form_options(
        db=services.db, workspace_id="T0001", channel_id="C1", now=NOW
    )
    assert options.default_team_id == growth.id
    assert [c.value for c in options.cycles] == ["2026-Q4", "2027-Q1"]
    assert [c.value for c in options.parents] == ["1"]
    assert [c.value for c in options.drives] == ["health"], "no North Star yet"


async def test_objectives_by_id_match_the_list_in_one_statement(services: Services) -> None:
    """The views a redraw reads by id (one statement) are the ones the list reads (two): an
    objective without live key results included, archived ones left out, latest check-ins."""
    team = await make_team(services)
    other = await make_team(services, channel="C2", name="Ads")
    await declare(services, other, draft("Leads"))  # O-1, KR-1: a later team, listed last
    await declare(services, team, draft("Teams"), draft("Seats"), draft("Churn"))  # O-2
    await declare(services, team, draft("Gone"))  # O-3: its only KR archived below
    for ref, value in ((2, 20), (2, 25), (3, 15), (1, 11)):
        await record_check_in(
            db=services.db, cmd=RecordCheckIn("T0001", ref, value, 7, "", LEAD), now=NOW
        )
    async with services.db.transaction() as session:
        await session.execute(
            update(KeyResult).where(col(KeyResult.ref).in_([4, 5])).values(state="archived")
        )
    listed_views = (await listed(services, ListScope(user_id="U1"))).items
    by_id = await objectives_by_id(
        db=services.db, workspace_id="T0001", objective_ids=[3, 2, 1], now=NOW
    )
    assert by_id == list(listed_views)
    assert [[k.label for k in v.key_results] for v in by_id] == [["KR-2", "KR-3"], [], ["KR-1"]]
    assert [k.current for k in by_id[0].key_results] == [25, 15]
