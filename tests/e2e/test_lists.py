"""`/okr list` over real HTTP: scopes, paging, errors, in English and French."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

from handlers.ids import ListAction
from tests.conftest import PolarisServer, ack_json
from tests.factories import (
    block_actions_payload,
    kr_draft,
    seed_check_in,
    seed_objective,
    seed_team,
)


def valid_text(blocks: list[dict[str, Any]]) -> str:
    assert len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # Slack's limits
    return json.dumps(blocks, ensure_ascii=False)


async def list_answer(polaris: PolarisServer, text: str, *, user_id: str = "U1") -> dict[str, Any]:
    """Run `/okr list …` and return the ephemeral message it sent to the response_url."""
    assert ack_json(await polaris.command(f"list {text}".strip(), user_id=user_id)) == {}
    [answer] = await polaris.fake.wait_for(f"response_url:{user_id}")
    assert answer.args["response_type"] == "ephemeral"
    assert polaris.fake.validation_errors == []
    return answer.args


async def test_my_objectives_with_progress_status_and_last_check_in(
    polaris: PolarisServer,
) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    mine = await seed_objective(
        services, team, title="Customers renew", key_results=[kr_draft("Renewals", target=50)]
    )
    await seed_check_in(services, mine.key_results[0].ref, 20, confidence=8)
    await seed_objective(services, team, title="Someone else's bet", owner_user_id="U2")

    answer = await list_answer(polaris, "")
    text = valid_text(answer["blocks"])
    assert "*Your objectives*" in text
    assert "Customers renew" in text and "Renewals" in text
    assert "████░░░░░░ 40%" in text  # 20 of 50
    assert "On track" in text
    assert "Last check-in:" in text and "ago" in text
    assert "Someone else" not in text
    assert answer["text"] == "Your objectives: 1 objective"


async def test_someones_objectives_by_mention(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    await seed_objective(services, team, title="Ada's objective")
    await seed_objective(services, team, title="Camille's objective", owner_user_id="UFR")

    text = valid_text((await list_answer(polaris, "<@UFR|camille>"))["blocks"])
    assert "Objectives of <@UFR>" in text
    assert "Camille's objective" in text
    assert "Ada's objective" not in text


async def test_a_channels_team_and_a_team_by_name(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    growth = await seed_team(services)
    ops = await seed_team(services, name="Ops Crew", channel_id="C2")
    await seed_objective(services, growth, title="Grow")
    await seed_objective(services, ops, title="Run smoothly", owner_user_id="U2")

    by_channel = valid_text((await list_answer(polaris, "<#C2|ops>"))["blocks"])
    assert "Objectives of the team in <#C2>" in by_channel
    assert "Run smoothly" in by_channel and "Grow" not in by_channel

    polaris.fake.clear()
    by_name = valid_text((await list_answer(polaris, "ops crew"))["blocks"])
    assert "Objectives of the team “ops crew”" in by_name
    assert "Run smoothly" in by_name and "Grow" not in by_name


async def test_an_unknown_team_gets_a_short_answer(polaris: PolarisServer) -> None:
    await seed_team(polaris.runtime.services)
    answer = await list_answer(polaris, "Nobody")
    assert answer["text"] == "There is no team called “Nobody”."
    assert "blocks" not in answer


async def test_a_channel_without_a_team_and_an_unlinked_person(polaris: PolarisServer) -> None:
    await seed_team(polaris.runtime.services)
    assert (await list_answer(polaris, "<#C777|random>"))["text"] == (
        "No team lives in <#C777> yet."
    )
    polaris.fake.clear()
    answer = await list_answer(polaris, "@ada")
    assert answer["text"].startswith("I can't tell who “@ada” is.")
    assert "Traceback" not in answer["text"]


async def test_an_empty_list_teaches_okr_new(polaris: PolarisServer) -> None:
    await seed_team(polaris.runtime.services)
    text = valid_text((await list_answer(polaris, "mine"))["blocks"])
    assert "No objectives in this cycle yet." in text
    assert "/okr new" in text


async def test_paging_replaces_the_message_with_the_next_page(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    for n in range(1, 13):
        await seed_objective(services, team, title=f"Objective {n:02d}")

    first = await list_answer(polaris, "")
    text = valid_text(first["blocks"])
    assert "page 1 of 2" in text and "12 objectives" in text
    assert "Objective 10" in text and "Objective 11" not in text
    [actions] = [b for b in first["blocks"] if b["type"] == "actions"]
    [next_button] = actions["elements"]
    assert next_button["action_id"] == ListAction.NEXT

    response = await polaris.interaction(
        block_actions_payload(
            action_id=next_button["action_id"],
            value=next_button["value"],
            block_id=actions["block_id"],
            response_url=polaris.fake.response_url("U1"),
        )
    )
    assert response.status_code == 200
    calls = await polaris.fake.wait_for("response_url:U1", 2)
    second = calls[-1].args
    assert second["replace_original"] is True
    text = valid_text(second["blocks"])
    assert "page 2 of 2" in text
    assert "Objective 11" in text and "Objective 12" in text and "Objective 01" not in text
    [actions] = [b for b in second["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [ListAction.PREVIOUS]
    assert polaris.fake.validation_errors == []


async def test_the_list_speaks_french(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services, locale="fr")
    objective = await seed_objective(
        services, team, title="Les clients renouvellent", owner_user_id="UFR"
    )
    await seed_check_in(services, objective.key_results[0].ref, 1234.5, user_id="UFR")

    answer = await list_answer(polaris, "", user_id="UFR")
    text = valid_text(answer["blocks"])
    assert "*Vos objectifs*" in text
    assert "Les clients renouvellent" in text
    assert "1\u202f234,5" in text  # numbers formatted for fr-FR
    assert "1 objectif" in answer["text"]


async def test_french_errors_and_paging(polaris: PolarisServer) -> None:
    services = polaris.runtime.services
    team = await seed_team(services)
    for n in range(1, 12):
        await seed_objective(services, team, title=f"Objectif {n:02d}", owner_user_id="UFR")

    refusal = (await list_answer(polaris, "Personne", user_id="UFR"))["text"]
    assert "équipe" in refusal and "«\u202fPersonne\u202f»" in refusal
    polaris.fake.clear()
    first = await list_answer(polaris, "<#C1|growth>", user_id="UFR")
    text = valid_text(first["blocks"])
    assert "Objectifs de l’équipe de <#C1>" in text
    assert "page 1 sur 2" in text
    [actions] = [b for b in first["blocks"] if b["type"] == "actions"]
    [next_button] = actions["elements"]
    assert next_button["text"]["text"] == "Suivant"
    await polaris.interaction(
        block_actions_payload(
            action_id=next_button["action_id"],
            value=next_button["value"],
            user_id="UFR",
            response_url=polaris.fake.response_url("UFR"),
        )
    )
    second = (await polaris.fake.wait_for("response_url:UFR", 2))[-1].args
    text = valid_text(second["blocks"])
    assert "Objectif 11" in text and "page 2 sur 2" in text
    assert polaris.fake.validation_errors == []
