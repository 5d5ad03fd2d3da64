"""Permissions and errors first: what the update surfaces may offer, refused before a modal."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotFound, PermissionDenied
from bot.domain.permissions import Actor
from bot.services.check_ins import check_updatable, record_check_in, update_choices
from bot.services.commands import RecordCheckIn
from bot.services.runtime import Services
from tests.factories import WORKSPACE, kr_draft, seed_check_in, seed_objective, seed_team


@pytest.fixture
async def objective(services: Services):
    """O-1 of lead U1: KR-1 owned by U1, KR-2 by U2, KR-3 by U3."""
    team = await seed_team(services, lead_user_id="U1")
    return await seed_objective(
        services,
        team,
        owner_user_id="U1",
        key_results=[
            kr_draft("Teams", owner_user_id="U1"),
            kr_draft("Churn", owner_user_id="U2"),
            kr_draft("NPS", owner_user_id="U3"),
        ],
    )


@pytest.mark.usefixtures("objective")
async def test_the_modal_offers_only_the_key_results_one_may_update(services: Services) -> None:
    now = services.clock()
    views, selected = await update_choices(
        db=services.db, workspace_id=WORKSPACE, actor=Actor("U2"),
        key_result_ref=None, objective_ref=1, now=now,
    )  # fmt: skip
    assert [kr.label for v in views for kr in v.key_results] == ["KR-2"]
    assert selected is not None and selected.label == "KR-2"
    views, _ = await update_choices(
        db=services.db, workspace_id=WORKSPACE, actor=Actor("U1"),
        key_result_ref=None, objective_ref=1, now=now,
    )  # fmt: skip
    assert [kr.label for v in views for kr in v.key_results] == ["KR-1", "KR-2", "KR-3"]


@pytest.mark.usefixtures("objective")
async def test_a_key_result_one_may_not_update_is_refused_before_any_modal(
    services: Services,
) -> None:
    now = services.clock()
    with pytest.raises(PermissionDenied):
        await update_choices(
            db=services.db, workspace_id=WORKSPACE, actor=Actor("U2"),
            key_result_ref=3, objective_ref=None, now=now,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        await update_choices(
            db=services.db, workspace_id=WORKSPACE, actor=Actor("U9"),
            key_result_ref=None, objective_ref=1, now=now,
        )  # fmt: skip
    with pytest.raises(NotFound):
        await check_updatable(
            db=services.db, workspace_id=WORKSPACE, actor=Actor("U1"), key_result_ref=999
        )
    await check_updatable(
        db=services.db, workspace_id=WORKSPACE, actor=Actor("U1"), key_result_ref=3
    )


@pytest.mark.usefixtures("objective")
async def test_no_confidence_keeps_the_latest_one_when_asked(services: Services) -> None:
    await seed_check_in(services, 1, 20, confidence=6)
    cmd = RecordCheckIn(WORKSPACE, 1, 25, None, "", Actor("U1"), keep_confidence=True)
    result = await record_check_in(db=services.db, cmd=cmd, now=services.clock())
    assert (result.key_result.current, result.key_result.confidence) == (25, 6)
    cmd = RecordCheckIn(WORKSPACE, 2, 5, None, "", Actor("U2"), keep_confidence=True)
    result = await record_check_in(db=services.db, cmd=cmd, now=services.clock())
    assert result.key_result.confidence is None, "nothing to keep for a first check-in"
