"""Typed access to what the middleware puts in Bolt's request context."""

from __future__ import annotations

from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain.permissions import Actor
from bot.i18n import Translator, translator
from bot.services.members import MemberProfile
from bot.services.runtime import Services

SERVICES = "polaris_services"
PROFILE = "polaris_profile"
TRANSLATOR = "polaris_translator"


def services_of(context: AsyncBoltContext) -> Services:
    services = context[SERVICES]
    assert isinstance(services, Services)
    return services


def translator_of(context: AsyncBoltContext) -> Translator:
    """The acting user's translator (English until their locale is known)."""
    found = context.get(TRANSLATOR)
    return found if isinstance(found, Translator) else translator(None)


def profile_of(context: AsyncBoltContext) -> MemberProfile | None:
    found = context.get(PROFILE)
    return found if isinstance(found, MemberProfile) else None


def actor_of(context: AsyncBoltContext) -> Actor:
    """Who is acting, and whether they are a workspace admin (from their profile)."""
    profile = profile_of(context)
    return Actor(user_id=context.user_id or "", is_admin=bool(profile and profile.is_admin))
