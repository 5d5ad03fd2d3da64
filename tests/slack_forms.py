"""Fill in and submit modals the way Slack does: state values built from the view's inputs."""

from __future__ import annotations

import itertools
from typing import Any

from tests.signing import API_APP_ID

# Slack gives every interaction its own trigger_id; so do these payloads.
_triggers = itertools.count(1)

ELEMENT_STATE = {
    "plain_text_input": ("value", lambda v: v),
    "static_select": (
        "selected_option",
        lambda v: {"value": v, "text": {"type": "plain_text", "text": v}},
    ),
    "radio_buttons": (
        "selected_option",
        lambda v: {"value": v, "text": {"type": "plain_text", "text": v}},
    ),
    "users_select": ("selected_user", lambda v: v),
    "conversations_select": ("selected_conversation", lambda v: v),
    "channels_select": ("selected_channel", lambda v: v),
    "timepicker": ("selected_time", lambda v: v),
    "datepicker": ("selected_date", lambda v: v),
    # The values of the ticked boxes, comma-separated ("" for none: Slack sends []).
    "checkboxes": (
        "selected_options",
        lambda v: [
            {"value": x, "text": {"type": "plain_text", "text": x}} for x in v.split(",") if x
        ],
    ),
}
INITIAL = {
    "plain_text_input": lambda e: e.get("initial_value"),
    "static_select": lambda e: (e.get("initial_option") or {}).get("value"),
    "radio_buttons": lambda e: (e.get("initial_option") or {}).get("value"),
    "users_select": lambda e: e.get("initial_user"),
    "conversations_select": lambda e: e.get("initial_conversation"),
    "channels_select": lambda e: e.get("initial_channel"),
    "timepicker": lambda e: e.get("initial_time"),
    "datepicker": lambda e: e.get("initial_date"),
    "checkboxes": lambda e: ",".join(o["value"] for o in e.get("initial_options") or []),
}


def view_state(view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    """Slack's `view.state.values` for the inputs of `view`: given values, else the initial
    ones (what a person sees pre-filled and leaves as it is)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        value = values.get(block["block_id"], INITIAL[kind](element))
        key, wrap = ELEMENT_STATE[kind]
        state[block["block_id"]] = {
            element["action_id"]: {"type": kind, key: None if value is None else wrap(value)}
        }
    unknown = set(values) - set(state)
    assert not unknown, f"no such inputs in the view: {unknown}"
    return {"values": state}


def _interaction(kind: str, *, user_id: str, team_id: str, trigger: str) -> dict[str, Any]:
    """What every interaction payload of `kind` starts with: who acted, in which workspace."""
    return {
        "type": kind,
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "team_id": team_id, "name": user_id.lower()},
        "api_app_id": API_APP_ID,
        "token": "verification",
        "trigger_id": f"1337.42.{trigger}.{next(_triggers)}",
    }


def view_submission(
    view: dict[str, Any],
    values: dict[str, str | None],
    *,
    user_id: str = "U1",
    team_id: str = "T0001",
) -> dict[str, Any]:
    return {
        **_interaction("view_submission", user_id=user_id, team_id=team_id, trigger="view"),
        "view": {**view, "state": view_state(view, values)},
        "response_urls": [],
    }


def block_action(
    action: dict[str, Any],
    *,
    user_id: str = "U1",
    team_id: str = "T0001",
    view: dict[str, Any] | None = None,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A `block_actions` payload for one action (a button, overflow option or select)."""
    payload: dict[str, Any] = {
        **_interaction("block_actions", user_id=user_id, team_id=team_id, trigger="action"),
        "actions": [{"action_ts": "1700000000.1", **action}],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view["id"]}
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "growth"}
        payload["container"] = {
            "type": "message",
            "channel_id": channel_id,
            "message_ts": (message or {}).get("ts", ""),
        }
    if message is not None:
        payload["message"] = message
    if response_url is not None:
        payload["response_url"] = response_url
    return payload
