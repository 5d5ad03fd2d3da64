"""Editing and closing an objective from its post, over real HTTP against the fake Slack.

A person picks an option in the overflow menu of the objective's post (or of one KR line),
fills in the modal Slack shows, and submits it. Each test checks what is stored and what Slack
received (the modal, the post redrawn, the private answer), and that nothing else happened.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import KeyResult, Objective
from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import create_team, declare_objective, opened, submit
from tests.slack_fake import Call
from tests.slack_forms import block_action

ONLY_THE_OWNER = "Only the owner of O-1, the team lead or a workspace admin can change it."


@pytest.fixture
async def post(polaris: PolarisServer) -> dict[str, Any]:
    """O-1 "Delight new teams" with three KRs, declared by U1 (the team lead) and posted in
    #growth: the message as Slack holds it (its ts and blocks). Slack's record of calls
    starts empty after it."""
    await create_team(polaris)
    assert await declare_objective(polaris) == {}
    [posted] = await polaris.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == "C1" and bool(c.args.get("blocks")),
    )
    objective = await stored_objective(polaris)
    assert objective.post_channel_id == "C1" and objective.post_ts
    polaris.fake.add_user("U2", locale="en-US", real_name="Grace Hopper")
    await polaris.settled()
    polaris.fake.clear()  # what follows is what the test's own requests made Slack receive
    return {"ts": objective.post_ts, "blocks": posted.args["blocks"]}


async def stored_objective(polaris: PolarisServer) -> Objective:
    async with polaris.runtime.services.db.transaction() as session:
        return (await session.scalars(select(Objective))).one()


async def stored_key_results(polaris: PolarisServer) -> list[KeyResult]:
    async with polaris.runtime.services.db.transaction() as session:
        return list((await session.scalars(select(KeyResult).order_by(KeyResult.ref))).all())


def menu_choice(message: dict[str, Any], label: str) -> dict[str, Any]:
    """The overflow action Slack sends when someone picks the option labelled `label` in one of
    the message's menus."""
    for block in message["blocks"]:
        menu = block.get("accessory") or {}
        for option in menu.get("options", []):
            if option["text"]["text"] == label:
                return {
                    "type": "overflow",
                    "action_id": menu["action_id"],
                    "block_id": block.get("block_id", "b"),
                    "selected_option": option,
                }
    raise AssertionError(f"no menu option {label!r} in the message")


async def choose(
    polaris: PolarisServer, message: dict[str, Any], label: str, *, user_id: str = "U1"
) -> None:
    """Pick `label` in a menu of the objective's post in #growth, as `user_id`."""
    payload = block_action(
        menu_choice(message, label),
        user_id=user_id,
        channel_id="C1",
        message=message,
        response_url=polaris.fake.response_url(user_id),
    )
    response = await polaris.interaction(payload)
    assert response.status_code == 200, response.text


async def modal_from_menu(
    polaris: PolarisServer,
    message: dict[str, Any],
    label: str,
    callback_id: str,
    *,
    user_id: str = "U1",
) -> dict[str, Any]:
    """Pick `label` in a menu of the objective's post as `user_id`: the modal it opened."""
    await choose(polaris, message, label, user_id=user_id)
    return await opened(polaris, callback_id)


async def redrawn(polaris: PolarisServer, post: dict[str, Any]) -> Call:
    """The one redraw of the objective's post (after the app settled)."""
    await polaris.settled()
    [update] = polaris.fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("C1", post["ts"])
    return update


async def assert_post_untouched(polaris: PolarisServer) -> None:
    await polaris.settled()
    assert polaris.fake.calls_to("chat.update") == []


async def opened_again(polaris: PolarisServer, callback_id: str, *, times: int) -> dict[str, Any]:
    """The modal with this callback_id once it was opened `times` times."""
    await polaris.fake.wait_for(
        "views.open", count=times, where=lambda c: c.args["view"]["callback_id"] == callback_id
    )
    return polaris.fake.last_view(callback_id)


def inputs(view: dict[str, Any]) -> dict[str, Any]:
    """What each input of a modal shows pre-filled, by block id."""
    shown: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = block["element"]
            shown[block["block_id"]] = (
                element.get("initial_value")
                or element.get("initial_user")
                or (element.get("initial_option") or {}).get("value")
            )
    return shown


# --- Editing the objective ------------------------------------------------------------------


