"""Property-based: Slack-shaped payloads, signed, over real HTTP, for every registered id.

Every subcommand, view callback and action id the app registers (read from its listeners,
whose ids live in handlers/ids.py, so a new one is covered without touching this file) gets
generated payloads: junk text, huge integers, NaN, NUL bytes, dates that are not dates,
selects with nothing selected, private_metadata that this version never wrote. Whatever
arrives, Polaris answers below 500, logs no unhandled error, and leaves the database as it
was whenever its answer is an error (inline errors, "this form is out of date").

The examples are derandomized (the same ones every run, so CI is reproducible); a failure
prints the falsifying payload and the `@reproduce_failure` blob.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import SQLModel

import handlers
import handlers.ui
from handlers.ids import (
    SUBCOMMAND_ALIASES,
    Callback,
    CheckInAction,
    Command,
    ListAction,
    NorthStarWord,
    NudgeAction,
    Subcommand,
)
from tests.conftest import PolarisServer, ack_json
from tests.factories import seed_objective, seed_team
from tests.slack_forms import ELEMENT_STATE, block_action, view_submission

FUZZ = settings(
    max_examples=70,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- What the app registers -----------------------------------------------------------------


class _Recorder:
    """Stands in for Bolt's app: records the ids each `register` listens to."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = {"command": [], "action": [], "view": []}

    def __getattr__(self, kind: str) -> Any:
        def listen(*args: Any, **_: Any) -> Any:
            if kind in self.ids and args and isinstance(args[0], str):
                self.ids[kind].append(args[0])
            return lambda listener: listener

        return listen


def registered_ids() -> dict[str, list[str]]:
    recorder = _Recorder()
    stub = SimpleNamespace(settings=SimpleNamespace(polaris_user_cache_seconds=60))
    handlers.register(recorder, stub)  # type: ignore[arg-type]
    return {kind: sorted(set(ids)) for kind, ids in recorder.ids.items()}


REGISTERED = registered_ids()


def metadata_fields() -> list[str]:
    """The field names of every private_metadata model of the modals (…Meta in handlers.ui)."""
    fields: set[str] = set()
    for module in pkgutil.iter_modules(handlers.ui.__path__):
        loaded = importlib.import_module(f"handlers.ui.{module.name}")
        for name, value in vars(loaded).items():
            if name.endswith("Meta") and isinstance(value, type) and issubclass(value, BaseModel):
                fields |= set(value.model_fields)
    return sorted(fields)


# --- Strategies -----------------------------------------------------------------------------

NASTY = [
    "", " ", "null", "None", "nan", "NaN", "inf", "-inf", "1e26", "1e400", "-1e30", "9" * 30,
    "18446744073709551616", "-9223372036854775809", "0", "1", "-1", "42", "3,5", "1 234,5",
    "KR-1", "O-1", "KR-0", "KR-99999999999999999999", "2026-02-30", "2026-11-30", "99999-01-01",
    "24:61", "25:00", "12:30", "10:00:00", "\x00", "a\x00b", "x" * 10_000, "{}", "[]",
    '{"page": 1}', '{"page": 99999999999999999999999}', "U1", "U2", "C1", "D1", "<@U1>",
    "<#C1|growth>", "done:1", "edit:1", "edit_kr:1", "add_kr:1", "1:7", "1:x", ":", "kr_update",
]  # fmt: skip
big_ints = st.one_of(
    st.integers(-3, 3), st.integers(-(2**70), 2**70), st.sampled_from([2**63, 2**64, -(2**63) - 1])
)
nasty_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
json_values = st.recursive(
    st.none() | st.booleans() | big_ints | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=5,
)
META_FIELDS = metadata_fields()
metadata_dicts = st.dictionaries(
    st.sampled_from(META_FIELDS),
    st.one_of(big_ints, json_values, st.lists(big_ints, max_size=4), st.just("C1")),
    max_size=len(META_FIELDS),
)
private_metadata = st.one_of(
    st.none(),
    nasty_text,
    metadata_dicts.map(lambda d: json.dumps(d)),
    st.just("[" * 5000),
)
words = st.one_of(
    st.sampled_from([*Subcommand, *SUBCOMMAND_ALIASES, *NorthStarWord, "record", "revoke"]),
    nasty_text,
)


