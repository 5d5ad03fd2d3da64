"""The foundation over real HTTP: signed requests in, Slack Web API calls out."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.members import remember_member
from tests.conftest import PolarisServer, ack_json, replace_okr_list


def blocks_text(blocks: list[dict]) -> str:
    """All the text of some blocks, after checking each with Slack's own models."""
    parts: list[str] = []
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # validates against Slack's limits
        parts.append(json.dumps(raw, ensure_ascii=False))
    return "\n".join(parts)


async def test_healthz_says_ok(polaris: PolarisServer) -> None:
    response = await polaris.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_okr_help_answers_with_the_commands(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command("help"))
    assert body["response_type"] == "ephemeral"
    text = blocks_text(body["blocks"])
    for usage in ("/okr new", "/okr update", "/okr checkin", "/okr list", "/okr northstar"):
        assert usage in text
    assert "Polaris: OKRs around your North Star" in text


async def test_bare_okr_is_help(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command(""))
    assert "/okr update" in blocks_text(body["blocks"])


async def test_okr_help_speaks_french_to_a_french_user(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command("help", user_id="UFR"))
    text = blocks_text(body["blocks"])
    assert "Polaris\u202f: les OKR autour de votre étoile polaire" in text
    assert "Déclarer un objectif avec ses résultats clés." in text
    users_info = polaris.fake.calls_to("users.info")
    assert users_info and users_info[-1].args["user"] == "UFR"


async def test_unknown_subcommand_suggests_the_closest(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command("lsit"))
    text = blocks_text(body["blocks"])
    assert "I don't know `/okr lsit`." in text
    assert "Did you mean `/okr list`?" in text
    assert "/okr update" in text


async def test_user_locale_is_cached(polaris: PolarisServer) -> None:
    await polaris.command("help")
    await polaris.command("help")
    await polaris.settled()
    assert len(polaris.fake.calls_to("users.info")) == 1


async def test_a_stale_profile_answers_at_once_and_is_refreshed_after_the_ack(
    polaris: PolarisServer,
) -> None:
    services = polaris.runtime.services
    await remember_member(
        db=services.db,
        workspace_id="T0001",
        user_id="UFR",
        locale="fr-FR",
        timezone="Europe/Paris",
        is_admin=False,
        default_locale="en",
        now=datetime.now(UTC) - timedelta(days=2),  # stored by another process, long ago
    )
    polaris.fake.fail("users.info", status=200, error="ratelimited", delay=3.0)
    started = time.monotonic()
    body = ack_json(await polaris.command("help", user_id="UFR"))
    assert time.monotonic() - started < 2.5  # Slack holds users.info 3 s: not waited for
    assert "Polaris\u202f: les OKR" in blocks_text(body["blocks"])
    [refresh] = await polaris.fake.wait_for("users.info", timeout=5)
    assert refresh.args["user"] == "UFR"


async def test_a_person_never_seen_waits_for_slack(polaris: PolarisServer) -> None:
    polaris.fake.fail("users.info", status=200, error="ratelimited", delay=1.0)
    started = time.monotonic()
    await polaris.command("help", user_id="UFR")
    assert time.monotonic() - started >= 1.0  # no profile to serve: the language comes first


async def test_bad_signature_is_refused(polaris: PolarisServer) -> None:
    body = b"command=%2Fokr&text=help&team_id=T0001&user_id=U1"
    response = await polaris.post_signed(
        body, content_type="application/x-www-form-urlencoded", secret="not-the-secret"
    )
    await polaris.settled()
    assert response.status_code == 401
    assert polaris.fake.calls_to("users.info") == []


async def test_six_minute_old_request_is_refused(polaris: PolarisServer) -> None:
    body = b"command=%2Fokr&text=help&team_id=T0001&user_id=U1"
    response = await polaris.post_signed(
        body,
        content_type="application/x-www-form-urlencoded",
        timestamp=int(time.time()) - 6 * 60,
    )
    assert response.status_code == 401


async def test_home_tab_publishes_a_valid_welcome(polaris: PolarisServer) -> None:
    event = {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}
    response = await polaris.event(event, event_id="Ev001")
    assert response.status_code == 200
    [call] = await polaris.fake.wait_for("views.publish")
    assert call.args["user_id"] == "U1"
    view = View(**call.args["view"])
    view.to_dict()
    assert view.type == "home"
    assert "Welcome to Polaris" in str(call.args["view"])
    assert polaris.fake.validation_errors == []


async def test_home_tab_in_french(polaris: PolarisServer) -> None:
    event = {"type": "app_home_opened", "user": "UFR", "tab": "home", "channel": "D2"}
    await polaris.event(event, event_id="Ev002")
    [call] = await polaris.fake.wait_for("views.publish")
    assert "Bienvenue dans Polaris" in str(call.args["view"])


async def test_messages_tab_publishes_nothing(polaris: PolarisServer) -> None:
    event = {"type": "app_home_opened", "user": "U1", "tab": "messages", "channel": "D1"}
    await polaris.event(event, event_id="Ev003")
    await polaris.event({**event, "tab": "home"}, event_id="Ev004")
    calls = await polaris.fake.wait_for("views.publish")
    assert len(calls) == 1


async def test_a_retried_event_runs_its_handler_once(polaris: PolarisServer) -> None:
    event = {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}
    first = await polaris.event(event, event_id="EvDUP")
    again = await polaris.event(event, event_id="EvDUP", retry_num=1)
    assert first.status_code == again.status_code == 200
    await polaris.fake.wait_for("views.publish")
    # A different event afterwards proves the listener is still alive and flushes the queue.
    await polaris.event(event, event_id="EvOTHER")
    calls = await polaris.fake.wait_for("views.publish", count=2)
    assert len(calls) == 2


async def test_a_refusal_after_ack_is_answered_and_the_ack_kept(
    polaris: PolarisServer, monkeypatch
) -> None:
    from bot.domain.errors import N_, NotFound
    from handlers.context import Answer, after

    async def refuses(req: object) -> Answer:
        async def not_found() -> None:
            raise NotFound(N_("There is no objective {ref}."), ref="O-9")

        return after(not_found)

    replace_okr_list(monkeypatch, refuses)
    started = time.monotonic()
    response = await polaris.command("list")
    assert response.status_code == 200
    assert time.monotonic() - started < 2, "the ack was not lost"
    [answer] = await polaris.fake.wait_for("response_url:U1")
    assert answer.args["text"] == "There is no objective O-9."