async def test_edit_an_objective_from_its_post(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    view = await modal_from_menu(polaris, post, "Edit objective", "objective_edit_modal")
    assert view["title"]["text"] == "Edit O-1"
    assert inputs(view) == {"title": "Delight new teams", "description": None, "owner": "U1"}
    answer = await submit(
        polaris,
        view,
        {
            "title": "  Delight every new team ",
            "description": "From sign-up to habit",
            "owner": "U2",
        },
    )
    assert answer == {}
    objective = await stored_objective(polaris)
    assert (objective.title, objective.description, objective.owner_user_id) == (
        "Delight every new team",
        "From sign-up to habit",
        "U2",
    )
    update = await redrawn(polaris, post)
    text = str(update.args["blocks"])
    assert "O-1 · Delight every new team" in text
    assert "From sign-up to habit" in text
    assert "<@U2>" in text
    assert polaris.fake.validation_errors == []


async def test_a_blank_title_is_an_inline_error_and_changes_nothing(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    view = await modal_from_menu(polaris, post, "Edit objective", "objective_edit_modal")
    answer = await submit(polaris, view, {"title": "   ", "description": "Changed"})
    assert answer == {
        "response_action": "errors",
        "errors": {"title": "Give the objective a title."},
    }
    objective = await stored_objective(polaris)
    assert (objective.title, objective.description) == ("Delight new teams", "")
    await assert_post_untouched(polaris)


# --- Key results from the menus -------------------------------------------------------------


async def test_add_a_key_result_from_the_post_menu(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    view = await modal_from_menu(polaris, post, "Add a key result", "key_result_modal")
    assert view["title"]["text"] == "New key result"
    assert inputs(view) == {
        "kr1.title": None,
        "kr1.kind": "increase_to",
        "kr1.start": "0",
        "kr1.target": None,
        "kr1.unit": None,
        "kr1.owner": "U1",
    }
    values = {
        "kr1.title": "Activation rate",
        "kr1.start": "20",
        "kr1.target": "35",
        "kr1.unit": "%",
    }
    assert await submit(polaris, view, values) == {}
    krs = await stored_key_results(polaris)
    assert [(k.ref, k.title, k.kind, k.start_value, k.target_value, k.unit) for k in krs[3:]] == [
        (4, "Activation rate", "increase_to", 20, 35, "%")
    ]
    assert {k.objective_id for k in krs} == {(await stored_objective(polaris)).id}
    update = await redrawn(polaris, post)
    assert "`KR-4` Activation rate" in str(update.args["blocks"])


async def test_an_objective_takes_five_key_results_and_refuses_a_sixth(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    for n, title in enumerate(("Activation rate", "Referrals", "Retention"), start=1):
        await choose(polaris, post, "Add a key result")
        view = await opened_again(polaris, "key_result_modal", times=n)
        answer = await submit(polaris, view, {"kr1.title": title, "kr1.target": "10"})
        if n < 3:
            assert answer == {}
    assert answer == {
        "response_action": "errors",
        "errors": {"kr1.title": "An objective has at most five key results."},
    }
    krs = await stored_key_results(polaris)
    assert [k.title for k in krs] == [
        "Weekly active teams",
        "Churn",
        "Launch onboarding v2",
        "Activation rate",
        "Referrals",
    ]
    await polaris.settled()
    assert len(polaris.fake.calls_to("chat.update")) == 2, "one redraw per key result added"


async def test_edit_a_key_result_from_its_line(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    view = await modal_from_menu(polaris, post, "Edit KR-1", "key_result_modal")
    assert view["title"]["text"] == "Edit KR-1"
    assert inputs(view) == {
        "kr1.title": "Weekly active teams",
        "kr1.kind": "increase_to",
        "kr1.start": "10",
        "kr1.target": "40",
        "kr1.unit": "teams",
        "kr1.owner": "U1",
    }
    values = {"kr1.title": "Weekly active teams (paid)", "kr1.target": "50", "kr1.owner": "U2"}
    assert await submit(polaris, view, values) == {}
    kr1 = (await stored_key_results(polaris))[0]
    assert (kr1.title, kr1.kind, kr1.start_value, kr1.target_value, kr1.unit) == (
        "Weekly active teams (paid)",
        "increase_to",
        10,
        50,
        "teams",
    )
    assert kr1.owner_user_id == "U2"
    update = await redrawn(polaris, post)
    text = str(update.args["blocks"])
    assert "`KR-1` Weekly active teams (paid)" in text
    assert "No check-in yet · target 50 teams (from 10)" in text


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"kr1.target": "lots"}, {"kr1.target": "“lots” is not a number."}),
        ({"kr1.title": "  "}, {"kr1.title": "Give the key result a title."}),
        ({"kr1.start": "40"}, {"kr1.target": "The target must differ from the start."}),
    ],
)
async def test_a_bad_key_result_edit_is_an_inline_error_and_changes_nothing(
    polaris: PolarisServer, post: dict[str, Any], values: dict[str, str], errors: dict[str, str]
) -> None:
    view = await modal_from_menu(polaris, post, "Edit KR-1", "key_result_modal")
    answer = await submit(polaris, view, values)
    assert answer == {"response_action": "errors", "errors": errors}
    kr1 = (await stored_key_results(polaris))[0]
    assert (kr1.title, kr1.start_value, kr1.target_value) == ("Weekly active teams", 10, 40)
    await assert_post_untouched(polaris)


# --- Closing and reopening ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "state", "note"),
    [("Mark done", "done", "Marked done"), ("Archive", "archived", "Archived.")],
)
async def test_close_an_objective_from_its_post(
    polaris: PolarisServer, post: dict[str, Any], label: str, state: str, note: str
) -> None:
    await choose(polaris, post, label)
    [told] = await polaris.fake.wait_for("chat.postEphemeral")
    assert (told.args["channel"], told.args["user"]) == ("C1", "U1")
    assert told.args["text"] == f"O-1 is now {state}."
    assert (await stored_objective(polaris)).state == state
    update = await redrawn(polaris, post)
    assert note in str(update.args["blocks"])


