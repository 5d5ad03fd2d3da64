"""The Home tab over real HTTP: my key results with Update buttons, and the empty states."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.domain.progress import KrKind
from handlers.ids import ObjectiveAction
from handlers.surfaces import publish_home
from tests.conftest import PolarisServer
from tests.factories import kr_draft, seed_check_in, seed_objective, seed_team


async def open_home(polaris: PolarisServer, user_id: str, event_id: str) -> dict[str, Any]:
    event = {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D1"}
    response = await polaris.event(event, event_id=event_id)
    assert response.status_code == 200
    [call] = await polaris.fake.wait_for("views.publish")
    assert call.args["user_id"] == user_id
    View(**call.args["view"]).to_dict()
    assert polaris.fake.validation_errors == []
    return call.args["view"]


def update_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        block["block_id"]: block["accessory"]
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == ObjectiveAction.UPDATE_KEY_RESULT
    }


async def test_my_key_results_with_update_buttons(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    objective = await seed_objective(
        services,
        team,
        title="Customers renew",
        key_results=[
            kr_draft("Renewals", target=50, unit="contracts"),
            kr_draft("Churn calls", start=100, target=20, kind=KrKind.DECREASE_TO),
        ],
    )
    renewals, churn = objective.key_results
    await seed_check_in(services, renewals.ref, 20, confidence=7)
    await seed_objective(services, team, title="Team bet", owner_user_id="U2")

    view = await open_home(polaris, "U1", "EvHome1")
    buttons = update_buttons(view)
    assert {b["value"] for b in buttons.values()} == {str(renewals.ref), str(churn.ref)}
    assert buttons[f"home-kr-{renewals.ref}"]["value"] == str(renewals.ref)
    text = str(view)
    assert "Customers renew" in text
    assert "████░░░░░░ 20 / 50 contracts (from 0) · 40%" in text
    assert "No check-in yet · target 20 (from 100)" in text  # churn, decreasing
    assert "confidence 7/10" in text
    assert "Your team's objectives" in text and "Team bet" in text
    heading_id = f"home-objective-{objective.ref}"
    [heading] = [b for b in view["blocks"] if b.get("block_id") == heading_id]
    assert heading["accessory"]["action_id"] == ObjectiveAction.MENU


async def test_a_team_without_objectives_is_taught_okr_new(polaris: PolarisServer) -> None:
    await seed_team(polaris.runtime.services)
    view = await open_home(polaris, "U1", "EvHome2")
    text = str(view)
    assert "Declare your first objective and its key results with `/okr new`." in text
    assert update_buttons(view) == {}


async def test_the_home_speaks_french(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services, lead_user_id="UFR")
    objective = await seed_objective(services, team, title="Croître", owner_user_id="UFR")
    view = await open_home(polaris, "UFR", "EvHome3")
    text = str(view)
    assert "Vos OKR" in text and "Croître" in text
    [button] = update_buttons(view).values()
    assert button["value"] == str(objective.key_results[0].ref)
    assert button["text"]["text"] == "Mettre à jour"


async def test_publish_home_refreshes_someones_home(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    objective = await seed_objective(services, team)
    await publish_home(
        client=polaris.runtime.client,
        services=services,
        workspace_id="T0001",
        user_id="U1",
        profile=None,
    )
    [call] = await polaris.fake.wait_for("views.publish")
    assert call.args["user_id"] == "U1"
    assert str(objective.key_results[0].ref) in {
        b["value"] for b in update_buttons(call.args["view"]).values()
    }
    assert polaris.fake.validation_errors == []


async def test_the_home_shows_my_team_north_star(polaris: PolarisServer) -> None:
    from tests.northstar_factories import define, product_draft

    services = polaris.runtime.services
    team = await seed_team(services)
    await define(
        services.db, team.id, product_draft(name="Rated weekly sessions"), now=services.clock()
    )
    view = await open_home(polaris, "U1", "EvNSM")
    text = str(view["blocks"])
    assert "Rated weekly sessions" in text
    assert len(view["blocks"]) <= 100
