"""Invariants that must hold when people act at the same moment (on PostgreSQL transactions run
side by side; SQLite takes them one at a time): at most five key results an objective, one team
a channel, one North Star a team, and input metrics renamed or swapped in one save. The loser
gets the ordinary refusal, never a database error."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.domain.errors import InvalidFields
from bot.domain.northstar import InputMetricDraft
from bot.domain.permissions import Actor
from bot.services.commands import AddKeyResult
from bot.services.key_results import add_key_result
from bot.services.runtime import Services
from storage.database import Database
from storage.models import InputMetric, KeyResult, NorthStar, NorthStarRevision, Team
from tests.factories import WORKSPACE, kr_draft, seed_objective, seed_team
from tests.northstar_factories import define, make_team, product_draft

RACERS = 6


async def rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    async with db.transaction() as session:
        return list((await session.scalars(select(model))).all())


async def outcomes(*work: object) -> tuple[list[object], list[BaseException]]:
    """Run `work` (awaitables) side by side: what succeeded, what was raised."""
    results = await asyncio.gather(*work, return_exceptions=True)  # type: ignore[call-overload]
    raised = [r for r in results if isinstance(r, BaseException)]
    return [r for r in results if not isinstance(r, BaseException)], raised


async def test_concurrent_key_results_stop_at_five(services: Services) -> None:
    team = await seed_team(services)
    objective = await seed_objective(services, team)  # one key result
    add = AddKeyResult(WORKSPACE, objective.ref, kr_draft("More"), Actor("U1"))
    done, raised = await outcomes(
        *(add_key_result(db=services.db, cmd=add, now=services.clock()) for _ in range(RACERS))
    )
    assert len(await rows(services.db, KeyResult)) == 5
    assert len(done) == 4
    assert [type(e) for e in raised] == [InvalidFields] * (RACERS - 4), raised
    assert all("at most five" in e.args[0] for e in raised)


CHANNELS = ("C7", "C8", "C9")


async def test_concurrent_team_creation_in_one_channel(services: Services) -> None:
    await seed_team(services)  # the workspace exists: the race is on the teams alone
    done, raised = await outcomes(
        *(
            seed_team(services, name=f"Team {channel}-{n}", channel_id=channel, lead_user_id="U2")
            for n in range(RACERS)
            for channel in CHANNELS
        )
    )
    teams = await rows(services.db, Team)
    assert sorted(t.channel_id for t in teams) == ["C1", *CHANNELS]
    assert len(done) == len(CHANNELS)
    assert {type(e) for e in raised} == {InvalidFields}, raised
    assert all("already lives in this channel" in e.args[0] for e in raised)


async def test_concurrent_team_creation_under_one_name(services: Services) -> None:
    await seed_team(services)
    done, raised = await outcomes(
        *(
            seed_team(services, name=name, channel_id=f"C{name}{n}")
            for n in range(RACERS)
            for name in ("Ops", "Sales", "Data")
        )
    )
    assert sorted(t.name for t in await rows(services.db, Team)) == [
        "Data", "Growth", "Ops", "Sales",
    ]  # fmt: skip
    assert len(done) == 3
    assert {type(e) for e in raised} == {InvalidFields}, raised
    assert all("is already called" in e.args[0] for e in raised)


async def test_concurrent_first_north_stars_make_one_with_a_history(db: Database) -> None:
    team_id = await make_team(db)
    drafts = [product_draft(name=f"Sessions {n}") for n in range(RACERS)]
    done, raised = await outcomes(*(define(db, team_id, draft) for draft in drafts))
    assert raised == []
    assert len(await rows(db, NorthStar)) == 1
    assert len(await rows(db, NorthStarRevision)) == RACERS
    assert sum(1 for saved in done if saved.created) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "names",
    [
        ("Sessions per active user", "New users activated", "Share of sessions rated"),  # swap
        ("Share of sessions rated", "New users activated", "Sessions per active user"),  # cycle
        ("Sessions per active user", "Share of sessions rated", "Activation"),  # a chain
    ],
)
async def test_input_metrics_renamed_into_each_others_names(
    db: Database, names: tuple[str, str, str]
) -> None:
    team_id = await make_team(db)
    first = await define(db, team_id)
    inputs = tuple(
        InputMetricDraft(name, owner_user_id="U1", id=metric.id)
        for name, metric in zip(names, first.north_star.inputs, strict=True)
    )
    second = await define(db, team_id, product_draft(inputs=inputs))
    assert [(m.id, m.name) for m in second.north_star.inputs] == [
        (metric.id, name) for name, metric in zip(names, first.north_star.inputs, strict=True)
    ]
    stored = await rows(db, InputMetric)
    assert len(stored) == 3 and all(m.archived_at is None for m in stored)
