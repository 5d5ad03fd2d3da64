"""One Slack request, typed (`Request`), and what a listener answers to it (`Answer`).

A listener is `async def handle_…(req: Request) -> Answer | None`. Its body is what runs
before Slack gets its answer (3 seconds at most: parse, validate, store what a modal shows);
the `Answer` it returns is what Slack gets at the ack, then the named follow-ups that run after
it, in the tracked background task (see `handlers.errors.guarded`)::

    async def handle_list_command(req: Request) -> Answer:
        scope = parse_list_scope(req.args, req.user_id, req.channel_id)
        return after(respond_with_list, req=req, scope=scope, page=1)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import InvalidFields, UserError
from bot.domain.permissions import Actor
from bot.i18n import Translator, translator
from bot.services.members import MemberProfile
from bot.services.runtime import Services
from handlers.ui.forms import inline_errors, view_handle

SERVICES = "polaris_services"
PROFILE = "polaris_profile"
TRANSLATOR = "polaris_translator"


def services_of(context: AsyncBoltContext) -> Services:
    """The app's services the middleware put in Bolt's context; only `Request.of` and the
    error machinery read it (listeners and surfaces ask the `Request`)."""
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


@dataclass(frozen=True)
class Request:
    """Everything a listener may need about the request it answers, resolved once by
    `guarded`: who acts, in which workspace and language, the app's services, Slack's client
    and response_url, and the raw payload pieces Bolt parsed (empty when absent).

    `args` is the text after the subcommand's routing words (for `/okr …` only)."""

    workspace_id: str
    user_id: str
    actor: Actor
    t: Translator
    profile: MemberProfile | None
    services: Services
    client: AsyncWebClient
    respond: AsyncRespond
    context: AsyncBoltContext
    body: dict[str, Any] = field(default_factory=dict)
    command: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    args: str = ""

    @classmethod
    def of(
        cls,
        *,
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
        body: dict[str, Any],
        command: dict[str, Any] | None = None,
        action: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        event: dict[str, Any] | None = None,
    ) -> Request:
        """The request as the middleware resolved it (see `handlers.middleware`)."""
        profile = profile_of(context)
        user_id = context.user_id or ""
        return cls(
            workspace_id=context.team_id or "",
            user_id=user_id,
            actor=Actor(user_id, is_admin=bool(profile and profile.is_admin)),
            t=translator_of(context),
            profile=profile,
            services=services_of(context),
            client=client,
            respond=respond,
            context=context,
            body=body,
            command=command or {},
            action=action or {},
            view=view or {},
            event=event or {},
        )

    def with_args(self, args: str) -> Request:
        return replace(self, args=args)

    @property
    def db(self) -> Any:
        """`services.db`, the storage Database (not named here: handlers never import storage;
        the services it is passed to are typed)."""
        return self.services.db

    @property
    def now(self) -> datetime:
        """The app's clock, read now (tests and `polaris tick --at` set it)."""
        return self.services.clock()

    @property
    def timezone(self) -> str:
        """The acting user's IANA time zone (UTC until Slack told us)."""
        return (self.profile.timezone if self.profile else None) or "UTC"

    @property
    def channel_id(self) -> str:
        """Where the command was typed (or the action clicked), "" if nowhere."""
        if self.command:
            return str(self.command.get("channel_id", ""))
        return self.context.channel_id or ""

    @property
    def trigger_id(self) -> str:
        """Slack's handle to open a modal, valid 3 seconds from the click or command."""
        return str(self.body.get("trigger_id", ""))

    @property
    def submission_key(self) -> str:
        """Same modal state submitted twice (double click, Slack retry) → same key."""
        view_id, view_hash = view_handle(self.view)
        return f"view:{view_id}:{view_hash or ''}"

    def message(self, error: UserError) -> str:
        """A refusal in the user's language."""
        return self.t(error.message, **error.values)

    async def tell(self, text: str, blocks: list[Block] | None = None) -> None:
        """Answer privately through the response_url (commands and message actions)."""
        await self.respond(response_type="ephemeral", text=text, blocks=blocks)


FollowUp = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Answer:
    """What Slack gets at the ack (`ack`, Bolt's ack arguments; empty: a bare 200), then the
    follow-ups run in order once it has it: `(work, args, kwargs)`, each awaited as
    `work(*args, **kwargs)`."""

    ack: Mapping[str, Any] = field(default_factory=dict)
    steps: tuple[tuple[FollowUp, tuple[Any, ...], Mapping[str, Any]], ...] = ()

    def then(self, work: FollowUp, /, *args: Any, **kwargs: Any) -> Answer:
        """This answer, with `work(*args, **kwargs)` run after what it already runs."""
        return replace(self, steps=(*self.steps, (work, args, kwargs)))


def after(work: FollowUp, /, *args: Any, **kwargs: Any) -> Answer:
    """A bare ack, then `work(*args, **kwargs)` once Slack has it."""
    return Answer().then(work, *args, **kwargs)


def reply(text: str, blocks: list[Block] | None = None) -> Answer:
    """A private message as the answer to a slash command itself."""
    return Answer({"response_type": "ephemeral", "text": text, "blocks": blocks})


def show_errors(errors: Mapping[str, str]) -> Answer:
    """Keep the modal open with these messages under their blocks (by block_id)."""
    return Answer({"response_action": "errors", "errors": dict(errors)})


def modal_refusal(
    t: Translator, error: UserError, *, block: str, blocks: Mapping[str, str] | None = None
) -> Answer:
    """A modal's refusal on its fields: each of InvalidFields' fields under its block (renamed
    through `blocks` where the form's block ids differ), anything else under `block`."""
    if isinstance(error, InvalidFields):
        names = blocks or {}
        return show_errors({names.get(k, k): v for k, v in inline_errors(t, error).items()})
    return show_errors({block: t(error.message, **error.values)})


def replace_view(view: View | dict[str, Any]) -> Answer:
    """Replace the submitted modal by `view` (the next step or page)."""
    return Answer({"response_action": "update", "view": view})
