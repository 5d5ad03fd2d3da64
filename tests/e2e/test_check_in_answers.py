"""The DM's "Update…" modal: a check-in that records nothing is refused, a partial one keeps
the rest due (buttons, reminder), and Undo takes it back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from storage.models import CheckIn, Nudge
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_nudges import PARIS_TEN, click, dms, friday_dm, tick, week  # noqa: F401
from tests.slack_forms import view_submission

MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def open_modal(polaris: PolarisServer, dm: Any) -> dict:
    await click(polaris, dm, "nudge_update", user_id="U1")
    await polaris.fake.wait_for("views.open")
    return polaris.fake.last_view("check_in_modal")


async def check_ins_of(polaris: PolarisServer) -> list[tuple[int, float]]:
    async with polaris.runtime.services.db.transaction() as session:
        rows = await session.execute(
            select(CheckIn.key_result_id, CheckIn.value)
            .where(CheckIn.source != "command")
            .order_by(CheckIn.id)
        )
        return [(kr, value) for kr, value in rows.all()]


async def friday_modal(
    polaris: PolarisServer, clock: list[datetime]
) -> tuple[dict, list[tuple[int, float]]]:
    """The "Update…" modal of Friday's DM to U1, opened five minutes later, and the check-ins
    stored before anything is submitted."""
    dm = await friday_dm(polaris, clock, "U1")
    clock[0] = PARIS_TEN + timedelta(minutes=5)
    view = await open_modal(polaris, dm)
    return view, await check_ins_of(polaris)


async def submit(polaris: PolarisServer, view: dict, values: dict[str, str | None]) -> dict:
    """Submit the check-in modal as U1; what Slack was acknowledged with."""
    return ack_json(await polaris.interaction(view_submission(view, values, user_id="U1")))


def text_of(call: Any) -> str:
    return json.dumps(call.args["blocks"], ensure_ascii=False)


async def test_an_empty_check_in_is_refused_inline_and_points_to_no_change(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
) -> None:
    view, before = await friday_modal(week, clock)
    answer = await submit(week, view, {"1.value": None, "4.value": None})
    assert answer["response_action"] == "errors"
    [(block, message)] = answer["errors"].items()
    assert block.endswith(".value") and "“No change”" in message
    await week.settled()
    assert await check_ins_of(week) == before
    assert week.fake.calls_to("chat.update") == [], "the DM keeps its buttons"
    async with week.runtime.services.db.transaction() as session:
        nudge = (await session.scalars(select(Nudge).where(Nudge.user_id == "U1"))).one()
    assert nudge.answer is None and nudge.answered_at is None


async def test_a_partial_check_in_says_what_is_still_due_and_keeps_the_buttons_for_it(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
) -> None:
    view, before = await friday_modal(week, clock)
    assert await submit(week, view, {"1.value": None, "4.value": "12"}) == {}
    [redrawn] = await week.fake.wait_for("chat.update")
    text = text_of(redrawn)
    assert "Updated: `KR-4`. Still due: `KR-1`." in text
    assert "nudge_no_change" in text and "nudge_undo" in text
    assert await check_ins_of(week) == [*before, (4, 12)]
    # Undo takes the partial check-in back: both KRs are due again.
    await click(week, redrawn, "nudge_undo", user_id="U1")
    [_, reopened] = await week.fake.wait_for("chat.update", count=2)
    assert "Still due" not in text_of(reopened) and "KR-1" in text_of(reopened)
    assert await check_ins_of(week) == before


async def test_after_a_partial_check_in_no_change_and_the_reminder_are_for_the_rest_only(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
) -> None:
    view, _before = await friday_modal(week, clock)
    await submit(week, view, {"1.value": None, "4.value": "12"})
    await week.fake.wait_for("chat.update")
    # Monday: the reminder lists only KR-1.
    await tick(week, clock, MONDAY_TEN)
    await week.settled()
    [_, reminder] = dms(week, "U1")
    assert "`KR-1`" in text_of(reminder) and "`KR-4`" not in text_of(reminder)
    before = await check_ins_of(week)
    await click(week, reminder, "nudge_no_change", user_id="U1")
    updates = await week.fake.wait_for("chat.update", count=2)
    assert "no change for `KR-1`. Thank" in text_of(updates[-1])
    assert await check_ins_of(week) == [*before, (1, 22)]
