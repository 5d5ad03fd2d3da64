"""Channel posts speak the team's language; what only one person reads (ephemerals, DMs)
speaks theirs. A French team's channel with an English-speaking member acting in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import update

from bot.services.members import remember_member
from storage.models import Team
from tests.conftest import PolarisServer
from tests.digest_factories import DIGEST_AT, seed_week
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
    # The digest's preview: the banner to U1 in English, the post as C2 will read it.
    await polaris.command("digest", user_id="U1", channel_id="C2")
    [preview] = await polaris.fake.wait_for(
        "response_url:U1", where=lambda c: "Preview" in c.args.get("text", "")
    )
    blocks = json.dumps(preview.args["blocks"], ensure_ascii=False)
    assert "*Preview*, only you can see it" in blocks and "Ouvrir l’accueil" in blocks


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


async def test_the_lead_hears_of_a_refused_digest_in_their_own_language(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    """A French team in a private channel closed to Polaris; its lead, U1, reads English."""
    polaris = polaris_on_clock
    services = polaris.runtime.services
    polaris.fake.add_channel("CPRIV", name="secret", is_private=True, is_member=False)
    await seed_week(services, clock, channel_id="CPRIV")
    async with services.db.transaction() as session:
        await session.execute(update(Team).values(locale="fr"))
    await remember_member(
        db=services.db, workspace_id="T0001", user_id="U1", locale="en-US",
        timezone="Europe/Paris", is_admin=False, default_locale="en", now=clock[0],
    )  # fmt: skip
    clock[0] = DIGEST_AT
    await polaris.runtime.ticker.tick(DIGEST_AT)
    await polaris.settled()
    [dm] = [c for c in polaris.fake.calls_to("chat.postMessage") if c.args["channel"] == "U1"]
    assert dm.args["text"].startswith("I could not post the weekly digest of *Growth* in <#CPRIV>")


async def test_a_dm_speaks_its_readers_language_else_the_teams(polaris: PolarisServer) -> None:
    """What the stale-KR suggestion (a DM to the objective's owner) is written with."""
    from handlers.directory import reader_translator

    services = polaris.runtime.services
    await remember_member(
        db=services.db, workspace_id="T0001", user_id="UFR", locale="fr-FR",
        timezone="Europe/Paris", is_admin=False, default_locale="en", now=datetime.now(UTC),
    )  # fmt: skip
    known = await reader_translator(
        services=services, workspace_id="T0001", user_id="UFR", fallback="en"
    )
    unknown = await reader_translator(
        services=services, workspace_id="T0001", user_id="UNEW", fallback="fr"
    )
    assert (known.language, unknown.language) == ("fr", "fr")
    english = await reader_translator(
        services=services, workspace_id="T0001", user_id="UNEW", fallback="en"
    )
    assert english.language == "en"
