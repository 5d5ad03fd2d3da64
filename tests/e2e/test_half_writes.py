"""Closed means stored, and stored is never reported as failed: with every Slack call after
the change failing (the objective's post, the thread line, the redraw, the Home tab, the
ephemeral and the response URL), each write is kept and nobody is told "something went
wrong" — the follow-ups that failed are log lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from storage.database import Database
from storage.models import CheckIn, NorthStar, Objective, Reading, Team
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_check_in_answers import check_ins_of, friday_modal, submit
from tests.e2e.test_northstar import define_form, submission
from tests.e2e.test_nudges import click, friday_dm, week  # noqa: F401
from tests.e2e.test_objective_editing import choose, modal_from_menu, post, stored_objective  # noqa: F401
from tests.e2e.test_okr_journey import count, create_team, declare_objective
from tests.e2e.test_okr_journey import submit as submit_edit
from tests.northstar_factories import make_team

FOLLOW_UPS = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.publish",
    "response_url:U1",
)


def slack_fails_after_the_change(polaris: PolarisServer) -> None:
    for method in FOLLOW_UPS:
        polaris.fake.fail(method, status=500, times=50)


def told_it_failed(polaris: PolarisServer) -> list[Any]:
    return [c for c in polaris.fake.calls if "went wrong" in str(c.args).lower()]


def reported_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "reference" in r.getMessage().lower()]


async def test_a_team_saved_while_slack_fails_is_kept_and_not_reported_as_failed(
    polaris: PolarisServer, caplog: pytest.LogCaptureFixture
) -> None:
    slack_fails_after_the_change(polaris)
    await create_team(polaris)
    await polaris.settled()
    assert await count(polaris, Team) == 1
    assert told_it_failed(polaris) == [] and reported_errors(caplog) == []


async def test_an_objective_declared_while_slack_fails_is_kept_and_not_reported_as_failed(
    polaris: PolarisServer, caplog: pytest.LogCaptureFixture
) -> None:
    await create_team(polaris)
    await polaris.settled()
    slack_fails_after_the_change(polaris)
    assert await declare_objective(polaris, krs=2) == {}  # the modal closes: it is stored
    assert await count(polaris, Objective) == 1
    assert told_it_failed(polaris) == [] and reported_errors(caplog) == []


async def test_a_one_line_update_while_slack_fails_is_kept_and_not_reported_as_failed(
    polaris: PolarisServer, caplog: pytest.LogCaptureFixture
) -> None:
    await create_team(polaris)
    await declare_objective(polaris, krs=1)
    slack_fails_after_the_change(polaris)
    await polaris.command('update KR-1 30 8 "on track"')
    await polaris.settled()
    assert await count(polaris, CheckIn) == 1
    assert told_it_failed(polaris) == [] and reported_errors(caplog) == []


# The weekly DM's buttons and modal, and the North Star's forms, under the same failures.


def dm_follow_ups_fail(polaris: PolarisServer) -> None:
    slack_fails_after_the_change(polaris)
    polaris.fake.fail("response_url:U1", status=500, times=50)


async def test_no_change_clicked_while_slack_fails_is_kept_and_not_reported_as_failed(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    dm = await friday_dm(week, clock, "U1")
    before = await count(week, CheckIn)
    dm_follow_ups_fail(week)
    await click(week, dm, "nudge_no_change", user_id="U1")
    await week.settled()
    assert await count(week, CheckIn) == before + 2  # KR-1 and KR-4, as without failures
    assert told_it_failed(week) == [] and reported_errors(caplog) == []


async def test_a_friday_check_in_submitted_while_slack_fails_is_kept_and_not_reported_as_failed(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    view, before = await friday_modal(week, clock)
    dm_follow_ups_fail(week)
    assert await submit(week, view, {"1.value": "30", "4.value": "12"}) == {}
    await week.settled()
    assert len(await check_ins_of(week)) == len(before) + 2
    assert told_it_failed(week) == [] and reported_errors(caplog) == []


async def test_a_north_star_defined_and_recorded_while_slack_fails_is_kept(
    polaris: PolarisServer, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await make_team(db, lead_user_id="U1")
    form = await define_form(polaris)
    slack_fails_after_the_change(polaris)
    saved = ack_json(await polaris.interaction(submission(form, {}, "U1")))
    assert saved["response_action"] == "update"  # the modal says it is defined
    await polaris.command('northstar record "share of sessions rated" 12')
    await polaris.settled()
    assert await count(polaris, NorthStar) == 1
    assert await count(polaris, Reading) == 1
    assert told_it_failed(polaris) == [] and reported_errors(caplog) == []


async def test_an_objective_edited_and_closed_from_its_post_while_slack_fails_is_kept(
    polaris: PolarisServer,
    post: dict[str, Any],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    view = await modal_from_menu(polaris, post, "Edit objective", "objective_edit_modal")
    slack_fails_after_the_change(polaris)
    answer = await submit_edit(polaris, view, {"title": "Delight every new team"})
    assert answer == {}
    await choose(polaris, post, "Mark done")
    await polaris.settled()
    objective = await stored_objective(polaris)
    assert (objective.title, objective.state) == ("Delight every new team", "done")
    assert told_it_failed(polaris) == [] and reported_errors(caplog) == []
