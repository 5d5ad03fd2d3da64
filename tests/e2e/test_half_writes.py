"""Closed means stored, and stored is never reported as failed: with every Slack call after
the change failing (the objective's post, the thread line, the redraw, the Home tab, the
ephemeral and the response URL), each write is kept and nobody is told "something went
wrong" — the follow-ups that failed are log lines."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import CheckIn, Objective, Team
from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import count, create_team, declare_objective

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
