"""The weekly check-in nudges, driven by ticks "as of" chosen instants, over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.progress import KrKind
from bot.scheduler import Ticker
from bot.services.ledger import LedgerKey, claim_post
from bot.services.members import remember_member
from bot.services.nudges import NUDGE, DueNudge, spread_by_owner
from storage.models import CheckIn, LedgerEntry, Nudge
from tests.conftest import PolarisServer, ack_json
from tests.factories import kr_draft, seed_check_in, seed_objective, seed_team
from tests.slack_forms import block_action, view_submission

FRIDAY = 4
# Friday 27 November 2026, 10:00 in Paris (UTC+1) and in New York (UTC-5).
PARIS_TEN = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NEW_YORK_TEN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def dms(polaris: PolarisServer, user: str) -> list:
    return [c for c in polaris.fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def button_value(dm: Any, action_id: str) -> str:
    """The value of a button of a posted DM (the nudge id)."""
    return next(
        e["value"]
        for b in dm.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    )


async def click(polaris: PolarisServer, dm: Any, action_id: str, *, user_id: str) -> None:
    """Click a button of a posted DM as its recipient; the click is acknowledged."""
    button = {
        "type": "button",
        "action_id": action_id,
        "value": button_value(dm, action_id),
        "block_id": "nudge",
    }
    payload = block_action(button, user_id=user_id, channel_id=dm.args["channel"])
    ack_json(await polaris.interaction(payload))


async def count(polaris: PolarisServer, model: type) -> int:
    async with polaris.runtime.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def tick(
    polaris: PolarisServer, clock: list[datetime], at: datetime, ticker: Ticker | None = None
):
    clock[0] = at
    return await (ticker or polaris.runtime.ticker).tick(at)


async def friday_dm(
    polaris: PolarisServer, clock: list[datetime], user: str, at: datetime = PARIS_TEN
) -> Any:
    """Tick at `at` (Friday, 10:00 in Paris, unless told); the one DM it sent `user`."""
    await tick(polaris, clock, at)
    [dm] = dms(polaris, user)
    return dm


@pytest.fixture
async def week(polaris_on_clock: PolarisServer, clock: list[datetime]) -> PolarisServer:
    """A Paris team checking in on Fridays at 10:00; KR owners in Paris (U1), New York (U2),
    and one we know nothing about (U3, the team's time zone applies)."""
    polaris = polaris_on_clock
    services = polaris.runtime.services
    clock[0] = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    for user, zone, locale in (
        ("U1", "Europe/Paris", "en-US"),
        ("U2", "America/New_York", "fr-FR"),
    ):
        polaris.fake.add_user(user, tz=zone, locale=locale)
        await remember_member(
            db=services.db,
            workspace_id="T0001",
            user_id=user,
            locale=locale,
            timezone=zone,
            is_admin=False,
            default_locale="en",
            now=clock[0],
        )
    team = await seed_team(services, checkin_weekday=FRIDAY, checkin_time=time(10, 0))
    await seed_objective(
        services,
        team,
        key_results=[
            kr_draft(title="Weekly active teams", owner_user_id="U1"),
            kr_draft(title="Churn", kind=KrKind.DECREASE_TO, start=8, target=3, owner_user_id="U2"),
            kr_draft(
                title="Onboarding v2", kind=KrKind.MILESTONE, start=0, target=1, owner_user_id="U3"
            ),
            kr_draft(title="NPS", owner_user_id="U1", start=10),
        ],
    )
    await seed_check_in(services, 1, 22, confidence=8)
    polaris.fake.clear()
    return polaris


async def test_each_owner_gets_one_dm_at_ten_in_their_own_time_zone(
    week: PolarisServer, clock: list[datetime]
) -> None:
    report = await tick(week, clock, PARIS_TEN - timedelta(minutes=1))
    await week.settled()
    assert report.sent == 0
    await tick(week, clock, PARIS_TEN)
    await week.settled()
    assert [len(dms(week, u)) for u in ("U1", "U2", "U3")] == [1, 0, 1]
    await tick(week, clock, NEW_YORK_TEN)
    await week.settled()
    assert [len(dms(week, u)) for u in ("U1", "U2", "U3")] == [1, 1, 1]
    [u1] = dms(week, "U1")
    text = json.dumps(u1.args["blocks"], ensure_ascii=False)
    assert "KR-1" in text and "KR-4" in text and "22" in text
    assert "nudge_no_change" in text and "nudge_update" in text and "nudge_skip" in text
    assert "<!channel>" not in text and "<!here>" not in text
    [u2] = dms(week, "U2")
    assert "Il est temps de faire le point" in json.dumps(u2.args["blocks"], ensure_ascii=False)
    assert week.fake.validation_errors == []


async def test_the_dm_reads_each_kr_in_full_and_never_mentions_its_reader(
    week: PolarisServer, clock: list[datetime]
) -> None:
    """Issue 12 item 5: current / target with the start, a sensible line before any
    check-in, a milestone as done or not, and no `<@you>` in your own DM."""
    await tick(week, clock, NEW_YORK_TEN)
    await week.settled()
    [u1], [u2], [u3] = (dms(week, u) for u in ("U1", "U2", "U3"))
    u1_lines = [b["text"]["text"] for b in u1.args["blocks"] if "`KR-" in str(b)]
    assert u1_lines == [
        "*Teams love their weekly check-in*\n"
        "`KR-1` Weekly active teams\n██░░░░░░░░ 22 / 100 (from 0) · 22% · 🟢 On track\n"
        "`KR-4` NPS\nNo check-in yet · target 100 (from 10) · ⚪ Not started"
    ]
    u2_text = json.dumps(u2.args["blocks"], ensure_ascii=False)
    assert "Pas encore de point d’étape · cible 3 (départ\u202f: 8) · ⚪ Pas commencé" in u2_text
    u3_text = json.dumps(u3.args["blocks"], ensure_ascii=False)
    assert "`KR-3` Onboarding v2\\nNot done yet · " in u3_text
    for user, text in (("U1", str(u1.args)), ("U2", u2_text), ("U3", u3_text)):
        assert f"<@{user}>" not in text, user
        assert "—" not in text and "→" not in text


async def test_a_kr_checked_in_during_the_last_five_days_is_not_listed(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = PARIS_TEN - timedelta(days=2)
    await seed_check_in(week.runtime.services, 4, 50, confidence=7)
    u1 = await friday_dm(week, clock, "U1")
    text = json.dumps(u1.args["blocks"])
    assert "KR-1" in text and "KR-4" not in text


async def test_ticking_again_or_from_a_second_instance_sends_nothing_new(
    week: PolarisServer, clock: list[datetime]
) -> None:
    await tick(week, clock, PARIS_TEN)
    again = await tick(week, clock, PARIS_TEN)
    other = Ticker(services=week.runtime.services, jobs=week.runtime.jobs)
    third = await tick(week, clock, PARIS_TEN + timedelta(minutes=1), ticker=other)
    await week.settled()
    assert again.sent == third.sent == 0
    assert len(dms(week, "U1")) == 1 and len(dms(week, "U3")) == 1


async def test_a_crash_between_claim_and_send_ends_with_one_dm(
    week: PolarisServer, clock: list[datetime]
) -> None:
    services = week.runtime.services
    key = LedgerKey("T0001", "nudge", "1:U1", "2026-W48")
    lease = timedelta(seconds=services.settings.polaris_claim_lease_seconds)
    assert await claim_post(
        db=services.db, key=key, claimed_by="crashed", now=PARIS_TEN, lease=lease
    )
    await tick(week, clock, PARIS_TEN + timedelta(minutes=1))
    await week.settled()
    assert dms(week, "U1") == []
    await tick(week, clock, PARIS_TEN + lease + timedelta(minutes=2))
    await tick(week, clock, PARIS_TEN + lease + timedelta(minutes=3))
    await week.settled()
    assert len(dms(week, "U1")) == 1


async def test_no_change_records_check_ins_and_updates_the_dm(
    week: PolarisServer, clock: list[datetime]
) -> None:
    dm = await friday_dm(week, clock, "U1")
    nudge_id = button_value(dm, "nudge_no_change")
    clock[0] = PARIS_TEN + timedelta(minutes=3)
    button = {
        "type": "button",
        "action_id": "nudge_no_change",
        "value": nudge_id,
        "block_id": "nudge",
    }
    payload = block_action(button, user_id="U1", channel_id="D1", message={"ts": "1.000100"})
    payload["container"] = {
        "type": "message",
        "channel_id": dm.args["channel"],
        "message_ts": "1700000000.000100",
    }
    before = await count(week, CheckIn)
    ack_json(await week.interaction(payload))
    ack_json(await week.interaction(payload))  # a double click records nothing more
    # Each click redraws the DM; both show the same recorded answer.
    updates = await week.fake.wait_for("chat.update", count=2)
    update = updates[-1]
    assert "Recorded: no change for `KR-1`, `KR-4`" in json.dumps(
        update.args["blocks"], ensure_ascii=False
    )
    assert "nudge_undo" in json.dumps(update.args["blocks"])
    assert await count(week, CheckIn) == before + 2
    async with week.runtime.services.db.transaction() as session:
        values = (
            await session.scalars(
                select(CheckIn.value).where(CheckIn.source == "nudge").order_by(CheckIn.id)
            )
        ).all()
    assert values == [22, 10], "KR-1 keeps 22; KR-4 had none, so its start"
    # Undo within the window removes exactly those check-ins.
    undo = {
        "type": "button",
        "action_id": "nudge_undo",
        "value": nudge_id,
        "block_id": "nudge_undo",
    }
    ack_json(await week.interaction({**payload, "actions": [{"action_ts": "1", **undo}]}))
    await week.fake.wait_for("chat.update", count=3)
    assert await count(week, CheckIn) == before


async def test_update_opens_one_modal_with_every_due_kr(
    week: PolarisServer, clock: list[datetime]
) -> None:
    dm = await friday_dm(week, clock, "U2", NEW_YORK_TEN)
    await click(week, dm, "nudge_update", user_id="U2")
    await week.fake.wait_for("views.open")
    view = week.fake.last_view("check_in_modal")
    answer = ack_json(
        await week.interaction(
            view_submission(
                view, {"2.value": "5,5", "2.confidence": "6", "2.note": "ça baisse"}, user_id="U2"
            )
        )
    )
    assert answer == {}
    [redrawn] = await week.fake.wait_for(
        "chat.update", where=lambda c: c.args.get("channel") == "DU2"
    )
    assert "Vos mises à jour sont enregistrées" in json.dumps(
        redrawn.args["blocks"], ensure_ascii=False
    )
    async with week.runtime.services.db.transaction() as session:
        [check_in] = (
            await session.scalars(select(CheckIn).where(CheckIn.author_user_id == "U2"))
        ).all()
        nudge = (await session.scalars(select(Nudge).where(Nudge.user_id == "U2"))).one()
    assert (check_in.value, check_in.confidence, check_in.note) == (5.5, 6, "ça baisse")
    assert nudge.answer == "updated"


async def test_the_reminder_goes_only_to_those_who_did_not_answer_and_only_once(
    week: PolarisServer, clock: list[datetime]
) -> None:
    dm = await friday_dm(week, clock, "U1")
    await click(week, dm, "nudge_skip", user_id="U1")
    await week.fake.wait_for("chat.update")
    monday_ten = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the next working day, 10:00 Paris
    await tick(week, clock, monday_ten - timedelta(minutes=1))
    await week.settled()
    assert len(dms(week, "U3")) == 1
    await tick(week, clock, monday_ten)
    await tick(week, clock, monday_ten + timedelta(hours=3))
    await week.settled()
    assert len(dms(week, "U3")) == 2, "one reminder, never a second"
    assert "still waiting" in json.dumps(dms(week, "U3")[1].args["blocks"])
    assert len(dms(week, "U1")) == 1, "U1 answered"


async def test_paused_owners_are_not_nudged(week: PolarisServer, clock: list[datetime]) -> None:
    clock[0] = PARIS_TEN - timedelta(days=3)
    response = await week.command("pause until 2026-12-24", user_id="U1")
    assert response.status_code == 200
    [answer] = await week.fake.wait_for("response_url:U1")
    assert "until December 24, 2026" in answer.args["text"]
    await tick(week, clock, PARIS_TEN)
    await week.settled()
    assert dms(week, "U1") == [] and len(dms(week, "U3")) == 1
    await week.command("resume", user_id="U1")
    await tick(week, clock, PARIS_TEN + timedelta(days=7))
    await week.settled()
    assert len(dms(week, "U1")) == 1


async def test_pause_without_a_date_opens_a_date_picker(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = PARIS_TEN - timedelta(days=3)  # Tuesday 24 November
    ack_json(await week.command("pause", user_id="U1"))
    await week.fake.wait_for("views.open")
    view = week.fake.view_history[-1]
    [picker] = [b for b in view["blocks"] if b["type"] == "input"]
    assert picker["element"]["type"] == "datepicker"
    assert picker["element"]["initial_date"] == "2026-12-01"
    past = await week.interaction(view_submission(view, {"pause_until": "2026-11-01"}))
    assert "from today on" in ack_json(past)["errors"]["pause_until"]
    ack_json(await week.interaction(view_submission(view, {"pause_until": "2026-11-27"})))
    await week.settled()
    [confirmed] = dms(week, "U1")
    assert "until November 27, 2026 included" in confirmed.args["text"]
    await tick(week, clock, PARIS_TEN)
    await week.settled()
    assert dms(week, "U1") == [confirmed] and len(dms(week, "U3")) == 1


async def test_pause_reads_the_date_as_people_write_it(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = PARIS_TEN - timedelta(days=3)  # Tuesday 24 November
    await week.command("pause jusqu’au 27 novembre", user_id="U2")  # U2 writes French
    [answer] = await week.fake.wait_for("response_url:U2")
    assert "jusqu’au 27 novembre 2026 inclus" in answer.args["text"]
    await week.command("pause until Xmas", user_id="U1")
    [refusal] = await week.fake.wait_for("response_url:U1")
    # The example is two weeks from today, in U1's words, and reads back as a date.
    assert "/okr pause until December 8" in refusal.args["text"]


async def test_snooze_asks_again_later_without_a_reminder(
    week: PolarisServer, clock: list[datetime]
) -> None:
    dm = await friday_dm(week, clock, "U1")
    nudge_id = button_value(dm, "nudge_skip")
    snooze = {
        "type": "overflow",
        "action_id": "nudge_snooze",
        "block_id": "nudge",
        "selected_option": {"value": f"{nudge_id}:1", "text": {"type": "plain_text", "text": "x"}},
    }
    ack_json(
        await week.interaction(block_action(snooze, user_id="U1", channel_id=dm.args["channel"]))
    )
    [redrawn] = await week.fake.wait_for("chat.update")
    # "Tomorrow" on a Friday is the next working day, Monday, at 10:00 in U1's zone.
    assert "I will ask again on Monday, Nov 30 at 10:00\u202fAM." in (
        json.dumps(redrawn.args["blocks"], ensure_ascii=False)
    )
    await tick(week, clock, PARIS_TEN + timedelta(days=1, minutes=1))
    await tick(week, clock, datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    assert len(dms(week, "U1")) == 1, "never on the weekend"
    await tick(week, clock, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert len(dms(week, "U1")) == 2
    await tick(week, clock, datetime(2026, 12, 1, 9, 1, tzinfo=UTC))
    assert len(dms(week, "U1")) == 2, "and no reminder after it"


async def test_three_ignored_weeks_tell_the_objective_owner(
    week: PolarisServer, clock: list[datetime]
) -> None:
    for weeks in range(3):
        await tick(week, clock, PARIS_TEN + timedelta(weeks=weeks))
    # The third nudge is ignored too once its week has passed.
    for days in (20, 21):
        await tick(week, clock, PARIS_TEN + timedelta(days=days))
    notes = [
        c.args["text"] for c in dms(week, "U1") if "three weeks in a row" in c.args.get("text", "")
    ]
    about_kr3 = [n for n in notes if "`KR-3` Onboarding v2 (owner <@U3>)" in n]
    assert len(about_kr3) == 1, "once per streak, whatever the number of ticks"
    # Each KR ignored three weeks running gets its own note to the objective owner.
    assert len(notes) == 3  # KR-1, KR-3, KR-4 (U2 in New York is never due at these ticks)


async def test_an_unknown_user_is_skipped_and_not_retried(
    week: PolarisServer, clock: list[datetime]
) -> None:
    week.fake.fail("chat.postMessage", error="user_not_found")
    await tick(week, clock, PARIS_TEN)
    async with week.runtime.services.db.transaction() as session:
        statuses = sorted(
            (
                await session.scalars(select(LedgerEntry.status).where(LedgerEntry.kind == "nudge"))
            ).all()
        )
    assert statuses == ["sent", "skipped"]
    await week.settled()
    calls = len(week.fake.calls_to("chat.postMessage"))
    assert calls == 2  # one refused (user_not_found), one delivered
    await tick(week, clock, PARIS_TEN + timedelta(minutes=1))
    await week.settled()
    assert len(week.fake.calls_to("chat.postMessage")) == calls, "skipped is final"


async def test_checkin_for_someone_who_owns_nothing_says_how_to_get_a_key_result(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = PARIS_TEN
    await week.command("checkin", user_id="UNOBODY", channel_id="DNOBODY")
    [answer] = await week.fake.wait_for("response_url:UNOBODY")
    text = answer.args["text"]
    assert text.startswith("You own no key result yet")
    assert "Ask a team lead to name you owner" in text and "`/okr new`" in text
    assert week.fake.calls_to("views.open") == []


async def test_checkin_command_opens_the_modal_with_my_due_krs(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = PARIS_TEN
    await week.command("checkin", user_id="U1")
    await week.fake.wait_for("views.open")
    view = week.fake.last_view("check_in_modal")
    ids = {b.get("block_id") for b in view["blocks"]}
    assert {"1.value", "4.value"} <= ids and "2.value" not in ids


async def test_an_owner_never_seen_is_learned_when_the_nudges_are_planned(
    week: PolarisServer, clock: list[datetime]
) -> None:
    """U3 was named without any modal (an import, say): the nudge job asks Slack before it
    plans, so the Friday DM comes at 10:00 in Tokyo, in English, not at 10:00 in Paris."""
    week.fake.add_user("U3", tz="Asia/Tokyo", locale="ja-JP")
    tokyo_ten = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    await tick(week, clock, tokyo_ten - timedelta(minutes=1))
    assert [c.args["user"] for c in week.fake.calls_to("users.info")] == ["U3"]
    assert dms(week, "U3") == []
    await tick(week, clock, tokyo_ten)
    [dm] = dms(week, "U3")
    assert "Time for your weekly check-in" in json.dumps(dm.args["blocks"])
    await tick(week, clock, PARIS_TEN)
    assert len(dms(week, "U3")) == 1
    # Learned once: the answer is cached for POLARIS_USER_CACHE_SECONDS.
    assert [c.args["user"] for c in week.fake.calls_to("users.info")].count("U3") == 1


async def test_asking_slack_about_owners_never_delays_the_dms_of_the_pass(
    week: PolarisServer, clock: list[datetime]
) -> None:
    """Learning owners is paced (users.info is Tier 4: fifty people take half a minute), so it
    runs once the pass's DMs are out; what it learns serves the next passes."""
    week.fake.add_user("U3", tz="Europe/Paris", locale="fr-FR")
    await tick(week, clock, PARIS_TEN)
    methods = [c.method for c in week.fake.calls if c.method in ("chat.postMessage", "users.info")]
    assert methods.count("chat.postMessage") == 2 and "users.info" in methods  # U1, U3; U3
    assert methods.index("users.info") > methods.index("chat.postMessage", 1)


def test_everyone_gets_a_first_dm_before_anyone_gets_a_second() -> None:
    """Slack takes about one post a second per conversation: two DMs to one owner in a row
    would hold a send slot through a 429's wait."""
    plan = [
        DueNudge(NUDGE, "T1", team, user, "2026-W48", (1,))
        for team, user in ((1, "U1"), (2, "U1"), (3, "U1"), (1, "U2"), (2, "U2"), (1, "U3"))
    ]
    spread = spread_by_owner(plan)
    assert [(n.user_id, n.team_id) for n in spread] == [
        ("U1", 1), ("U2", 1), ("U3", 1), ("U1", 2), ("U2", 2), ("U1", 3),
    ]  # fmt: skip


def dms_in_slack(polaris: PolarisServer, user: str) -> list[dict[str, Any]]:
    """The DMs Slack holds for `user` (whatever the answers to the posting calls were)."""
    return [m for (channel, _), m in polaris.fake._messages.items() if channel == f"D{user}"]


async def test_a_dm_slack_sent_before_an_error_is_found_not_sent_again(
    week: PolarisServer, clock: list[datetime]
) -> None:
    # Every DM of the tick is posted by Slack, then its answer is lost (503).
    week.fake.fail("chat.postMessage", status=503, after_serving=True, times=10)
    first = await tick(week, clock, PARIS_TEN)
    await week.settled()
    assert first.failed >= 2 and first.sent == 0
    again = await tick(week, clock, PARIS_TEN + timedelta(minutes=1))
    await tick(week, clock, PARIS_TEN + timedelta(minutes=2))
    await week.settled()
    assert again.sent == first.failed
    for user in ("U1", "U3"):
        [dm] = dms_in_slack(week, user)
        assert dm["metadata"]["event_type"] == "polaris_scheduled_post"
    async with week.runtime.services.db.transaction() as session:
        sent = (await session.scalars(select(Nudge.dm_ts).where(Nudge.user_id == "U1"))).all()
    assert sent == [dms_in_slack(week, "U1")[0]["ts"]]  # its buttons work: the nudge knows it
