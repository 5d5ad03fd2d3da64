"""manifest.yml is valid for Slack and declares what the code listens to."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from handlers.ids import Command, Event

ROOT = Path(__file__).resolve().parents[1]
# Slack's manifest schema, copied into the repository so that a lone clone runs this test.
SCHEMA = ROOT / "tests" / "schemas" / "slack-manifest.v1.schema.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_matches_slacks_schema(manifest: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = [
        f"{list(e.path)}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)
    ]
    assert errors == []


def test_every_slash_command_in_code_is_in_the_manifest(manifest: dict) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert {c.value for c in Command} <= declared


def test_every_event_listened_to_is_subscribed(manifest: dict) -> None:
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {e.value for e in Event} <= subscribed


def test_socket_mode_and_home_tab_are_on(manifest: dict) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_scopes_the_features_need(manifest: dict) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public", "im:write", "users:read"} <= scopes
