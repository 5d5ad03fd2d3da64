"""Milestones are yes/no (issue 12, item 6), over real HTTP against the fake Slack: declaring
one asks no start, target or unit; updating one is a Done box, in the update modal and in the
weekly check-in modal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import CheckIn, KeyResult, Objective
from tests.conftest import PolarisServer
from tests.e2e.test_objective_editing import inputs, modal_from_menu, post  # noqa: F401
from tests.e2e.test_okr_journey import (
    count,
    create_team,
    declare_objective,
    opened,
    pick_kind,
    submit,
)

MILESTONE_BOUNDS = {"kr1.start", "kr1.target", "kr1.unit"}


async def stored_key_results(polaris: PolarisServer) -> list[KeyResult]:
    async with polaris.runtime.services.db.transaction() as session:
        return list((await session.scalars(select(KeyResult).order_by(KeyResult.ref))).all())


async def check_ins(polaris: PolarisServer) -> list[tuple[int, float]]:
    """(KR id, value) of every check-in, in order."""
    async with polaris.runtime.services.db.transaction() as session:
        rows = await session.scalars(select(CheckIn).order_by(CheckIn.id))
        return [(c.key_result_id, c.value) for c in rows]


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


async def new_objective_modal(polaris: PolarisServer) -> dict[str, Any]:
    await create_team(polaris)
    await polaris.command("new")
    return await opened(polaris, "objective_new_modal")


async def test_a_milestone_asks_no_start_target_or_unit(polaris: PolarisServer) -> None:
    view = await new_objective_modal(polaris)
    assert set(block_ids(view)) >= MILESTONE_BOUNDS, "an increase asks its bounds"
    view = await pick_kind(polaris, view, 1, "milestone")
    assert not MILESTONE_BOUNDS & set(block_ids(view))
    assert inputs(view)["kr1.kind"] == "milestone"
    assert {"title", "kr1.title", "kr1.kind", "kr1.owner"} <= set(block_ids(view))
    values = {"title": "Ship it", "kr1.title": "Launch onboarding v2"}
    assert await submit(polaris, view, values) == {}
    [kr] = await stored_key_results(polaris)
    assert (kr.kind, kr.start_value, kr.target_value, kr.unit) == ("milestone", 0, 1, "")
    assert polaris.fake.validation_errors == []


async def test_picking_a_measured_kind_again_asks_the_bounds_again(
    polaris: PolarisServer,
) -> None:
    view = await pick_kind(polaris, await new_objective_modal(polaris), 1, "milestone")
    view = await pick_kind(polaris, view, 1, "decrease_to")
    assert set(block_ids(view)) >= MILESTONE_BOUNDS
    assert inputs(view)["kr1.kind"] == "decrease_to"


async def test_bounds_typed_before_picking_milestone_are_ignored(polaris: PolarisServer) -> None:
    """A modal submitted before Slack redrew it still has the bounds: a milestone is 0 to 1."""
    view = await new_objective_modal(polaris)
    values = {"title": "Ship", "kr1.title": "Launch", "kr1.kind": "milestone", "kr1.target": "3"}
    assert await submit(polaris, view, values) == {}
    [kr] = await stored_key_results(polaris)
    assert (kr.kind, kr.start_value, kr.target_value) == ("milestone", 0, 1)


async def test_a_measured_kind_submitted_without_bounds_gets_an_inline_error(
    polaris: PolarisServer,
) -> None:
    """Picked back from milestone and submitted before the redraw: said on the kind."""
    view = await pick_kind(polaris, await new_objective_modal(polaris), 1, "milestone")
    values = {"title": "Ship", "kr1.title": "Launch", "kr1.kind": "increase_to"}
    answer = await submit(polaris, view, values)
    assert answer == {
        "response_action": "errors",
        "errors": {"kr1.kind": "Give this key result a start and a target."},
    }
    await polaris.settled()
    assert await count(polaris, Objective) == 0


async def test_the_key_result_modal_drops_the_bounds_of_a_milestone(
    polaris: PolarisServer,
    post: dict[str, Any],  # noqa: F811 - the fixture of test_objective_editing
) -> None:
    view = await modal_from_menu(polaris, post, "Add a key result", "key_result_modal")
    view = await pick_kind(polaris, view, 1, "milestone")
    assert view["callback_id"] == "key_result_modal"
    assert not MILESTONE_BOUNDS & set(block_ids(view))
    assert await submit(polaris, view, {"kr1.title": "Public launch"}) == {}
    krs = await stored_key_results(polaris)
    assert [(k.title, k.kind, k.start_value, k.target_value) for k in krs[3:]] == [
        ("Public launch", "milestone", 0, 1)
    ]
    edit = await modal_from_menu(polaris, post, "Edit KR-3", "key_result_modal")
    assert not MILESTONE_BOUNDS & set(block_ids(edit)), "KR-3 is a milestone"
    assert polaris.fake.validation_errors == []


@pytest.mark.usefixtures("key_result_team")
async def test_a_milestone_is_updated_with_a_done_box(polaris: PolarisServer) -> None:
    await polaris.command("update KR-3")
    view = await opened(polaris, "update_modal")
    [done] = [b for b in view["blocks"] if b.get("block_id") == "done"]
    assert done["element"]["type"] == "checkboxes" and done["optional"] is True
    assert [o["text"]["text"] for o in done["element"]["options"]] == ["Done"]
    assert "value" not in block_ids(view)
    assert await submit(polaris, view, {"done": "checked", "confidence": "8"}) == {}
    [thread] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts")
    )
    assert "updated `KR-3` Launch onboarding v2: ✅ Done · confidence 8/10" in thread.args["text"]
    [kr3] = [k for k in await stored_key_results(polaris) if k.ref == 3]
    assert await check_ins(polaris) == [(kr3.id, 1)]
    # Open it again: the box is ticked; untick it and it is not done any more.
    await polaris.command("update KR-3")
    await polaris.fake.wait_for("views.open", count=2)
    view = polaris.fake.last_view("update_modal")
    [done] = [b for b in view["blocks"] if b.get("block_id") == "done"]
    assert done["element"]["initial_options"][0]["value"] == "checked"
    assert await submit(polaris, view, {"done": "", "confidence": "5"}) == {}
    await polaris.settled()
    assert await check_ins(polaris) == [(kr3.id, 1), (kr3.id, 0)]
    assert polaris.fake.validation_errors == []


@pytest.mark.usefixtures("key_result_team")
async def test_the_check_in_modal_asks_a_milestone_done_or_not(polaris: PolarisServer) -> None:
    await polaris.command("checkin")
    view = await opened(polaris, "check_in_modal")
    assert "3.done" in block_ids(view) and "3.value" not in block_ids(view)
    # Left unticked, a milestone never checked in is not checked in (like an empty value).
    assert await submit(polaris, view, {"1.value": "20"}) == {}
    await polaris.settled()
    [kr1, _kr2, kr3] = await stored_key_results(polaris)
    assert await check_ins(polaris) == [(kr1.id, 20)]
    await polaris.command("checkin")
    await polaris.fake.wait_for("views.open", count=2)
    view = polaris.fake.last_view("check_in_modal")
    assert await submit(polaris, view, {"3.done": "checked"}) == {}
    await polaris.settled()
    assert (await check_ins(polaris))[-1] == (kr3.id, 1)
    assert polaris.fake.validation_errors == []


@pytest.fixture
async def key_result_team(polaris: PolarisServer) -> None:
    """O-1 with KR-1 (increase), KR-2 (decrease) and KR-3 (a milestone), owned by U1."""
    await create_team(polaris)
    assert await declare_objective(polaris) == {}
    await polaris.settled()
    polaris.fake.clear()