@st.composite
def command_texts(draw: st.DrawFn) -> str:
    subcommand = draw(st.sampled_from([*(s.value for s in Subcommand), *SUBCOMMAND_ALIASES]))
    rest = draw(st.lists(words, max_size=5))
    flood = draw(st.sampled_from(["", '"' * 3000, "« " * 2000, "a " * 200_000]))
    return " ".join([subcommand, *rest]) + draw(st.sampled_from(["", " "])) + flood


def element_state(kind: str | None, options: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Slack's state of one input: its own kind most often, filled with something odd."""
    kinds = st.sampled_from(sorted(ELEMENT_STATE))
    value = st.one_of(st.none(), nasty_text, json_values, st.sampled_from(options or ["x"]))

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        chosen = kind if kind and draw(st.booleans()) else draw(kinds)
        key, wrap = ELEMENT_STATE[chosen]
        raw = draw(value)
        shaped = wrap(raw) if isinstance(raw, str) and draw(st.booleans()) else raw
        return {"type": chosen, key: shaped}

    return build()


def _inputs(view: dict[str, Any]) -> list[tuple[str, str, str | None, list[str]]]:
    """(block_id, action_id, element kind, option values) of each input of `view`."""
    found = []
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        options = [o.get("value", "") for o in element.get("options", [])]
        if block.get("type") == "input":
            found.append((block["block_id"], element["action_id"], element["type"], options))
    return found


@st.composite
def view_state(draw: st.DrawFn, view: dict[str, Any] | None, pool: list[str]) -> dict[str, Any]:
    inputs = _inputs(view) if view else [(b, b, None, []) for b in pool]
    values: dict[str, Any] = {}
    for block_id, action_id, kind, options in inputs:
        if draw(st.integers(0, 3)) == 0:
            continue  # a missing block
        values[block_id] = {action_id: draw(element_state(kind, options))}
    return {"values": draw(st.one_of(st.just(values), json_values))}


# --- The app under test, and what "unchanged" means ------------------------------------------


async def snapshot(polaris: PolarisServer) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the database is small: a team, an objective, its KR)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with polaris.runtime.services.db.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = sorted(map(tuple, result.all()), key=repr)
    return rows


@pytest.fixture
async def app(polaris: PolarisServer) -> PolarisServer:
    """The app with a team in #growth, an objective O-1 with KR-1 owned by U1, and the real
    modals opened once (their views are what the view fuzz fills in)."""
    services = polaris.runtime.services
    team = await seed_team(services)
    await seed_objective(services, team)
    for text in ("new", "team", "update", "checkin", "pause", "northstar define"):
        await polaris.command(text)
        await polaris.settled()
    for action_id, value in (("objective_menu", "edit:1"), ("key_result_menu", "edit_kr:1")):
        menu = {"action_id": action_id, "type": "overflow", "selected_option": {"value": value}}
        await polaris.interaction(
            block_action(menu, channel_id="C1", response_url=polaris.fake.response_url("U1"))
        )
        await polaris.settled()
    # The define modal replaces the template modal in the ack of its submission.
    template = polaris.fake.last_view("northstar_template_modal")
    answer = ack_json(await polaris.interaction(view_submission(template, {})))
    define = {**answer["view"], "id": "VDEFINE", "hash": "h"}
    polaris.fake.view_history.append(define)
    await polaris.interaction(view_submission(define, {"ns_name": "Weekly active teams"}))
    await polaris.command("northstar record")
    await polaris.settled()
    # A modal not opened here is still fuzzed, with the block ids of all the others.
    return polaris


def modals_by_callback(polaris: PolarisServer) -> dict[str, dict[str, Any]]:
    return {v["callback_id"]: v for v in polaris.fake.view_history if v.get("callback_id")}


