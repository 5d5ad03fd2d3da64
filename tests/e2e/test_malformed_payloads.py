"""What Polaris answers to payloads it cannot read, over real HTTP: an inline error under the
field, or "this form is out of date", never a 500, and nothing stored.

Each case is one the property-based suite (tests/fuzz) found answering 500, hanging or storing
what could not be shown; here they are pinned with the answer the person gets."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from storage.models import CheckIn, KeyResult, Objective, Team
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_okr_journey import create_team, declare_objective, opened
from tests.slack_forms import block_action, view_submission

OUT_OF_DATE = "This form is out of date: close it and open it again."


async def count(polaris: PolarisServer, model: Any) -> int:
    async with polaris.runtime.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def told(polaris: PolarisServer, text: str) -> None:
    """Wait until the person is told `text` (a DM, an ephemeral or through response_url)."""
    await polaris.settled()
    assert any(text in json.dumps(c.args, ensure_ascii=False) for c in polaris.fake.calls), [
        c.method for c in polaris.fake.calls
    ]


async def submit_with(
    polaris: PolarisServer, view: dict[str, Any], values: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    payload = view_submission({**view, **changes}, values)
    return ack_json(await polaris.interaction(payload))


async def test_forged_slots_in_the_new_objective_modal_are_out_of_date(
    polaris: PolarisServer,
) -> None:
    await create_team(polaris)
    await polaris.command("new")
    view = await opened(polaris, "objective_new_modal")
    forged = json.dumps({"slots": 10**18, "channel_id": "C1"})
    answer = await submit_with(
        polaris, view, {"title": "Delight", "kr1.title": "KR", "kr1.target": "10"},
        private_metadata=forged,
    )  # fmt: skip
    assert answer == {}
    await told(polaris, OUT_OF_DATE)
    assert await count(polaris, Objective) == 0


async def test_metadata_that_is_null_or_garbage_is_out_of_date(polaris: PolarisServer) -> None:
    await create_team(polaris)
    await declare_objective(polaris, krs=1)
    await polaris.command("checkin")
    view = await opened(polaris, "check_in_modal")
    for garbage in ("null", "{not json", json.dumps({"refs": [2**64]})):
        polaris.fake.clear()
        assert await submit_with(polaris, view, {}, private_metadata=garbage) == {}
        await told(polaris, OUT_OF_DATE)
    assert await count(polaris, CheckIn) == 0


async def test_a_time_that_is_not_one_and_a_day_not_offered_are_said_on_their_fields(
    polaris: PolarisServer,
) -> None:
    await polaris.command("team")
    view = await opened(polaris, "team_modal")
    answer = await submit_with(polaris, view, {"team.name": "Growth", "checkin.time": "25:61"})
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"checkin.time": "Pick a time."}
    answer = await submit_with(polaris, view, {"team.name": "Growth", "checkin.day": "monday"})
    assert answer["errors"] == {"checkin.day": "Pick one of the choices."}
    assert await count(polaris, Team) == 0


async def test_numbers_polaris_cannot_hold_are_refused_with_the_limit(
    polaris: PolarisServer,
) -> None:
    await create_team(polaris)
    await declare_objective(polaris, krs=1)
    await polaris.command("update KR-1")
    view = await opened(polaris, "update_modal")
    for number in ("1e26", "nan", "-inf"):
        answer = await submit_with(polaris, view, {"value": number})
        assert answer["errors"] == {"value": "Numbers go up to 999,999,999,999,999."}
    assert await count(polaris, CheckIn) == 0


async def test_titles_too_long_or_with_nul_are_refused_on_their_field(
    polaris: PolarisServer,
) -> None:
    await create_team(polaris)
    await polaris.command("new")
    view = await opened(polaris, "objective_new_modal")
    krs = {"kr1.title": "KR", "kr1.target": "10"}
    answer = await submit_with(polaris, view, {"title": "x" * 10_000, **krs})
    assert answer["errors"] == {"title": "At most 3000 characters here."}
    answer = await submit_with(polaris, view, {"title": "x" * 151, **krs})
    assert answer["errors"] == {"title": "At most 150 characters here."}
    answer = await submit_with(polaris, view, {"title": "Del\x00ight", **krs})
    assert answer["errors"] == {"title": "Remove the invisible NUL character from this text."}
    assert await count(polaris, Objective) == 0


async def test_a_reference_beyond_64_bits_in_a_button_is_out_of_date(
    polaris: PolarisServer,
) -> None:
    await create_team(polaris)
    await declare_objective(polaris, krs=1)
    button = {"type": "button", "action_id": "kr_update", "value": "9" * 30, "block_id": "b"}
    polaris.fake.clear()
    response = await polaris.interaction(
        block_action(button, channel_id="C1", response_url=polaris.fake.response_url("U1"))
    )
    assert response.status_code == 200
    await told(polaris, OUT_OF_DATE)
    assert await count(polaris, KeyResult) == 1


async def test_a_megabyte_command_is_refused_before_any_work(polaris: PolarisServer) -> None:
    """Unclosed quotes made tokenizing quadratic: a megabyte held the event loop for minutes.
    A body over the edge's cap is refused before it is read; a text under it but over the
    command's limit is refused on its length before it is tokenized."""
    response = await polaris.command('update KR-1 "a ' + '"a ' * 350_000)
    assert response.status_code == 413
    response = await polaris.command('update KR-1 "a ' + '"a ' * 100_000)
    assert response.status_code == 200
    await told(polaris, "That is too long for me: at most 4000 characters after /okr.")
