"""API tokens: the bearer tokens a team's analytics jobs send readings with. Create, list and
revoke them (the team lead, the North Star's owner or an admin), and authenticate a request.

A token is 256-bit random and shown once; only its SHA-256 and a short prefix are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, NotFound
from bot.domain.permissions import Actor
from bot.services.northstar import check_steering
from bot.services.read_models import ApiTokenView, NewApiToken
from bot.services.teams import team_view
from storage import northstar as store
from storage import okrs as okrs_store
from storage.database import Database
from storage.models import ApiToken, Team

TOKEN_PREFIX = "polaris_"
#: How many characters of a token are kept in clear to tell tokens apart.
SHOWN_PREFIX_LENGTH = 14


class ApiAuthError(Exception):
    """The bearer token is missing, unknown or revoked (nothing is written)."""


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are 256-bit random, so a fast hash is enough (no salt)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate_api_token(session: AsyncSession, token: str) -> tuple[ApiToken, Team]:
    """The live token `token` and its team, inside the caller's transaction (so a token revoked
    meanwhile writes nothing). Raises ApiAuthError for an unknown or revoked token."""
    stored = await store.token_by_hash(session, hash_token(token))
    if stored is None or stored.revoked_at is not None:
        raise ApiAuthError
    team = await okrs_store.team_by_id(session, stored.workspace_id, stored.team_id)
    if team is None:
        raise ApiAuthError
    return stored, team


async def _steerable_team(
    session: AsyncSession, workspace_id: str, channel_id: str, actor: Actor
) -> Team:
    team = await store.team_of_channel(session, workspace_id, channel_id)
    assert team.id is not None
    check_steering(
        actor,
        team,
        await store.north_star_of_team(session, team.id),
        N_("Only the team lead, the North Star's owner or an admin can manage API tokens."),
    )
    return team


async def create_api_token(
    *, db: Database, workspace_id: str, channel_id: str, actor: Actor, now: datetime
) -> NewApiToken:
    """A new bearer token for the channel team's readings API; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        session.add(
            ApiToken(
                workspace_id=workspace_id,
                team_id=team.id,
                token_hash=hash_token(token),
                prefix=token[:SHOWN_PREFIX_LENGTH],
                created_by=actor.user_id,
                created_at=now,
            )
        )
        return NewApiToken(token, token[:SHOWN_PREFIX_LENGTH], team_view(team))


async def list_api_tokens(
    *, db: Database, workspace_id: str, channel_id: str, actor: Actor
) -> list[ApiTokenView]:
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        return [
            ApiTokenView(t.prefix, t.created_by, t.created_at, t.last_used_at, t.revoked_at)
            for t in await store.tokens_of_team(session, team.id)
        ]


async def revoke_api_token(
    *, db: Database, workspace_id: str, channel_id: str, prefix: str, actor: Actor, now: datetime
) -> list[str]:
    """Revoke the team's live tokens starting with `prefix` (`all` revokes every one); returns
    the prefixes revoked. Raises NotFound when none matches."""
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        wanted = prefix.strip()
        revoked: list[str] = []
        for token in await store.tokens_of_team(session, team.id):
            if token.revoked_at is None and (
                wanted.casefold() == "all" or (len(wanted) >= 8 and token.prefix.startswith(wanted))
            ):
                token.revoked_at = now
                session.add(token)
                revoked.append(token.prefix)
        if not revoked:
            raise NotFound(
                N_("No live API token of this team starts with “{prefix}”."), prefix=wanted
            )
        return revoked


async def check_api_token(*, db: Database, token: str) -> None:
    """Raise ApiAuthError unless `token` is live: the API checks it before reading the body
    (and the write checks it again in its own transaction, for a token revoked meanwhile)."""
    async with db.transaction() as session:
        await authenticate_api_token(session, token)
