"""Slack transport. `register` wires every feature's listeners onto an AsyncApp."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services.runtime import Services
from handlers import (
    check_ins,
    commands,
    errors,
    home,
    lists,
    middleware,
    northstar,
    nudges,
    objectives,
    stale,
    teams,
)


def register(app: AsyncApp, services: Services) -> None:
    middleware.register(app, services)
    errors.register(app)
    commands.register(app)
    home.register(app)
    teams.register(app)
    objectives.register(app)
    check_ins.register(app)
    lists.register(app)
    northstar.register(app)
    nudges.register(app)
    stale.register(app)  # last: what no listener above took


__all__ = ["register"]
