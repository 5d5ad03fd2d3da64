"""The North Star as a new team meets it, over real HTTP against the fake Slack: define a
Product North Star in French from the seed's template, fix what the checklist says, record
readings by command, by the API and by CSV, link objectives, see the board and the chart."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.views import View

from storage.database import Database
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_foundation import blocks_text
from tests.northstar_factories import make_objective, make_team
from tests.slack_forms import block_action, view_submission


def submission(view: dict[str, Any], values: dict[str, str | None], user_id: str) -> dict[str, Any]:
    """A view_submission of `view`: the given values, else what the modal shows pre-filled."""
    return view_submission({"id": "V42", "hash": "h", **view}, values, user_id=user_id)


def valid(view: dict[str, Any]) -> dict[str, Any]:
    """A view returned in an ack is not seen by the fake Slack: check it like Slack would."""
    View(**view).to_dict()
    assert len(view["blocks"]) <= 100
    return view


def action(action_id: str, view: dict[str, Any], value: str, user_id: str) -> dict[str, Any]:
    """`user_id` picks `value` in the archetype select of `view`."""
    select = {
        "action_id": action_id,
        "block_id": "ns_archetype",
        "type": "static_select",
        "selected_option": {"value": value},
    }
    return block_action(select, user_id=user_id, view=view)


async def answers(polaris: PolarisServer, user: str, count: int) -> list[str]:
    calls = await polaris.fake.wait_for(f"response_url:{user}", count=count)
    return [json.dumps(c.args, ensure_ascii=False) for c in calls]


@pytest.fixture
async def team(polaris: PolarisServer, db: Database) -> int:
    """Team Growth in C1, led by U1."""
    return await make_team(db, lead_user_id="U1")


async def define_in_french(polaris: PolarisServer) -> dict[str, Any]:
    """`/okr northstar define` → Flow → back to Product → the sessions template → the form."""
    assert ack_json(await polaris.command("northstar define", user_id="UFR")) == {}
    [opened] = await polaris.fake.wait_for("views.open")
    step1 = opened.args["view"]
    assert step1["title"]["text"] == "Votre étoile polaire"
    assert "Sessions d’usage hebdomadaires complétées avec satisfaction ≥ 4/5" in str(step1)
    # The modal as Slack holds it (its id and hash), as a block_actions payload carries it.
    stored = next(
        v for v in polaris.fake._views.values() if v["callback_id"] == step1["callback_id"]
    )
    await polaris.interaction(action("northstar_archetype", stored, "flow", "UFR"))
    [updated] = await polaris.fake.wait_for("views.update")
    assert "Temps moyen entre la demande et la livraison conforme" in str(updated.args["view"])
    response = await polaris.interaction(
        submission(step1, {"ns_template_product": "product_sessions"}, "UFR")
    )
    body = ack_json(response)
    assert body["response_action"] == "update"
    return valid(body["view"])


async def test_a_new_team_defines_measures_aligns_and_watches_its_north_star(
    polaris: PolarisServer, db: Database
) -> None:
    team = await make_team(db, lead_user_id="UFR")
    # 1. Define from the seed's Product template, in French; the checklist warns.
    form = await define_in_french(polaris)
    assert "Sessions d’usage hebdomadaires complétées avec satisfaction ≥ 4/5" in str(form)
    assert "Nouveaux utilisateurs activés" in str(form)
    values: dict[str, str | None] = {
        "ns_target": "1 500",
        "ns_measured_since": "2026-01-05",
        "ns_input_owner_0": "UFR",
        "ns_input_owner_1": "U1",
        "ns_input_owner_2": "UFR",
    }
    saved = ack_json(await polaris.interaction(submission(form, values, "UFR")))
    assert saved["response_action"] == "update"
    text = json.dumps(valid(saved["view"]), ensure_ascii=False)
    assert "Étoile polaire définie" in text
    assert "Pas de contre-métrique" in text
    assert "La check-list signale 1 point" in text

    # 2. Add the counter-metric: the warning is gone and the definition has a history.
    assert ack_json(await polaris.command("northstar define", user_id="UFR")) == {}
    [_, reopened] = await polaris.fake.wait_for("views.open", count=2)
    edit = reopened.args["view"]
    [target_block] = [b for b in edit["blocks"] if b.get("block_id") == "ns_target"]
    assert target_block["element"]["initial_value"] == "1\u202f500", target_block  # French
    fixed = ack_json(
        await polaris.interaction(
            submission(edit, {"ns_counter_metrics": "Tickets de support par session"}, "UFR")
        )
    )
    assert "révision 2" in str(fixed["view"])
    assert "Pas de contre-métrique" not in str(fixed["view"])
    await polaris.command("northstar review", user_id="UFR")
    [review] = await answers(polaris, "UFR", 1)
    assert "rien trouvé à signaler" in review

    # 3. Readings by command, French numbers.
    # One after the other, as a person types them: answers arrive in the order work ends.
    await polaris.command("northstar record 1 180 2026-11-09", user_id="UFR")
    await answers(polaris, "UFR", 2)
    await polaris.command("northstar record 1 234,5 2026-11-16", user_id="UFR")
    await answers(polaris, "UFR", 3)
    await polaris.command(
        'northstar record "Nouveaux utilisateurs activés" 56 2026-11-16', user_id="UFR"
    )
    said = await answers(polaris, "UFR", 4)
    assert "Mesure enregistrée pour *Sessions d’usage" in said[2]
    assert "\u202f: 1\u202f234,5 sessions." in said[2]
    assert "Mesure enregistrée pour *Nouveaux utilisateurs activés*" in said[3]
    assert "\u202f: 56." in said[3]

    # 4. Readings by the API with a token; a revoked token is refused.
    await polaris.command("northstar token", user_id="UFR")
    token_said = (await answers(polaris, "UFR", 5))[4]
    token = re.search(r"polaris_[A-Za-z0-9_-]+", token_said).group(0)  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"metric": "Sessions par utilisateur actif", "value": 3.4, "date": "2026-11-16"}
    created = await polaris.http.post("/api/v1/metrics/readings", json=body, headers=headers)
    assert created.status_code == 201, created.text
    await polaris.command(f"northstar token revoke {token[:12]}", user_id="UFR")
    assert "Révoqués" in (await answers(polaris, "UFR", 6))[5]
    refused = await polaris.http.post(
        "/api/v1/metrics/readings", json={**body, "value": 9}, headers=headers
    )
    assert refused.status_code == 401

    # 5. Two objectives linked to inputs.
    await make_objective(db, team_id=team, ref=1, title="Activer plus vite", owner="UFR")
    await make_objective(db, team_id=team, ref=2, title="Sessions plus riches", owner="UFR")
    await polaris.command('northstar link O-1 "Nouveaux utilisateurs activés"', user_id="UFR")
    await polaris.command("northstar link O-2 “Sessions par utilisateur actif”", user_id="UFR")
    linked = await answers(polaris, "UFR", 8)
    assert (
        "fait maintenant avancer la métrique d’entrée *Nouveaux utilisateurs activés*" in linked[6]
    )

    # 6. The board: value, delta, sparkline, objectives per input.
    await polaris.command("northstar", user_id="UFR")
    [*_, board_call] = await polaris.fake.wait_for("response_url:UFR", count=9)
    blocks_text(board_call.args["blocks"])  # valid for Slack
    board = json.dumps(board_call.args["blocks"], ensure_ascii=False)
    assert "1\u202f234,5 sessions" in board
    assert "🟢 +54,5" in board  # 1 180 → 1 234,5
    assert re.search(r"`[ ▁▂▃▄▅▆▇█]{12}`", board)
    assert "Portée par *O-1* Activer plus vite" in board
    assert "Portée par *O-2* Sessions plus riches" in board

    # 7. The trend chart, uploaded to the channel.
    await polaris.command("northstar chart", user_id="UFR")
    # The first chart of a process imports matplotlib: seconds on a busy host.
    [complete] = await polaris.fake.wait_for("files.completeUploadExternal", timeout=30)
    assert complete.args["channel_id"] == "C1"
    [_upload] = await polaris.fake.wait_for("upload")
    assert polaris.fake.validation_errors == []


async def define_form(polaris: PolarisServer) -> dict[str, Any]:
    """`/okr northstar define` as U1, the template step left as it is: the definition form."""
    await polaris.command("northstar define")
    [opened] = await polaris.fake.wait_for("views.open")
    return ack_json(await polaris.interaction(submission(opened.args["view"], {}, "U1")))["view"]


async def test_missing_counter_metric_and_bad_inputs_show_inline_errors(
    polaris: PolarisServer, team: int
) -> None:
    form = await define_form(polaris)
    body = ack_json(
        await polaris.interaction(
            submission(
                form,
                {"ns_target": "lots", "ns_input_name_1": None, "ns_input_definition_1": "orphan"},
                "U1",
            )
        )
    )
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        "ns_target": "“lots” is not a number.",
        "ns_input_name_1": "Give this input metric a name, or clear its other fields.",
    }


async def test_record_without_a_value_opens_the_modal_and_its_errors_are_inline(
    polaris: PolarisServer, team: int
) -> None:
    form = await define_form(polaris)
    ack_json(await polaris.interaction(submission(form, {}, "U1")))
    await polaris.command('northstar record "share of sessions rated"')  # no value: the modal
    [_, record] = await polaris.fake.wait_for("views.open", count=2)
    modal = record.args["view"]
    assert modal["title"]["text"] == "Record a reading"
    [metric] = [b for b in modal["blocks"] if b["block_id"] == "ns_metric"]
    assert metric["element"]["initial_option"]["text"]["text"] == "Share of sessions rated"
    bad = ack_json(
        await polaris.interaction(
            submission(modal, {"ns_value": "-3", "ns_date": "2030-01-01"}, "U1")
        )
    )
    assert bad["response_action"] == "errors"
    assert list(bad["errors"]) == ["ns_value"]  # the value is checked first
    future = ack_json(
        await polaris.interaction(
            submission(modal, {"ns_value": "12", "ns_date": "2030-01-01"}, "U1")
        )
    )
    assert future["errors"]["ns_date"].startswith("January 1, 2030 is in the future")
    assert ack_json(await polaris.interaction(submission(modal, {"ns_value": "12.5"}, "U1"))) == {}
    [posted] = await polaris.fake.wait_for("chat.postEphemeral")
    assert "Recorded 12.5 for *Share of sessions rated*" in posted.args["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("northstar record 12abc", "“12abc” is not a number."),
        ("northstar record 1e26", "Numbers go up to 999,999,999,999,999."),
        ('northstar record "Vibes" 3', "There is no metric called “Vibes”. Use `nsm` or one of"),
        ("northstar record -5", "A reading cannot be negative: -5 sessions."),
        ("northstar record 5 2099-01-01", "January 1, 2099 is in the future"),
        ("northstar record 5 23/11/2026", "“23/11/2026” is not a date (for example "),
        ("northstar link O-9 nsm", "There is no objective O-9."),
    ],
)
async def test_bad_commands_get_a_message_naming_the_field(
    polaris: PolarisServer, db: Database, team: int, text: str, expected: str
) -> None:
    from tests.northstar_factories import define

    await define(db, team, now=datetime.now(UTC))
    await polaris.command(text)
    [answer] = await answers(polaris, "U1", 1)
    assert expected in answer


async def test_without_a_team_the_user_is_told_to_run_okr_team(polaris: PolarisServer) -> None:
    await polaris.command("northstar", channel_id="C2")
    calls = await polaris.fake.wait_for("response_url:U1")
    assert "run `/okr team` here first" in calls[0].args["text"]


async def test_unknown_word_gets_the_usage(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command("nsm dance"))
    assert "/okr northstar define" in body["text"]


async def test_northstar_in_a_dm_shows_the_only_team_or_points_to_the_channels(
    polaris: PolarisServer, db: Database
) -> None:
    from tests.northstar_factories import define

    growth = await make_team(db, lead_user_id="ULEAD")
    await define(db, growth, user="ULEAD")
    # Someone in no team: told where the North Star lives.
    await polaris.command("northstar", user_id="UNEW", channel_id="DNEW")
    [nobody] = await polaris.fake.wait_for("response_url:UNEW")
    assert "run `/okr northstar` in your team's channel" in nobody.args["text"]
    # The lead of the only team: its North Star, in the DM.
    await polaris.command("northstar", user_id="ULEAD", channel_id="DLEAD")
    [board] = await polaris.fake.wait_for("response_url:ULEAD")
    assert "Weekly sessions rated 4/5 or more" in json.dumps(board.args, ensure_ascii=False)
    # Leading two teams: both channels are named.
    await make_team(db, channel_id="C7", name="Ops", lead_user_id="ULEAD")
    await polaris.command("northstar", user_id="ULEAD", channel_id="DLEAD")
    [_, several] = await polaris.fake.wait_for("response_url:ULEAD", count=2)
    assert "<#C1>" in several.args["text"] and "<#C7>" in several.args["text"]
