"""Names people type are never markup: a team, objective, key result, unit, North Star,
input, guardrail and note all named `<!channel> & <@U123>` go through every surface of the
week (lists, Home, North Star board, digest preview and post, the Friday DM, a thread line),
and no mrkdwn Polaris sends — blocks, views, `text` fallbacks, file comments — holds them raw."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from bot.domain.northstar import CounterMetricDraft, InputMetricDraft
from bot.services.commands import RecordReading
from bot.services.readings import record_reading
from tests.conftest import PolarisServer
from tests.digest_factories import DIGEST_AT, set_digest_time
from tests.factories import WORKSPACE, kr_draft, seed_check_in, seed_objective, seed_team
from tests.northstar_factories import define, product_draft
from tests.slack_fake import FakeSlack

HOSTILE = "<!channel> & <@U123>"
RAW = ("<!channel>", "<@U123>", "& <")


def mrkdwn_in(value: Any) -> Iterator[str]:
    """Every mrkdwn text in a Block Kit structure (plain_text shows characters as they are)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_in(item)


def sent_mrkdwn(fake: FakeSlack) -> list[str]:
    """What Slack would render as mrkdwn, from every call Polaris made."""
    texts: list[str] = []
    for call in fake.calls:
        for key in ("text", "initial_comment"):  # fallbacks and file comments are mrkdwn
            if isinstance(call.args.get(key), str):
                texts.append(call.args[key])
        texts.extend(mrkdwn_in([call.args.get("blocks"), call.args.get("view")]))
    return texts


async def test_hostile_names_ping_nobody_on_any_surface(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    polaris, services = polaris_on_clock, polaris_on_clock.runtime.services
    clock[0] = DIGEST_AT - timedelta(days=10)
    team = await seed_team(
        services, name=f"Team {HOSTILE}", checkin_weekday=4, checkin_time=time(10, 0)
    )
    await set_digest_time(services.db, team.id)
    await seed_objective(
        services,
        team,
        title=f"Win {HOSTILE}",
        key_results=[kr_draft(f"KR {HOSTILE}", unit="<!here>"), kr_draft("Plain", target=10)],
    )
    draft = product_draft(
        name=f"NS {HOSTILE}",
        unit="<!here>",
        inputs=(InputMetricDraft(f"Input {HOSTILE}", owner_user_id="U1"),),
        counter_metrics=(CounterMetricDraft(f"Guard {HOSTILE}"),),
    )
    await define(services.db, team.id, draft, now=clock[0])
    await record_reading(
        db=services.db, cmd=RecordReading(WORKSPACE, "C1", None, 1100, None, "U1"), now=clock[0]
    )
    await seed_check_in(services, 1, 20, confidence=7, note=f"note {HOSTILE}")
    polaris.fake.clear()

    commands = ("list", "list team", "northstar", "northstar review", "northstar chart", "digest")
    for command in (*commands, 'update KR-1 30 8 "ok"'):
        await polaris.command(command)
    await polaris.event(
        {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}, event_id="Ev1"
    )
    for at in (DIGEST_AT - timedelta(days=3, hours=-1), DIGEST_AT):  # Friday 10:00, Monday
        clock[0] = at
        await polaris.runtime.ticker.tick(at)
    await polaris.settled()

    texts = sent_mrkdwn(polaris.fake)
    assert any("&lt;!channel&gt; &amp; &lt;@U123&gt;" in text for text in texts)
    offenders = [text for text in texts if any(raw in text for raw in RAW)]
    assert offenders == [], "\n".join(offenders)
    surfaces = {call.method for call in polaris.fake.calls}
    assert {"chat.postMessage", "views.publish", "files.completeUploadExternal"} <= surfaces


def slack_escaped(text: str) -> str:
    """A slash command's text as Slack sends it (`should_escape`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def test_refusals_quoting_what_was_typed_ping_nobody(polaris: PolarisServer) -> None:
    """A refusal quotes the name or date it could not read: those are the person's words."""
    services = polaris.runtime.services
    team = await seed_team(services, name="Growth")
    await define(services.db, team.id)
    typed = ("list", "northstar record", "pause until")
    for command in typed:
        await polaris.command(slack_escaped(f'{command} "{HOSTILE}" 3'))
    answers = await polaris.fake.wait_for("response_url:U1", count=len(typed))
    for answer in answers:
        assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in answer.args["text"], answer.args
    sent = sent_mrkdwn(polaris.fake)
    assert sent and not [text for text in sent if any(raw in text for raw in RAW)]
