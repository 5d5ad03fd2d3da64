"""Issue 3 as a new user tries it, over real HTTP against the fake Slack."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import CheckIn, KeyResult, Objective, Team
from tests.conftest import PolarisServer, ack_json
from tests.slack_forms import block_action, view_state, view_submission


async def count(polaris: PolarisServer, model: Any) -> int:
    async with polaris.runtime.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def submit(polaris: PolarisServer, view: dict, values: dict, user_id: str = "U1") -> dict:
    response = await polaris.interaction(view_submission(view, values, user_id=user_id))
    return ack_json(response)


def update_modals(polaris: PolarisServer) -> list:
    return [
        c
        for c in polaris.fake.calls_to("views.open")
        if c.args["view"].get("callback_id") == "update_modal"
    ]


async def opened(polaris: PolarisServer, callback_id: str) -> dict:
    """Wait until a modal with this callback_id is opened; return it as Slack stored it."""
    await polaris.fake.wait_for(
        "views.open", where=lambda c: c.args["view"].get("callback_id") == callback_id
    )
    return polaris.fake.last_view(callback_id)


async def create_team(
    polaris: PolarisServer, *, user_id: str = "U1", channel_id: str = "C1", name: str = "Growth"
) -> None:
    await polaris.command("team", user_id=user_id, channel_id=channel_id)
    view = await opened(polaris, "team_modal")
    assert (
        await submit(polaris, view, {"team.name": name, "archetype": "product"}, user_id=user_id)
        == {}
    )


async def pick_kind(
    polaris: PolarisServer, view: dict, slot: int, kind: str, *, user_id: str = "U1"
) -> dict:
    """Pick `kind` for KR `slot` of an open objective modal, as Slack sends it (the select
    dispatches); return the modal as Polaris redrew it."""
    select = {
        "type": "static_select",
        "action_id": "objective_kr_kind",
        "block_id": f"kr{slot}.kind",
        "selected_option": {"value": kind, "text": {"type": "plain_text", "text": kind}},
    }
    state = view_state(view, {f"kr{slot}.kind": kind})
    updates = len(polaris.fake.calls_to("views.update"))
    payload = block_action(select, user_id=user_id, view={**view, "state": state})
    assert ack_json(await polaris.interaction(payload)) == {}
    await polaris.fake.wait_for("views.update", count=updates + 1)
    return polaris.fake.last_view(view["callback_id"])


async def declare_objective(polaris: PolarisServer, *, user_id: str = "U1", krs: int = 3) -> dict:
    await polaris.command("new", user_id=user_id)
    view = await opened(polaris, "objective_new_modal")
    for slots in range(2, krs + 1):
        button = {
            "type": "button",
            "action_id": "objective_add_kr_slot",
            "value": str(slots),
            "block_id": "x",
        }
        await polaris.interaction(block_action(button, user_id=user_id, view=view))
        await polaris.fake.wait_for("views.update", count=slots - 1)
        view = polaris.fake.last_view("objective_new_modal")
    values: dict[str, str | None] = {"title": "Delight new teams"}
    specs = [
        ("Weekly active teams", "increase_to", "10", "40", "teams"),
        ("Churn", "decrease_to", "8", "3", "%"),
        ("Launch onboarding v2", "milestone", "0", "1", ""),
    ]
    for slot, (title, kind, start, target, unit) in enumerate(specs[:krs], start=1):
        values |= {f"kr{slot}.title": title, f"kr{slot}.kind": kind}
        if kind == "milestone":  # done or not: picking the kind takes start and target away
            view = await pick_kind(polaris, view, slot, kind, user_id=user_id)
        else:
            values |= {f"kr{slot}.start": start, f"kr{slot}.target": target}
            values |= {f"kr{slot}.unit": unit}
    answer = await submit(polaris, view, values, user_id=user_id)
    # A person takes seconds to type the next command; a test takes microseconds, and could
    # update a KR before the objective's post (the thread for its check-ins) is even sent.
    await polaris.settled()
    return answer


@pytest.fixture
async def team(polaris: PolarisServer) -> None:
    await create_team(polaris)


@pytest.fixture
async def key_result(polaris: PolarisServer, team: None) -> None:
    """The team's O-1 with one key result, KR-1 (from 10 to 40 teams), owned by U1."""
    await declare_objective(polaris, krs=1)


