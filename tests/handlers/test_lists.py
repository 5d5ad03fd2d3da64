"""`/okr list`: the scope parser and the list builder, within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

from bot.domain.errors import UserError
from bot.i18n import translator
from bot.services.commands import ListScope
from bot.services.read_models import ObjectivePage
from handlers.args import parse_list_scope
from handlers.ids import ListAction
from handlers.ui.format import refusal_text
from handlers.ui.lists import (
    ListPage,
    build_objective_list,
    list_scope_label,
    objective_list_text,
    parse_list_page,
)
from tests.factories import key_result_view_stub, objective_view_stub

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EN = translator("en-US")
FR = translator("fr-FR")


@pytest.mark.parametrize(
    ("args", "scope"),
    [
        ("", ListScope(user_id="U1")),
        ("   ", ListScope(user_id="U1")),
        ("mine", ListScope(user_id="U1")),
        ("MINE", ListScope(user_id="U1")),
        ("moi", ListScope(user_id="U1")),
        ("<@U123|ada>", ListScope(user_id="U123")),
        ("<@U123>", ListScope(user_id="U123")),
        ("<@W0ENTERPRISE|ada.l>", ListScope(user_id="W0ENTERPRISE")),
        (" <@U1|me> ", ListScope(user_id="U1")),
        ("<#C123|growth>", ListScope(channel_id="C123")),
        ("<#C123>", ListScope(channel_id="C123")),
        ("<#G0PRIVATE|secret>", ListScope(channel_id="G0PRIVATE")),
        ("Growth", ListScope(team_name="Growth")),
        ("Growth  Ops", ListScope(team_name="Growth Ops")),
        ('"Growth Ops"', ListScope(team_name="Growth Ops")),
        ("“Growth Ops”", ListScope(team_name="Growth Ops")),
        # The text arrives unescaped (`command_text`): a team name reads as typed.
        ("R&D", ListScope(team_name="R&D")),
        # `team` is this channel's team, as the help says, in English or French.
        ("team", ListScope(channel_id="C9")),
        ("Team", ListScope(channel_id="C9")),
        ("équipe", ListScope(channel_id="C9")),
        ("mon équipe", ListScope(channel_id="C9")),
        ("mes", ListScope(user_id="U1")),
        ('"Team Rocket"', ListScope(team_name="Team Rocket")),
        ('"Team"', ListScope(team_name="Team")),  # quoted: a team's name, not the keyword
    ],
)
def test_list_scope_is_parsed(args: str, scope: ListScope) -> None:
    assert parse_list_scope(args, "U1", "C9") == scope


def test_team_in_a_direct_message_asks_which_team() -> None:
    with pytest.raises(UserError) as refused:
        parse_list_scope("team", "U1", "D1")
    assert "/okr list #growth" in EN(refused.value.message, **refused.value.values)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        ("@ada", "Pick the person"),
        ("<@nobody>", "Pick the person"),
        ("<!subteam^S123|@devs>", "Pick the person"),
        ("<@U1> <@U2>", "Pick the person"),
        ("#growth", "Pick it from the list"),
    ],
)
def test_what_slack_did_not_link_is_refused_kindly(args: str, hint: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_list_scope(args, "U1", "C9")
    said = refusal_text(EN, refused.value)  # as the person reads it
    assert hint in said
    assert "<" not in said  # echoed escaped, never as a live mention


@pytest.mark.parametrize(
    "scope",
    [
        ListScope(user_id="U1"),
        ListScope(channel_id="C9"),
        ListScope(team_name='Growth | Ops "quoted"'),
    ],
)
def test_a_paging_value_round_trips(scope: ListScope) -> None:
    parsed = parse_list_page(ListPage.of(scope, 3).value())
    assert (parsed.scope, parsed.page) == (scope, 3)


def test_a_foreign_paging_value_is_refused_kindly() -> None:
    with pytest.raises(UserError):
        parse_list_page("2")


def test_scope_labels() -> None:
    assert list_scope_label(EN, ListScope(user_id="U1"), "U1") == "Your objectives"
    assert list_scope_label(EN, ListScope(user_id="U2"), "U1") == "Objectives of <@U2>"
    assert "<#C9>" in list_scope_label(EN, ListScope(channel_id="C9"), "U1")
    assert "R&amp;D" in list_scope_label(EN, ListScope(team_name="R&D"), "U1")
    assert list_scope_label(FR, ListScope(user_id="U1"), "U1") == "Vos objectifs"


def dicts(blocks: list[Block]) -> list[dict]:
    rendered = [block.to_dict() for block in blocks]  # raises on any Slack limit
    for raw in rendered:
        assert Block.parse(raw) is not None
    return rendered


def page_of(count: int, *, page: int = 1, pages: int = 1, krs: int = 3) -> ObjectivePage:
    items = tuple(
        objective_view_stub(
            ref,
            title="A rather long objective title " * 8,
            key_results=[
                key_result_view_stub(
                    ref * 10 + k,
                    title="A rather long key result title " * 6,
                    current=40,
                    confidence=6,
                    last_check_in_at=NOW - timedelta(days=3),
                )
                for k in range(krs)
            ],
        )
        for ref in range(1, count + 1)
    )
    return ObjectivePage(items=items, page=page, pages=pages, total=count * pages)


def test_a_page_shows_progress_status_and_last_check_in() -> None:
    page = page_of(2)
    blocks = build_objective_list(EN, page, "Your objectives", NOW, scope=ListScope(user_id="U1"))
    text = str(dicts(blocks))
    assert "*Your objectives*" in text
    assert "O-1" in text and "O-2" in text and "KR-10" in text
    assert "████░░░░░░ 40%" in text
    assert "At risk" in text
    assert "Last check-in: 3 days ago" in text
    assert "2 objectives" in text
    assert not any(isinstance(b, ActionsBlock) for b in blocks)  # one page: no buttons


def test_a_middle_page_has_previous_and_next_carrying_the_scope() -> None:
    scope = ListScope(team_name="Growth")
    blocks = build_objective_list(EN, page_of(10, page=2, pages=3), "x", NOW, scope=scope)
    [actions] = [b for b in blocks if isinstance(b, ActionsBlock)]
    previous, following = actions.elements
    assert previous.action_id == ListAction.PREVIOUS
    assert following.action_id == ListAction.NEXT
    assert parse_list_page(previous.value).page == 1
    assert parse_list_page(following.value).page == 3
    assert parse_list_page(following.value).scope == scope
    assert "page 2 of 3" in str(dicts(blocks))


def test_the_last_page_only_goes_back() -> None:
    blocks = build_objective_list(
        EN, page_of(1, page=3, pages=3), "x", NOW, scope=ListScope(user_id="U1")
    )
    [actions] = [b for b in blocks if isinstance(b, ActionsBlock)]
    assert [e.action_id for e in actions.elements] == [ListAction.PREVIOUS]


def test_sixty_objectives_stay_within_fifty_blocks() -> None:
    page = page_of(60, krs=5, page=1, pages=2)
    blocks = build_objective_list(EN, page, "Your objectives", NOW, scope=ListScope(user_id="U1"))
    rendered = dicts(blocks)
    assert len(rendered) <= 50
    assert isinstance(blocks[-1], ActionsBlock)  # the paging buttons survive the cut
    text = str(rendered)
    assert "more objectives" in text
    shown = [b for b in blocks if isinstance(b, SectionBlock) and b.block_id]
    assert f"and {60 - len(shown)} more" in text
    for block in shown:
        assert len(block.text.text) <= 3000


def test_an_empty_list_teaches_okr_new_in_french() -> None:
    page = ObjectivePage(items=(), page=1, pages=1, total=0)
    blocks = build_objective_list(FR, page, "Vos objectifs", NOW, scope=ListScope(user_id="U1"))
    text = str(dicts(blocks))
    assert "/okr new" in text
    assert "Aucun objectif" in text
    assert objective_list_text(FR, page, "Vos objectifs").startswith("Vos objectifs")
