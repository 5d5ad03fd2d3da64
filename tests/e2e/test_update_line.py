"""`/okr update` in one line reads numbers and quotes as `northstar record` does (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, update

from storage.models import CheckIn, KeyResult
from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import (
    count,
    create_team,
    key_result,
    opened,
    submit,
    team,
    update_modals,
)

__all__ = ["key_result", "team"]  # fixtures


async def test_a_french_number_in_quotes_and_an_apostrophe_in_the_note(
    polaris: PolarisServer,
) -> None:
    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    await polaris.command("new", user_id="UFR", channel_id="C2")
    view = await opened(polaris, "objective_new_modal")
    fields = {"title": "Ravir", "kr1.title": "Équipes", "kr1.target": "2 500"}
    assert await submit(polaris, view, fields, user_id="UFR") == {}
    await polaris.settled()  # the objective's post exists before the line that threads on it
    await polaris.command('update KR-1 "1 234,5" 8 c’est bon', user_id="UFR", channel_id="C2")
    [saved] = await polaris.fake.wait_for(
        "response_url:UFR", where=lambda c: "KR-1" in c.args.get("text", "")
    )
    assert "mis à jour\u202f:" in saved.args["text"]
    assert "1\u202f234,5" in saved.args["text"]
    [line] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") is not None
    )
    assert "c’est bon" in line.args["text"]
    assert await count(polaris, CheckIn) == 1


@contextmanager
def statements(polaris: PolarisServer) -> Iterator[list[str]]:
    """The SQL statements the server runs inside the block, first words first."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = polaris.runtime.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.usefixtures("key_result")
async def test_a_complete_line_reads_its_key_result_once(polaris: PolarisServer) -> None:
    await polaris.command("update KR-1 12")  # U1's profile is stored: the next one is warm
    await polaris.settled()
    with statements(polaris) as seen:
        await polaris.command("update KR-1 13 7")
        await polaris.settled()
    targets = [s for s in seen if s.startswith("SELECT") and "JOIN cycle" in s and "ref = " in s]
    assert len(targets) == 1, "the check and the recording read the key result together"
    assert len(seen) == 4, seen  # that read, the insert, the redraw, the team prompt's one
    assert await count(polaris, CheckIn) == 2


@pytest.mark.usefixtures("key_result")
async def test_a_complete_line_on_an_archived_key_result_is_refused_without_a_modal(
    polaris: PolarisServer,
) -> None:
    async with polaris.runtime.services.db.transaction() as session:
        await session.execute(update(KeyResult).values(state="archived"))
    polaris.fake.clear()
    await polaris.command("update KR-1 13 7")
    [answer] = await polaris.fake.wait_for("response_url:U1")
    assert answer.args["text"] == "KR-1 is archived."
    await polaris.settled()
    assert update_modals(polaris) == []
    assert await count(polaris, CheckIn) == 0