async def test_create_a_team_in_a_channel(polaris: PolarisServer) -> None:
    await create_team(polaris)
    async with polaris.runtime.services.db.transaction() as session:
        [team] = (await session.scalars(select(Team))).all()
    assert (team.name, team.channel_id, team.archetype, team.lead_user_id) == (
        "Growth",
        "C1",
        "product",
        "U1",
    )
    assert team.timezone == "Europe/Paris", "defaults to the requester's Slack time zone"
    [note] = await polaris.fake.wait_for("chat.postEphemeral")
    assert "Team *Growth* now lives in <#C1>" in note.args["text"]


async def test_team_modal_refuses_an_unknown_time_zone(polaris: PolarisServer) -> None:
    await polaris.command("team")
    view = await opened(polaris, "team_modal")
    answer = await submit(polaris, view, {"team.name": "Growth", "timezone": "Mars/Olympus"})
    assert answer["response_action"] == "errors"
    assert "Unknown time zone “Mars/Olympus”" in answer["errors"]["timezone"]
    await polaris.settled()
    assert await count(polaris, Team) == 0


async def test_first_use_in_a_channel_without_team_offers_to_create_one(
    polaris: PolarisServer,
) -> None:
    await polaris.command("help", channel_id="C9")
    [prompt] = await polaris.fake.wait_for("response_url:U1")
    assert "No team lives in <#C9> yet." in str(prompt.args["blocks"])
    await polaris.command("help", channel_id="C9")
    await polaris.fake.wait_for("auth.test")
    await polaris.settled()
    assert len(polaris.fake.calls_to("response_url:U1")) == 1, "only the first time"


@pytest.mark.usefixtures("team")
async def test_declare_an_objective_with_three_key_results(polaris: PolarisServer) -> None:
    assert await declare_objective(polaris) == {}
    [post] = await polaris.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == "C1" and bool(c.args.get("blocks")),
    )
    text = str(post.args["blocks"])
    assert "O-1 · Delight new teams" in text
    for ref in ("KR-1", "KR-2", "KR-3"):
        assert ref in text
    # The post's ts is stored right after Slack answers: wait for it (bounded).
    for _ in range(100):
        async with polaris.runtime.services.db.transaction() as session:
            if (await session.scalars(select(Objective.post_ts))).first():
                break
        await asyncio.sleep(0.02)
    assert "░" in text, "progress bars"
    async with polaris.runtime.services.db.transaction() as session:
        objective = (await session.scalars(select(Objective))).one()
        krs = (await session.scalars(select(KeyResult).order_by(KeyResult.ref))).all()
    assert objective.post_channel_id == "C1" and objective.post_ts
    assert [(k.ref, k.kind, k.start_value, k.target_value) for k in krs] == [
        (1, "increase_to", 10, 40),
        (2, "decrease_to", 8, 3),
        (3, "milestone", 0, 1),
    ]
    assert polaris.fake.validation_errors == []


@pytest.mark.usefixtures("team")
async def test_update_by_modal_and_by_one_line(polaris: PolarisServer) -> None:
    await declare_objective(polaris)
    [post] = await polaris.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == "C1" and bool(c.args.get("blocks")),
    )
    post_ts = (await polaris.fake.wait_for("chat.postMessage"))[0]
    # By modal.
    await polaris.command("update")
    view = await opened(polaris, "update_modal")
    assert (
        await submit(
            polaris,
            view,
            {"key_result": "1", "value": "22", "confidence": "8", "note": "pipeline strong"},
        )
        == {}
    )
    [thread] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts")
    )
    assert (
        "<@U1> updated `KR-1` Weekly active teams: 22 teams (first check-in) · confidence 8/10"
        in thread.args["text"]
    )
    assert "pipeline strong" in thread.args["text"]
    [refresh] = await polaris.fake.wait_for("chat.update")
    [kr1] = [b["text"]["text"] for b in refresh.args["blocks"] if "`KR-1`" in str(b)]
    assert "████░░░░░░ 22 / 40 teams (from 10) · 40%" in kr1, "the post shows KR-1 at 40%"
    # In one line.
    await polaris.command('update KR-2 6 5 "churn is down"')
    [saved] = await polaris.fake.wait_for(
        "response_url:U1", where=lambda c: "Saved" in c.args.get("text", "")
    )
    assert "`KR-2` Churn: 6% (first check-in)" in saved.args["text"]
    await polaris.fake.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.args.get("thread_ts")
    )
    await polaris.settled()
    assert await count(polaris, CheckIn) == 2
    assert post_ts and post


