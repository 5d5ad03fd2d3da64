"""The listener contract: what a listener may ask for, and what its Answer says."""

from __future__ import annotations

import pytest

from handlers.context import Answer, Request, after, replace_view, reply, show_errors
from handlers.errors import guarded


async def nothing() -> None:
    return None


def test_an_answer_names_its_follow_ups_in_order() -> None:
    answer = reply("On it").then(nothing).then(nothing, 1, key="v")
    assert answer.ack == {"response_type": "ephemeral", "text": "On it", "blocks": None}
    assert answer.steps == ((nothing, (), {}), (nothing, (1,), {"key": "v"}))
    assert after(nothing).ack == {}
    assert show_errors({"b": "wrong"}).ack == {
        "response_action": "errors",
        "errors": {"b": "wrong"},
    }
    assert replace_view({"type": "modal"}).ack["response_action"] == "update"


def test_a_listener_asks_for_the_request_or_its_parts_by_name() -> None:
    async def fine(req: Request, t: object, view: dict) -> Answer | None:
        return None

    async def wrong(req: Request, ack: object) -> Answer | None:
        return None

    assert guarded(fine).__name__ == "fine"
    with pytest.raises(TypeError, match="ack"):
        guarded(wrong)
