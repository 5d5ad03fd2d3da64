"""One command grammar, end to end over signed requests (issue 12): the text Slack escapes is
read as typed, numbers as the person's locale writes them, notes kept as typed, `done` for a
milestone, `team` for this channel's team, and "did you mean" for a metric's name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.northstar import InputMetricDraft
from storage.database import Database
from storage.models import CheckIn, Reading
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_okr_journey import create_team, opened, submit
from tests.northstar_factories import define, make_team, product_draft


async def declare(
    polaris: PolarisServer, fields: dict[str, str], *, user_id: str = "U1", channel_id: str = "C1"
) -> None:
    """A team in the channel and one objective with the KR `fields` describe (KR-1)."""
    await create_team(polaris, user_id=user_id, channel_id=channel_id)
    await polaris.command("new", user_id=user_id, channel_id=channel_id)
    view = await opened(polaris, "objective_new_modal")
    assert await submit(polaris, view, {"title": "Delight", **fields}, user_id=user_id) == {}
    await polaris.settled()  # the objective's post exists before the line that threads on it


async def check_ins(polaris: PolarisServer) -> list[CheckIn]:
    async with polaris.runtime.services.db.transaction() as session:
        return list(await session.scalars(select(CheckIn).order_by(CheckIn.id)))


async def thread_line(polaris: PolarisServer) -> str:
    [line] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") is not None
    )
    return json.dumps(line.args, ensure_ascii=False)


async def test_a_note_slack_escaped_is_stored_as_typed_and_shown_escaped_once(
    polaris: PolarisServer,
) -> None:
    await declare(polaris, {"kr1.title": "Teams", "kr1.target": "300"})
    # What Slack sends for `/okr update KR-1 190 8 R&D <ships>` (should_escape).
    await polaris.command("update KR-1 190 8 R&amp;D &lt;ships&gt;")
    await polaris.settled()
    [check_in] = await check_ins(polaris)
    assert check_in.note == "R&D <ships>"
    line = await thread_line(polaris)
    assert "R&amp;D &lt;ships&gt;" in line
    assert "&amp;amp;" not in line and "<ships>" not in line


async def test_a_french_number_unquoted_and_a_note_with_its_quotes(polaris: PolarisServer) -> None:
    polaris.fake.add_channel("C2", name="croissance")
    await declare(
        polaris, {"kr1.title": "Équipes", "kr1.target": "2 500"}, user_id="UFR", channel_id="C2"
    )
    await polaris.command(
        "update KR-1 1 234,5 8 c’est “le” début, l’équipe suit", user_id="UFR", channel_id="C2"
    )
    await polaris.settled()
    [check_in] = await check_ins(polaris)
    assert (check_in.value, check_in.confidence) == (1234.5, 8)
    assert check_in.note == "c’est “le” début, l’équipe suit"
    assert "c’est “le” début, l’équipe suit" in await thread_line(polaris)


async def test_done_and_not_done_for_a_milestone_in_english_and_french(
    polaris: PolarisServer,
) -> None:
    milestone = {"kr1.title": "Launch", "kr1.kind": "milestone", "kr1.start": "0"}
    await declare(polaris, {**milestone, "kr1.target": "1"})
    await polaris.command("update KR-1 not done 6 blocked on legal")
    await polaris.settled()
    await polaris.command("update KR-1 fait 9", user_id="U1")
    await polaris.settled()
    assert [(c.value, c.confidence, c.note) for c in await check_ins(polaris)] == [
        (0.0, 6, "blocked on legal"),
        (1.0, 9, ""),
    ]


async def test_done_for_a_number_asks_for_the_number(polaris: PolarisServer) -> None:
    await declare(polaris, {"kr1.title": "Teams", "kr1.target": "300"})
    await polaris.command("update KR-1 done")
    modal = await opened(polaris, "update_modal")
    assert "Only a milestone is “done” or “not done”: give KR-1 a number." in json.dumps(
        modal, ensure_ascii=False
    )
    assert await check_ins(polaris) == []


async def test_list_team_is_this_channel_s_team(polaris: PolarisServer) -> None:
    await declare(polaris, {"kr1.title": "Teams", "kr1.target": "300"})
    for text in ("list team", "list équipe"):
        await polaris.command(text)
    answers = await polaris.fake.wait_for(
        "response_url:U1", where=lambda c: "Delight" in json.dumps(c.args), count=2
    )
    assert len(answers) == 2
    assert not [c for c in polaris.fake.calls_to("response_url:U1") if "no team" in str(c.args)]


async def readings(db: Database) -> list[Reading]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Reading).order_by(Reading.id)))


async def test_a_metric_with_an_ampersand_is_found_by_name_and_a_number_read_as_written(
    polaris: PolarisServer, db: Database
) -> None:
    team = await make_team(db, lead_user_id="U1")
    draft = product_draft()
    inputs = (*draft.inputs[:2], InputMetricDraft("R&D velocity", owner_user_id="U1"))
    await define(db, team, product_draft(inputs=inputs), now=datetime.now(UTC))
    await polaris.command("northstar record R&amp;D velocity 1 500 2026-11-16")
    await polaris.command("northstar record R&amp;D velocity 1 234,5 2026-11-23", user_id="UFR")
    await polaris.fake.wait_for("response_url:U1")
    await polaris.fake.wait_for("response_url:UFR")
    assert [r.value for r in await readings(db)] == [1500.0, 1234.5]


async def test_a_typo_in_a_metric_name_gets_did_you_mean(
    polaris: PolarisServer, db: Database
) -> None:
    team = await make_team(db, lead_user_id="U1")
    await define(db, team, now=datetime.now(UTC))
    await polaris.command("northstar record new usrs activated 120")
    await polaris.command("northstar record nouveaux users activés 120", user_id="UFR")
    [english] = await polaris.fake.wait_for("response_url:U1")
    assert english.args["text"] == (
        "There is no metric called “new usrs activated”. Did you mean “New users activated”?"
    )
    [french] = await polaris.fake.wait_for("response_url:UFR")
    assert french.args["text"] == (
        "Il n’y a pas de métrique «\u202fnouveaux users activés\u202f». "
        "Vouliez-vous dire «\u202fNew users activated\u202f»\u202f?"
    )
    assert await readings(db) == []


async def test_french_keywords_are_read_whatever_the_locale(
    polaris: PolarisServer, db: Database
) -> None:
    """An English-speaking lead types the French words: they work as the English ones do."""
    team = await make_team(db, lead_user_id="U1")
    await define(db, team, now=datetime.now(UTC))
    await polaris.command("étoile jeton")  # `/okr northstar token`
    [created] = await polaris.fake.wait_for("response_url:U1")
    assert "New API token" in created.args["text"]
    await polaris.command("northstar jeton révoquer")
    await polaris.command("northstar jeton révoquer tout")
    said = await polaris.fake.wait_for("response_url:U1", count=3)
    assert said[1].args["text"] == (
        "Say which token: `/okr northstar token revoke` followed by the first characters of "
        "the token, or `/okr northstar token revoke all`."
    )
    assert said[2].args["text"].startswith("Revoked: ")
    await polaris.command("liste équipe")  # `/okr list team`: this channel's team
    listed = await polaris.fake.wait_for("response_url:U1", count=4)
    assert listed[3].args["text"].startswith("Objectives of the team in <#C1>")


async def test_a_typo_in_a_north_star_word_gets_did_you_mean(polaris: PolarisServer) -> None:
    body = ack_json(await polaris.command("northstar recrod 12"))
    assert body["text"].startswith(
        "I don't know `/okr northstar recrod`. Did you mean `/okr northstar record`?"
    )
    assert "<prefix>" not in body["text"]


async def test_a_reading_dated_as_a_french_person_writes_it(
    polaris: PolarisServer, db: Database
) -> None:
    team = await make_team(db, lead_user_id="UFR")
    await define(db, team, user="UFR", now=datetime.now(UTC))
    await polaris.command("northstar record 1 234,5 16/11/2026", user_id="UFR")
    await polaris.fake.wait_for("response_url:UFR")
    [reading] = await readings(db)
    assert (reading.value, str(reading.period_start)) == (1234.5, "2026-11-16")
