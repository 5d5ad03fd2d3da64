"""Every surface of the weekly loop, as a person reads it in English and in French, writes
dates the way the reader does: never an ISO date (`2026-11-23`), `23/11/2026` or a cycle's
key (`2026-Q4`) in prose.

One week of a new team, over real HTTP against the fake Slack: the team and its announcement,
an objective and its post, a North Star with two readings, a one-line update (thread line,
ephemeral), the list, the Home tab, the board, the chart, the help, the digest preview, the
Monday check-in DM and its snooze, pausing (confirmation and refusals) and Friday's digest,
posted late. Whatever Slack received, every text a person reads is searched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import PolarisServer
from tests.e2e.test_nudges import button_value, dms
from tests.e2e.test_okr_journey import create_team, declare_objective
from tests.slack_forms import block_action

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
CYCLE_KEY = re.compile(r"\b\d{4}-Q[1-4]\b")  # a cycle reads `Q4 2026` / `T4 2026`
#: Keys whose strings a person reads (Block Kit text objects, files' comments and titles).
READ_KEYS = frozenset({"text", "initial_comment", "title", "alt_text"})

SUNDAY = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
FRIDAY_TEN_PARIS = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the default check-in
MONDAY_TEN_THIRTY_PARIS = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the digest, an hour late


def read_texts(value: Any, key: str = "") -> Iterator[str]:
    """Every string under a key a person reads, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from read_texts(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from read_texts(item, key)
    elif isinstance(value, str) and key in READ_KEYS:
        yield value


async def run(polaris: PolarisServer, text: str, user: str) -> None:
    await polaris.command(text, user_id=user)
    await polaris.settled()


@pytest.mark.parametrize(
    ("user", "snoozed", "paused"),
    [
        ("U1", "Monday, Nov 23 at 10:00\u202fAM", "until November 30, 2026 included"),
        ("UFR", "lundi 23 nov. à 10\u00a0h", "jusqu’au 30 novembre 2026 inclus"),
    ],
)
async def test_no_surface_of_the_weekly_loop_writes_a_machine_date(
    polaris_on_clock: PolarisServer, clock: list[datetime], user: str, snoozed: str, paused: str
) -> None:
    from tests.northstar_factories import define, product_draft

    polaris = polaris_on_clock
    services = polaris.runtime.services
    clock[0] = SUNDAY
    await create_team(polaris, user_id=user)  # the team speaks its creator's language
    await polaris.settled()
    await define(services.db, 1, product_draft(), user=user, now=clock[0])
    await declare_objective(polaris, user_id=user)
    for command in (
        "northstar record 1000 2026-11-09",
        "northstar record 1480",
        'update KR-1 22 8 "pipeline strong"',
        "list",
        "northstar",
        "northstar chart",
        "help",
        "digest",
    ):
        await run(polaris, command, user)
    await polaris.event(
        {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"},
        event_id="EvLoopHome",
    )
    await polaris.fake.wait_for("views.publish")
    # Friday: the check-in DM, snoozed to the next working day.
    clock[0] = FRIDAY_TEN_PARIS
    await polaris.runtime.ticker.tick(FRIDAY_TEN_PARIS)
    await polaris.settled()
    [dm] = dms(polaris, user)
    snooze = {
        "type": "overflow",
        "action_id": "nudge_snooze",
        "block_id": "nudge",
        "selected_option": {
            "value": f"{button_value(dm, 'nudge_skip')}:1",
            "text": {"type": "plain_text", "text": "x"},
        },
    }
    await polaris.interaction(block_action(snooze, user_id=user, channel_id=dm.args["channel"]))
    [redrawn] = await polaris.fake.wait_for("chat.update", where=lambda c: "😴" in str(c.args))
    assert snoozed in "\n".join(read_texts(redrawn.args))
    # Pausing: a refusal names an example date, the confirmation the last paused day.
    for command in ("pause until 2026-11-01", "pause until Xmas", "pause until 2026-11-30"):
        await run(polaris, command, user)
    # Monday: the team's first digest, an hour late (the late note, the next check-in).
    clock[0] = MONDAY_TEN_THIRTY_PARIS
    await polaris.runtime.ticker.tick(MONDAY_TEN_THIRTY_PARIS)
    await polaris.settled()

    texts = [(c.method, s) for c in polaris.fake.calls for s in read_texts(c.args)]
    methods = {method for method, _ in texts}
    # Every surface was reached (the list is the loop; a surface missing is a broken test).
    assert {"chat.postMessage", "chat.update", "views.publish", f"response_url:{user}"} <= methods
    assert "files.completeUploadExternal" in methods
    everything = "\n".join(s for _, s in texts)
    assert "⏰" in everything, "the digest was posted late, with its note"
    assert paused in everything
    machine_dates = [
        (method, s)
        for method, s in texts
        if ISO_DATE.search(s) or NUMERIC_DATE.search(s) or CYCLE_KEY.search(s)
    ]
    assert machine_dates == []
