"""Slack transport. `register` wires every feature's listeners onto an AsyncApp."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services.runtime import Services
from handlers import commands, errors, home, middleware


def register(app: AsyncApp, services: Services) -> None:
    middleware.register(app, services)
    errors.register(app)
    commands.register(app)
    home.register(app)


__all__ = ["register"]
