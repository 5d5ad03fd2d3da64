"""North Star use cases on a real database: define, revise, review, record, link, show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.errors import InvalidFields, NotFound, PermissionDenied, UserError
from bot.domain.northstar import CounterMetricDraft, Drives, InputMetricDraft
from bot.domain.nsm_checklist import Finding
from bot.domain.permissions import Actor
from bot.i18n import translator
from bot.services.alignment import link_objective
from bot.services.commands import RecordReading
from bot.services.northstar import north_star_summary, review_north_star, show_north_star
from bot.services.read_models import LinkedObjective
from bot.services.readings import record_reading
from storage.database import Database
from storage.models import (
    InputMetric,
    NorthStar,
    NorthStarRevision,
    Objective,
    Reading,
    ReadingRevision,
)
from tests.northstar_factories import (
    NOW,
    WORKSPACE,
    define,
    make_objective,
    make_team,
    product_draft,
)


async def rows(db: Database, model: type) -> list:
    async with db.transaction() as session:
        return list((await session.scalars(select(model))).all())


async def record(
    db: Database,
    value: float,
    *,
    metric: str | None = None,
    on: date | None = None,
    actor: str = "U1",
    now: datetime = NOW,
):
    cmd = RecordReading(WORKSPACE, "C1", metric, value, on, actor)
    return await record_reading(db=db, cmd=cmd, now=now)


async def link(
    db: Database, objective_ref: int, drives: Drives, *, metric: str | None = None
) -> LinkedObjective:
    """Link O-<objective_ref> as U1 (the team's lead) at NOW."""
    return await link_objective(
        db=db,
        workspace_id=WORKSPACE,
        objective_ref=objective_ref,
        drives=drives,
        input_metric_name=metric,
        actor=Actor("U1"),
        now=NOW,
    )


async def test_define_stores_the_north_star_with_inputs_and_counter_metrics(db: Database) -> None:
    team_id = await make_team(db)
    saved = await define(db, team_id)
    assert saved.created and saved.north_star.revision == 1
    assert [m.name for m in saved.north_star.inputs] == [
        "New users activated",
        "Sessions per active user",
        "Share of sessions rated",
    ]
    assert saved.review.warnings == 0
    [stored] = await rows(db, NorthStar)
    assert stored.team_id == team_id and stored.time_window == "week"
    assert stored.measured_since == date(2026, 1, 1)


async def test_a_missing_counter_metric_warns_but_saves(db: Database) -> None:
    team_id = await make_team(db)
    saved = await define(db, team_id, product_draft(counter_metrics=()))
    assert {f.finding for f in saved.review.findings} == {Finding.NO_COUNTER_METRIC}
    assert len(await rows(db, NorthStar)) == 1


async def test_revising_keeps_the_history_and_the_inputs_identity(db: Database) -> None:
    team_id = await make_team(db)
    first = await define(db, team_id)
    kept = first.north_star.inputs[0]
    dropped = first.north_star.inputs[2]
    revised = product_draft(
        name="Weekly sessions rated 4/5+",
        inputs=(
            InputMetricDraft("Users activated", owner_user_id="U1", id=kept.id),  # renamed
            InputMetricDraft("Sessions per active user", owner_user_id="U2"),  # same name
            InputMetricDraft("Invitations sent", owner_user_id="U4"),  # new
        ),
        counter_metrics=(CounterMetricDraft("Churn", "Customers leaving per month"),),
    )
    second = await define(db, team_id, revised, now=datetime(2026, 11, 24, tzinfo=UTC))
    assert not second.created and second.north_star.revision == 2
    assert second.north_star.inputs[0].id == kept.id
    assert second.north_star.inputs[1].id == first.north_star.inputs[1].id
    assert second.north_star.counter_metrics == (
        CounterMetricDraft("Churn", "Customers leaving per month"),
    )
    history = await rows(db, NorthStarRevision)
    assert [r.definition["name"] for r in history] == [
        "Weekly sessions rated 4/5 or more",
        "Weekly sessions rated 4/5+",
    ]
    archived = [m for m in await rows(db, InputMetric) if m.archived_at is not None]
    assert [m.id for m in archived] == [dropped.id]


async def test_only_the_lead_the_owner_or_an_admin_revise(db: Database) -> None:
    team_id = await make_team(db, lead_user_id="ULEAD")
    await define(db, team_id, user="ULEAD")
    with pytest.raises(PermissionDenied):
        await define(db, team_id, product_draft(owner_user_id="U1"), user="U9")
    await define(db, team_id, user="U1")  # U1 owns the North Star


async def test_bad_target_names_its_field(db: Database) -> None:
    team_id = await make_team(db)
    with pytest.raises(InvalidFields) as problem:
        await define(db, team_id, product_draft(unit="%", target=120.0))
    assert problem.value.field == "target"
    assert await rows(db, NorthStar) == []


async def test_no_team_in_the_channel_says_to_run_okr_team(db: Database) -> None:
    with pytest.raises(UserError) as problem:
        await show_north_star(db=db, workspace_id=WORKSPACE, channel_id="C1", now=NOW)
    assert "/okr team" in problem.value.message


async def test_a_second_reading_for_the_period_replaces_the_first_with_an_audit_trail(
    db: Database,
) -> None:
    team_id = await make_team(db)
    await define(db, team_id)
    first = await record(db, 1200, on=date(2026, 11, 16))
    assert first.replaced is None and first.period_start == date(2026, 11, 16)
    second = await record(db, 1234.5, on=date(2026, 11, 19), actor="U2")  # same week
    assert second.replaced == 1200
    [reading] = await rows(db, Reading)
    assert reading.value == 1234.5 and reading.recorded_by == "U2"
    [audit] = await rows(db, ReadingRevision)
    assert (audit.reading_id, audit.value, audit.recorded_by, audit.replaced_by) == (
        reading.id,
        1200,
        "U1",
        "U2",
    )


async def test_input_readings_by_name(db: Database) -> None:
    team_id = await make_team(db)
    await define(db, team_id)
    recorded = await record(db, 56, metric="sessions PER active user")
    assert recorded.metric_name == "Sessions per active user" and not recorded.is_north_star


@pytest.mark.parametrize(
    ("metric", "value", "on", "field"),
    [
        ("Nope", 5, None, "metric"),
        (None, -1, None, "value"),
        (None, 5, date(2026, 11, 30), "date"),  # tomorrow and later
        (None, 5, date(2025, 12, 28), "date"),  # a week before "measured since"
    ],
)
async def test_bad_readings_name_their_field_and_write_nothing(
    db: Database, metric: str | None, value: float, on: date | None, field: str
) -> None:
    team_id = await make_team(db)
    await define(db, team_id)
    with pytest.raises(InvalidFields) as problem:
        await record(db, value, metric=metric, on=on)
    assert problem.value.field == field
    # Said in words people read in Slack: no developer's `field:` prefix (issue 12).
    assert not problem.value.message.startswith(f"{field}:")
    assert await rows(db, Reading) == []


async def drivable_choices_of(db: Database, team_id: int) -> tuple:
    """What the objective modal offers under "What does it drive?" for this team."""
    from bot.services.alignment import drivable_choices

    async with db.transaction() as session:
        return await drivable_choices(session, WORKSPACE, team_id)


async def test_link_objectives_and_list_drivable_metrics(db: Database) -> None:
    team_id = await make_team(db)
    saved = await define(db, team_id)
    await make_objective(db, team_id=team_id, ref=4, title="Onboard faster")
    await make_objective(db, team_id=team_id, ref=5, title="Keep the lights on")
    drivable = await drivable_choices_of(db, team_id)
    assert [(d.value.split(":")[0], d.label) for d in drivable] == [
        (Drives.NORTH_STAR, saved.north_star.name),
        (Drives.INPUT_METRIC, "New users activated"),
        (Drives.INPUT_METRIC, "Sessions per active user"),
        (Drives.INPUT_METRIC, "Share of sessions rated"),
        (Drives.HEALTH, ""),
    ]
    linked = await link(db, 4, Drives.INPUT_METRIC, metric="new users activated")
    assert linked.metric_name == "New users activated"
    await link(db, 5, Drives.HEALTH)
    objectives = {o.ref: o for o in await rows(db, Objective)}
    assert objectives[4].drives == "input_metric"
    assert objectives[4].input_metric_id == saved.north_star.inputs[0].id
    assert objectives[5].drives == "health" and objectives[5].input_metric_id is None


async def test_link_refuses_unknown_objectives_and_inputs(db: Database) -> None:
    team_id = await make_team(db)
    await define(db, team_id)
    await make_objective(db, team_id=team_id, ref=4, title="Onboard faster")
    with pytest.raises(NotFound):
        await link(db, 99, Drives.NORTH_STAR)
    with pytest.raises(InvalidFields) as problem:
        await link(db, 4, Drives.INPUT_METRIC, metric="Vibes")
    assert problem.value.field == "metric"


async def test_review_counts_objectives_linked_to_nothing(db: Database) -> None:
    team_id = await make_team(db)
    await define(db, team_id)
    await make_objective(db, team_id=team_id, ref=7, title="Unaligned")
    reviewed = await review_north_star(db=db, workspace_id=WORKSPACE, channel_id="C1", now=NOW)
    assert {f.finding for f in reviewed.review.findings} == {Finding.UNLINKED_OBJECTIVES}
    assert [r.number for r in reviewed.revisions] == [1]


async def test_summary_shows_value_deltas_sparkline_progress_and_objectives(db: Database) -> None:
    team_id = await make_team(db)
    saved = await define(db, team_id)
    for day, value in [
        (date(2026, 9, 28), 900),
        (date(2026, 11, 16), 1100),
        (date(2026, 11, 23), 1200),
    ]:
        await record(db, value, on=day)
    await record(db, 40, metric="New users activated", on=date(2026, 11, 16))
    await record(db, 50, metric="New users activated", on=date(2026, 11, 23))
    await make_objective(db, team_id=team_id, ref=4, title="Onboard faster")
    await link(db, 4, Drives.INPUT_METRIC, metric="New users activated")
    summary = await north_star_summary(db=db, workspace_id=WORKSPACE, team_id=team_id, now=NOW)
    assert summary is not None
    assert summary.north_star.id == saved.north_star.id
    assert summary.cycle_key == "2026-Q4"
    trend = summary.metric.trend
    assert trend.current == 1200 and trend.last_period.absolute == 100
    assert trend.over_cycle.absolute == 300  # from the last reading before Oct 1
    assert len(trend.spark) == 12 and trend.spark[-1] == "█"
    assert summary.progress == pytest.approx(300 / 600)  # 900 → 1500
    [first_input, *_] = summary.inputs
    assert first_input.trend.current == 50 and first_input.trend.last_period.absolute == 10
    assert [o.label for o in first_input.objectives] == ["O-4"]
    assert summary.unlinked == () and summary.warnings == 0


async def test_summary_of_a_team_without_north_star_is_none(db: Database) -> None:
    team_id = await make_team(db)
    assert await north_star_summary(db=db, workspace_id=WORKSPACE, team_id=team_id, now=NOW) is None
    assert [c.value for c in await drivable_choices_of(db, team_id)] == ["health"]


async def test_an_empty_measured_since_takes_last_weeks_history_right_after_defining(
    db: Database,
) -> None:
    team_id = await make_team(db)
    await define(db, team_id, product_draft(measured_since=None), now=NOW)
    a_minute_later = NOW + timedelta(minutes=1)
    for weeks_ago, value in [(3, 900), (2, 1000), (1, 1100), (0, 1150)]:
        day = NOW.date() - timedelta(weeks=weeks_ago)
        await record(db, value, on=day, now=a_minute_later)
    assert sorted(r.value for r in await rows(db, Reading)) == [900, 1000, 1100, 1150]
    [stored] = await rows(db, NorthStar)
    assert stored.measured_since is None


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("en", "November 15, 2026 is before the North Star was measured (since November 18, 2026)"),
     ("fr", "15 novembre 2026 est antérieure")],
)  # fmt: skip
async def test_an_explicit_measured_since_refuses_older_readings_in_the_readers_format(
    db: Database, locale: str, shown: str
) -> None:
    team_id = await make_team(db)
    await define(db, team_id, product_draft(measured_since=date(2026, 11, 18)), now=NOW)
    with pytest.raises(InvalidFields) as refused:
        await record(db, 1000, on=date(2026, 11, 15))
    assert shown in translator(locale)(refused.value.message, **refused.value.values)
    # A day of the week "measured since" falls in is filed under that week: taken.
    await record(db, 1000, on=date(2026, 11, 16))
    assert [r.value for r in await rows(db, Reading)] == [1000]
