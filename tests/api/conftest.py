"""Fixtures of the readings API tests."""

from __future__ import annotations

import pytest

from bot.domain.permissions import Actor
from bot.services.tokens import create_api_token
from storage.database import Database
from tests.northstar_factories import NOW, WORKSPACE, define, make_team


@pytest.fixture
async def token(db: Database) -> str:
    """A live API token of a team whose North Star is defined."""
    await define(db, await make_team(db))
    created = await create_api_token(
        db=db, workspace_id=WORKSPACE, channel_id="C1", actor=Actor("U1"), now=NOW
    )
    return created.token
