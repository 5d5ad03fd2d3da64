"""Requests of an older Polaris: a button, a menu or a modal whose id this version no longer
has (a message posted before an upgrade, a modal left open across one).

Registered after every other listener, so only what none of them took gets here. Without it
Bolt answers 404 and logs an unhandled request, and Slack shows the person a bare error; here
they get a short "out of date" in their language, with the way to do it now.
"""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import N_, UserError
from handlers.context import Answer, Request, replace_view
from handlers.errors import guarded
from handlers.ids import ACTION_IDS
from handlers.ui.help import build_out_of_date_modal

ANY = re.compile(".*")
OUT_OF_DATE = N_(
    "This button is out of date: Polaris has changed since it was posted. "
    "Type `/okr help` to see how to do it now."
)


async def handle_stale_action(req: Request) -> Answer:
    """A known element with no listener of its own (a link button, a form field) needs only
    its ack; an unknown one is from an older Polaris."""
    if str(req.action.get("action_id", "")) in ACTION_IDS:
        return Answer()
    raise UserError(OUT_OF_DATE)  # told where the person is, after the ack (`guarded`)


async def handle_stale_shortcut() -> Answer:
    raise UserError(OUT_OF_DATE)


async def handle_stale_submission(req: Request) -> Answer:
    """The modal is replaced by one that says so: nothing was saved."""
    return replace_view(build_out_of_date_modal(req.t))


async def handle_stale_close() -> Answer:
    return Answer()


async def handle_stale_options() -> Answer:
    return Answer({"options": []})


def register(app: AsyncApp) -> None:
    """Call last: Bolt runs the first listener that matches."""
    app.action(ANY)(guarded(handle_stale_action))
    app.shortcut(ANY)(guarded(handle_stale_shortcut))
    app.view_submission(ANY)(guarded(handle_stale_submission))
    app.view_closed(ANY)(guarded(handle_stale_close))
    app.options(ANY)(guarded(handle_stale_options))