async def exchange(polaris: PolarisServer, caplog: pytest.LogCaptureFixture, send: Any) -> None:
    """Send one request; check the status, the log and, on an error answer, the database."""
    caplog.clear()
    polaris.fake.clear()
    before = await snapshot(polaris)
    response = await send()
    assert response.status_code < 500, response.text
    await polaris.settled()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    answer = json.loads(response.text) if response.text.startswith("{") else {}
    stale = any("out of date" in json.dumps(c.args) for c in polaris.fake.calls)
    if answer.get("response_action") == "errors" or stale:
        assert await snapshot(polaris) == before, "an error answer changed the database"


def test_the_ids_fuzzed_are_the_ones_the_app_registers() -> None:
    """Read from the app's own registrations: a listener is fuzzed once it is registered."""
    assert REGISTERED["command"] == [Command.OKR.value]
    # The out-of-date modal has no submit button: only the catch-all sees it closed.
    submittable = {c.value for c in Callback} - {Callback.OUT_OF_DATE.value}
    assert submittable <= set(REGISTERED["view"])
    assert {a.value for a in [*NudgeAction, *CheckInAction, *ListAction]} <= set(
        REGISTERED["action"]
    )


@FUZZ
@given(text=command_texts())
async def test_commands(app: PolarisServer, caplog: pytest.LogCaptureFixture, text: str) -> None:
    await exchange(app, caplog, lambda: app.command(text))


@FUZZ
@given(data=st.data())
async def test_actions(app: PolarisServer, caplog: pytest.LogCaptureFixture, data: Any) -> None:
    action_id = data.draw(st.sampled_from(REGISTERED["action"]), label="action_id")
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button"}
    if data.draw(st.booleans()):
        action["value"] = data.draw(st.one_of(nasty_text, json_values), label="value")
    if data.draw(st.booleans()):
        option = data.draw(st.one_of(st.none(), nasty_text, json_values), label="option")
        action["selected_option"] = {"value": option} if data.draw(st.booleans()) else option
    views = list(modals_by_callback(app).values())
    view = data.draw(st.one_of(st.none(), st.sampled_from(views)), label="view")
    if view is not None:
        view = {**view, "private_metadata": data.draw(private_metadata, label="metadata")}
        view["type"] = data.draw(st.sampled_from(["modal", "home"]))
        if data.draw(st.booleans()):
            view.pop(data.draw(st.sampled_from(["id", "hash", "private_metadata", "type"])))
    channel = data.draw(st.one_of(st.none(), st.sampled_from(["C1", "D1", "C404"])))
    payload = block_action(
        action, view=view if view and "id" in view else None, channel_id=channel,
        response_url=app.fake.response_url("U1"),
    )  # fmt: skip
    if view is not None and "id" not in view:
        payload["view"] = view
    await exchange(app, caplog, lambda: app.interaction(payload))


@FUZZ
@given(data=st.data())
async def test_views(app: PolarisServer, caplog: pytest.LogCaptureFixture, data: Any) -> None:
    callback_id = data.draw(st.sampled_from(REGISTERED["view"]), label="callback_id")
    modals = modals_by_callback(app)
    pool = sorted({i[0] for v in modals.values() for i in _inputs(v)})
    shown = modals.get(callback_id)
    view: dict[str, Any] = {
        **(shown or {"id": "V404", "hash": "h", "type": "modal", "blocks": []}),
        "callback_id": callback_id,
        "private_metadata": data.draw(
            st.one_of(st.just((shown or {}).get("private_metadata")), private_metadata),
            label="metadata",
        ),
        "state": data.draw(view_state(shown, pool), label="state"),
    }
    if data.draw(st.integers(0, 9)) == 0:
        view.pop(data.draw(st.sampled_from(["id", "hash", "state", "blocks"])))
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": "U1", "team_id": "T0001", "name": "u1"},
        "api_app_id": "A0001",
        "token": "verification",
        "trigger_id": "1337.42.view",
        "view": view,
        "response_urls": [],
    }
    await exchange(app, caplog, lambda: app.interaction(payload))