@pytest.mark.usefixtures("key_result")
async def test_one_line_with_a_wrong_value_opens_the_modal_prefilled(
    polaris: PolarisServer,
) -> None:
    await polaris.command("update KR-1 lots 7")
    view = await opened(polaris, "update_modal")
    assert "“lots” is not a number." in str(view["blocks"])
    confidence = next(b for b in view["blocks"] if b.get("block_id") == "confidence")
    assert confidence["element"]["initial_option"]["value"] == "7"
    await polaris.settled()
    assert await count(polaris, CheckIn) == 0


@pytest.mark.usefixtures("key_result")
async def test_unknown_key_result_is_said_at_once_without_a_modal(polaris: PolarisServer) -> None:
    await polaris.command("update KR-99 5")
    [answer] = await polaris.fake.wait_for("response_url:U1")
    assert answer.args["text"] == "There is no key result KR-99."
    await polaris.settled()
    assert update_modals(polaris) == []


@pytest.mark.usefixtures("key_result")
async def test_someone_else_is_politely_refused(polaris: PolarisServer) -> None:
    polaris.fake.add_user("U2", locale="en-US")
    await polaris.command("update KR-1 20 7", user_id="U2")
    [refusal] = await polaris.fake.wait_for("response_url:U2")
    assert refusal.args["text"].startswith("Sorry, only the owners of KR-1")
    await polaris.settled()
    assert await count(polaris, CheckIn) == 0


@pytest.mark.usefixtures("key_result")
@pytest.mark.parametrize(
    ("command", "callback_id", "values", "model"),
    [
        pytest.param(
            "update KR-1",
            "update_modal",
            {"value": "20", "confidence": "7"},
            CheckIn,
            id="check-in",
        ),
        pytest.param(
            "new",
            "objective_new_modal",
            {"title": "Grow", "kr1.title": "Teams", "kr1.target": "40"},
            Objective,
            id="objective",
        ),
    ],
)
async def test_a_modal_submitted_twice_records_once(
    polaris: PolarisServer, command: str, callback_id: str, values: dict, model: type
) -> None:
    before = await count(polaris, model)
    polaris.fake.clear()  # the modal to wait for is the one this command opens
    await polaris.command(command)
    view = await opened(polaris, callback_id)
    await submit(polaris, view, values)
    await submit(polaris, view, values)
    await polaris.settled()
    assert await count(polaris, model) == before + 1


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize(
    ("values", "block", "message"),
    [
        ({"kr1.target": "forty"}, "kr1.target", "“forty” is not a number."),
        ({"kr1.target": "0"}, "kr1.target", "The target must differ from the start."),
        (
            {"kr1.start": "50", "kr1.target": "40"},
            "kr1.start",
            "To increase, the start must be below the target.",
        ),
        (
            {"kr1.kind": "decrease_to", "kr1.start": "1", "kr1.target": "5"},
            "kr1.start",
            "To decrease, the start must be above the target.",
        ),
        ({"title": "   "}, "title", "Give the objective a title."),
        ({"kr1.title": "  "}, "kr1.title", "Give the key result a title."),
    ],
)
async def test_bad_objective_input_gets_an_inline_error_and_stores_nothing(
    polaris: PolarisServer, values: dict, block: str, message: str
) -> None:
    await polaris.command("new")
    view = await opened(polaris, "objective_new_modal")
    answer = await submit(
        polaris, view, {"title": "Grow", "kr1.title": "Teams", "kr1.target": "40"} | values
    )
    assert answer["response_action"] == "errors"
    assert answer["errors"][block] == message
    await polaris.settled()
    assert await count(polaris, Objective) == 0
    assert await count(polaris, KeyResult) == 0


@pytest.mark.usefixtures("team")
async def test_bad_update_input_gets_an_inline_error(polaris: PolarisServer) -> None:
    await declare_objective(polaris, krs=3)
    await polaris.command("update KR-1")
    view = await opened(polaris, "update_modal")
    answer = await submit(polaris, view, {"value": "abc", "confidence": "5"})
    assert answer["errors"] == {"value": "“abc” is not a number."}
    await polaris.settled()
    assert await count(polaris, CheckIn) == 0


