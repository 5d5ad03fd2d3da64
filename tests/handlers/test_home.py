"""The Home tab builder: my key results by objective, my team's objectives, within 100 blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import translator
from bot.services.read_models import HomeModel
from handlers.ids import ObjectiveAction
from handlers.ui.home import build_home
from tests.factories import key_result_view_stub, objective_view_stub, team_view_stub

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EN = translator("en-US")
FR = translator("fr-FR")


def rendered(view: View) -> dict:
    raw = view.to_dict()  # raises on any Slack limit
    assert len(raw["blocks"]) <= 100
    for block in raw["blocks"]:
        assert Block.parse(block) is not None
    return raw


def update_buttons(view: View) -> dict[str, ButtonElement]:
    return {
        b.block_id: b.accessory
        for b in view.blocks
        if isinstance(b, SectionBlock) and isinstance(b.accessory, ButtonElement)
    }


def objectives(count: int, *, krs: int = 5, owner: str = "U1", first: int = 1) -> tuple:
    return tuple(
        objective_view_stub(
            ref,
            owner_user_id=owner,
            title="Objective with a long enough title " * 4,
            key_results=[
                key_result_view_stub(
                    ref * 10 + k,
                    owner_user_id=owner,
                    current=30,
                    confidence=8,
                    last_check_in_at=NOW - timedelta(days=2),
                )
                for k in range(krs)
            ],
        )
        for ref in range(first, first + count)
    )


def test_forty_key_results_fit_with_their_update_buttons() -> None:
    mine = objectives(8)
    model = HomeModel(my_objectives=mine, team_objectives=mine, teams=(team_view_stub(),))
    view = build_home(EN, model, NOW, user_id="U1")
    raw = rendered(view)
    buttons = update_buttons(view)
    assert len(buttons) == 40
    for block_id, button in buttons.items():
        assert button.action_id == ObjectiveAction.UPDATE_KEY_RESULT
        assert block_id == f"home-kr-{button.value}"
    menus = [
        b for b in view.blocks if isinstance(getattr(b, "accessory", None), OverflowMenuElement)
    ]
    assert len(menus) == 8
    text = str(raw)
    assert "Last check-in: 2 days ago" in text and "confidence 8/10" in text
    assert "more objective" not in text
    assert "Your team's objectives" not in text  # every team objective is already mine


def test_a_long_home_is_cut_and_says_how_many_more() -> None:
    mine = objectives(25)
    others = objectives(10, krs=1, owner="U2", first=100)
    model = HomeModel(my_objectives=mine, team_objectives=others, teams=(team_view_stub(),))
    extra = [SectionBlock(block_id="north-star", text=MarkdownTextObject(text="*North Star*"))]
    view = build_home(EN, model, NOW, extra, user_id="U1")
    raw = rendered(view)
    assert len(raw["blocks"]) <= 100
    assert any(b.block_id == "north-star" for b in view.blocks)
    last = view.blocks[-1]
    assert isinstance(last, ContextBlock)
    shown = sum(1 for b in view.blocks if (b.block_id or "").startswith("home-objective-"))
    assert f"and {35 - shown} more objectives" in str(last.to_dict())
    assert "/okr list" in str(last.to_dict())


def test_only_my_key_results_of_someone_elses_objective() -> None:
    theirs = objective_view_stub(
        7,
        owner_user_id="U2",
        key_results=[
            key_result_view_stub(71, owner_user_id="U2"),
            key_result_view_stub(72, owner_user_id="U1"),
        ],
    )
    model = HomeModel(my_objectives=(theirs,), team_objectives=(theirs,), teams=())
    view = build_home(EN, model, NOW, user_id="U1")
    rendered(view)
    assert [b.value for b in update_buttons(view).values()] == ["72"]


def test_team_objectives_are_listed_after_mine() -> None:
    mine = objectives(1)
    others = objectives(2, krs=2, owner="U2", first=50)
    model = HomeModel(my_objectives=mine, team_objectives=mine + others, teams=())
    view = build_home(EN, model, NOW, user_id="U1")
    text = str(rendered(view))
    assert "Your team's objectives" in text
    assert text.index("O-1 ·") < text.index("O-50") < text.index("O-51")
    assert len(update_buttons(view)) == 5  # the team's KRs are not mine to update here


def test_nothing_at_all_gets_the_welcome_steps() -> None:
    model = HomeModel(my_objectives=(), team_objectives=(), teams=())
    text = str(rendered(build_home(FR, model, NOW, user_id="U1")))
    assert "Bienvenue dans Polaris" in text
    assert "/okr team" in text


def test_a_team_without_objectives_is_taught_okr_new() -> None:
    model = HomeModel(my_objectives=(), team_objectives=(), teams=(team_view_stub(),))
    text = str(rendered(build_home(EN, model, NOW, user_id="U1")))
    assert "Declare your first objective and its key results with `/okr new`." in text
    assert "Welcome to Polaris" not in text


def test_no_key_result_of_mine_but_my_team_has_objectives() -> None:
    others = objectives(2, krs=1, owner="U2")
    model = HomeModel(my_objectives=(), team_objectives=others, teams=(team_view_stub(),))
    view = build_home(EN, model, NOW, user_id="U1")
    text = str(rendered(view))
    assert "You own no key result in this cycle yet." in text
    assert "O-1" in text and "O-2" in text
    assert update_buttons(view) == {}
