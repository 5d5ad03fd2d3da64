"""A milestone's Done box, as built and as read back from what Slack sends (issue 12, item 6)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.progress import KrKind
from bot.i18n import translator
from handlers.ui.nudges import CheckInModalMeta, build_check_in_modal, parse_check_in_submission
from handlers.ui.update_modal import build_update_modal, parse_update_submission
from tests.factories import key_result_view_stub, objective_view_stub


def milestone(current: float | None) -> Any:
    return key_result_view_stub(3, kind=KrKind.MILESTONE, target=1, current=current)


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`view` as Slack sends it back: its blocks, and the state of the inputs given."""
    state = {block_id: {block_id: element} for block_id, element in values.items()}
    return {**view, "state": {"values": state}}


def ticked(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


@pytest.mark.parametrize(("locale", "label", "box"), [("en", "Milestone", "Done"),
                                                      ("fr", "Jalon", "Terminé")])  # fmt: skip
def test_the_update_modal_asks_a_milestone_done_or_not(locale: str, label: str, box: str) -> None:
    kr = milestone(1)
    view = build_update_modal(
        translator(locale), [objective_view_stub(1, key_results=[kr])], selected=kr
    ).to_dict()
    [done] = [b for b in view["blocks"] if b.get("block_id") == "done"]
    assert done["label"]["text"] == label and done["optional"] is True
    assert done["element"]["options"] == [
        {"text": {"type": "plain_text", "text": box, "emoji": True}, "value": "checked"}
    ]
    assert done["element"]["initial_options"] == done["element"]["options"]
    assert not any(b.get("block_id") == "value" for b in view["blocks"])


@pytest.mark.parametrize(
    ("state", "value"),
    [
        (ticked("checked"), 1.0),
        (ticked(), 0.0),
        (None, 0.0),  # an unticked box Slack left out of the state
    ],
)
def test_the_done_box_reads_back_as_one_or_zero(state: Any, value: float) -> None:
    kr = milestone(0)
    view = build_update_modal(
        translator("en"), [objective_view_stub(1, key_results=[kr])], selected=kr
    ).to_dict()
    values: dict[str, Any] = {
        "key_result": {"type": "static_select", "selected_option": {"value": "3"}}
    }
    if state is not None:
        values["done"] = state
    form, errors = parse_update_submission(translator("en"), submitted(view, values))
    assert errors == {} and form.value == value


@pytest.mark.parametrize(
    ("current", "state", "entries"),
    [
        (None, ticked(), []),  # never checked in, left unticked: nothing to record
        (0, ticked(), []),  # not done, still not done: like a value left as it was
        (None, ticked("checked"), [(3, 1.0, None, "")]),
        (1, ticked(), [(3, 0.0, None, "")]),  # was done, unticked: not done any more
    ],
)
def test_the_check_in_modal_records_a_milestone_only_when_its_box_says_something(
    current: float | None, state: Any, entries: list
) -> None:
    t = translator("en")
    kr = milestone(current)
    view = build_check_in_modal(
        t, [objective_view_stub(1, key_results=[kr])], CheckInModalMeta(refs=[3]), reader="U1"
    ).to_dict()
    assert next(b["block_id"] for b in view["blocks"] if b["type"] == "input") == "3.done"
    assert "<@U1>" not in str(view), "the reader's own KR does not mention them"
    assert parse_check_in_submission(t, submitted(view, {"3.done": state}), [3]) == (entries, {})