async def test_the_journey_in_french(polaris: PolarisServer) -> None:
    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    await polaris.command("new", user_id="UFR", channel_id="C2")
    view = await opened(polaris, "objective_new_modal")
    assert view["title"]["text"] == "Nouvel objectif"
    answer = await submit(
        polaris,
        view,
        {"title": "Ravir", "kr1.title": "Équipes", "kr1.target": "quarante"},
        user_id="UFR",
    )
    assert answer["errors"] == {"kr1.target": "«\u202fquarante\u202f» n’est pas un nombre."}
    assert (
        await submit(
            polaris,
            view,
            {
                "title": "Ravir",
                "kr1.title": "Équipes",
                "kr1.start": "1 000",
                "kr1.target": "2 500,5",
            },
            user_id="UFR",
        )
        == {}
    )
    [post] = await polaris.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == "C2" and bool(c.args.get("blocks")),
    )
    assert "2\u202f500,5" in json.dumps(post.args["blocks"], ensure_ascii=False)
    await polaris.command('update KR-1 "1 500" 8 "ça avance"', user_id="UFR", channel_id="C2")
    [saved] = await polaris.fake.wait_for(
        "response_url:UFR", where=lambda c: "KR-1" in c.args.get("text", "")
    )
    assert "mis à jour\u202f:" in saved.args["text"]
    assert "1\u202f500" in saved.args["text"]


@pytest.mark.usefixtures("key_result")
async def test_the_home_is_republished_only_after_changes_made_from_it(
    polaris: PolarisServer,
) -> None:
    await polaris.command("update KR-1 12 7")
    await polaris.fake.wait_for("chat.update")
    await polaris.settled()
    assert polaris.fake.calls_to("views.publish") == [], "opening the Home publishes it afresh"
    button = {"type": "button", "action_id": "kr_update", "value": "1", "block_id": "b"}
    home = {"id": "VHOME", "type": "home", "hash": "h"}
    await polaris.interaction(block_action(button, view=home))
    view = await opened(polaris, "update_modal")
    assert await submit(polaris, view, {"value": "15", "confidence": "7"}) == {}
    [published] = await polaris.fake.wait_for("views.publish")
    assert published.args["user_id"] == "U1"


@pytest.mark.usefixtures("key_result")
async def test_a_failing_follow_up_never_turns_a_stored_check_in_into_an_error(
    polaris: PolarisServer,
) -> None:
    polaris.fake.fail("views.publish", error="internal_error", times=5)
    button = {"type": "button", "action_id": "kr_update", "value": "1", "block_id": "b"}
    await polaris.interaction(
        block_action(button, view={"id": "VHOME", "type": "home", "hash": "h"})
    )
    view = await opened(polaris, "update_modal")
    assert await submit(polaris, view, {"value": "15", "confidence": "7"}) == {}
    await polaris.fake.wait_for("views.publish")
    await polaris.settled()
    assert await count(polaris, CheckIn) == 1
    sorry = [c for c in polaris.fake.calls if "went wrong" in str(c.args.get("text", ""))]
    assert sorry == []


@pytest.mark.usefixtures("team")
async def test_someone_else_is_refused_before_any_modal(polaris: PolarisServer) -> None:
    await declare_objective(polaris, krs=1)
    polaris.fake.add_user("U2", locale="en-US")
    await polaris.command("update KR-1", user_id="U2")
    [refusal] = await polaris.fake.wait_for("response_url:U2")
    assert refusal.args["text"].startswith("Sorry, only the owners of KR-1")
    await polaris.settled()
    assert update_modals(polaris) == []


@pytest.mark.usefixtures("team")
async def test_a_missing_confidence_keeps_the_latest_and_says_so(polaris: PolarisServer) -> None:
    await declare_objective(polaris, krs=1)
    await polaris.command("update KR-1 20 6")
    await polaris.fake.wait_for("response_url:U1", where=lambda c: "Saved" in c.args["text"])
    await polaris.command("update KR-1 25")
    saved = await polaris.fake.wait_for(
        "response_url:U1", count=2, where=lambda c: "Saved" in c.args["text"]
    )
    assert "Confidence kept at 6/10, as last time" in saved[-1].args["text"]
    await polaris.settled()
    assert update_modals(polaris) == []
    async with polaris.runtime.services.db.transaction() as session:
        confidences = (await session.scalars(select(CheckIn.confidence).order_by(CheckIn.id))).all()
    assert confidences == [6, 6]
