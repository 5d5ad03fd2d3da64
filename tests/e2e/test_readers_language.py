"""Channel posts speak the team's language; what only one person reads (ephemerals, DMs)
speaks theirs. A French team's channel with an English-speaking member acting in it."""

from __future__ import annotations

import json

from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import create_team, opened, submit


async def french_team_with_an_english_objective(polaris: PolarisServer) -> None:
    """Team Croissance in C2, created by UFR (French); U1 (English) declares O-1 there."""
    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    await polaris.settled()
    polaris.fake.clear()
    await polaris.command("new", user_id="U1", channel_id="C2")
    view = await opened(polaris, "objective_new_modal")
    values = {"title": "Delight", "kr1.title": "Teams", "kr1.start": "10", "kr1.target": "40"}
    assert await submit(polaris, view, values, user_id="U1") == {}
    await polaris.settled()


async def test_a_french_channel_hears_french_and_the_english_actor_reads_english(
    polaris: PolarisServer,
) -> None:
    await french_team_with_an_english_objective(polaris)
    [post] = polaris.fake.calls_to("chat.postMessage")
    assert post.args["channel"] == "C2"
    assert "Modifier l’objectif" in json.dumps(post.args["blocks"], ensure_ascii=False)
    await polaris.command("update KR-1 22 8", user_id="U1", channel_id="C2")
    [saved] = await polaris.fake.wait_for(
        "response_url:U1", where=lambda c: "KR-1" in c.args.get("text", "")
    )
    assert "Saved" in saved.args["text"]  # the actor's own ephemeral: English
    [line] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: bool(c.args.get("thread_ts"))
    )
    assert line.args["channel"] == "C2"
    assert "a mis à jour" in line.args["text"], line.args["text"]  # the channel's thread: French


async def test_the_north_star_chart_posted_in_a_french_channel_is_french(
    polaris: PolarisServer,
) -> None:
    from tests.northstar_factories import define, product_draft

    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    services = polaris.runtime.services
    await define(services.db, 1, product_draft(name="Sessions"), user="UFR", now=services.clock())
    await polaris.command("northstar record 1200", user_id="U1", channel_id="C2")
    await polaris.settled()
    polaris.fake.clear()
    await polaris.command("northstar chart", user_id="U1", channel_id="C2")
    await polaris.settled()
    [upload] = polaris.fake.calls_to("files.completeUploadExternal")
    comment = upload.args["initial_comment"]
    assert "1\u202f200" in comment and "sessions" in comment, comment


async def test_a_closed_channel_is_reported_to_the_actor_in_their_language(
    polaris: PolarisServer,
) -> None:
    """An English team (Growth, in C1); UFR, who reads French, declares an objective there
    while the channel is closed to Polaris: UFR is told in French."""
    await create_team(polaris, user_id="U1", channel_id="C1", name="Growth")
    await polaris.settled()
    polaris.fake.fail("chat.postMessage", error="is_archived")
    await polaris.command("new", user_id="UFR", channel_id="C1")
    view = await opened(polaris, "objective_new_modal")
    values = {"title": "Ravir", "kr1.title": "Équipes", "kr1.target": "40"}
    assert await submit(polaris, view, values, user_id="UFR") == {}
    await polaris.settled()
    [told] = [c for c in polaris.fake.calls_to("chat.postMessage") if c.args["channel"] == "UFR"]
    assert told.args["text"] == (
        "O-1 est enregistré, mais je ne peux pas publier dans <#C1>\u202f: invitez-moi avec "
        "`/invite @Polaris`."
    )
