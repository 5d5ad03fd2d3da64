"""Who may change what. One home for the rule, used by every surface."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person acting, as Slack describes them."""

    user_id: str
    is_admin: bool = False


def may_change(actor: Actor, *, owners: Iterable[str | None], team_lead: str | None) -> bool:
    """Owners (of the KR and of its objective), the team lead and workspace admins may update
    or edit; anyone else is politely refused."""
    if actor.is_admin:
        return True
    return actor.user_id == team_lead or actor.user_id in {o for o in owners if o}