async def test_an_archived_post_says_so_first_and_offers_only_reopen(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    await choose(polaris, post, "Archive")
    [archived] = await polaris.fake.wait_for("chat.update")
    blocks = archived.args["blocks"]
    assert "*Archived.*" in str(blocks[0]), "the post says so at the top"
    menus = [b["accessory"] for b in blocks if b.get("accessory")]
    assert [[o["text"]["text"] for o in m["options"]] for m in menus] == [["Reopen"]]
    assert not [b for b in blocks if b["type"] == "actions"], "no Update button"
    await choose(polaris, {**post, "blocks": blocks}, "Reopen")
    told = await polaris.fake.wait_for("chat.postEphemeral", count=2)
    assert [c.args["text"] for c in told] == ["O-1 is now archived.", "O-1 is now open."]
    assert (await stored_objective(polaris)).state == "open"
    await polaris.settled()
    _, reopened = polaris.fake.calls_to("chat.update")
    assert "Archived." not in str(reopened.args["blocks"])
    assert "Update a key result" in str(reopened.args["blocks"])


async def test_mark_done_from_the_home_tab_republishes_it(
    polaris: PolarisServer, post: dict[str, Any]
) -> None:
    home = {"id": "VHOME", "type": "home", "hash": "h"}
    await polaris.interaction(block_action(menu_choice(post, "Mark done"), view=home))
    [published] = await polaris.fake.wait_for("views.publish")
    assert published.args["user_id"] == "U1"
    [told] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args["channel"] == "U1"
    )
    assert told.args["text"] == "O-1 is now done."
    assert (await stored_objective(polaris)).state == "done"
    assert "Marked done" in str((await redrawn(polaris, post)).args["blocks"])


# --- Who may change it ----------------------------------------------------------------------


@pytest.mark.parametrize("label", ["Mark done", "Archive"])
async def test_someone_else_cannot_close_it(
    polaris: PolarisServer, post: dict[str, Any], label: str
) -> None:
    await choose(polaris, post, label, user_id="U2")
    [refusal] = await polaris.fake.wait_for("response_url:U2")
    assert refusal.args["text"] == ONLY_THE_OWNER
    assert (await stored_objective(polaris)).state == "open"
    await assert_post_untouched(polaris)
    assert polaris.fake.calls_to("chat.postEphemeral") == []


@pytest.mark.parametrize(
    ("label", "callback_id", "values", "errors"),
    [
        (
            "Edit objective",
            "objective_edit_modal",
            {"title": "Mine now"},
            {"title": ONLY_THE_OWNER},
        ),
        (
            "Add a key result",
            "key_result_modal",
            {"kr1.title": "Mine", "kr1.target": "5"},
            {"kr1.title": ONLY_THE_OWNER},
        ),
        (
            "Edit KR-2",
            "key_result_modal",
            {"kr1.title": "Mine"},
            {
                "kr1.title": "Only the owners of KR-2, the team lead or a workspace admin can "
                "change it."
            },
        ),
    ],
)
async def test_someone_else_cannot_change_it_in_a_modal(
    polaris: PolarisServer,
    post: dict[str, Any],
    label: str,
    callback_id: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> None:
    view = await modal_from_menu(polaris, post, label, callback_id, user_id="U2")
    answer = await submit(polaris, view, values, user_id="U2")
    assert answer == {"response_action": "errors", "errors": errors}
    assert (await stored_objective(polaris)).title == "Delight new teams"
    assert [k.title for k in await stored_key_results(polaris)] == [
        "Weekly active teams",
        "Churn",
        "Launch onboarding v2",
    ]
    await assert_post_untouched(polaris)


async def test_a_workspace_admin_may_close_it(polaris: PolarisServer, post: dict[str, Any]) -> None:
    polaris.fake.add_user("UADMIN", locale="en-US", is_admin=True)
    await choose(polaris, post, "Mark done", user_id="UADMIN")
    [told] = await polaris.fake.wait_for("chat.postEphemeral")
    assert (told.args["user"], told.args["text"]) == ("UADMIN", "O-1 is now done.")
    assert (await stored_objective(polaris)).state == "done"
    await redrawn(polaris, post)
