"""Who may steer a team's North Star, on every path that changes it or what feeds it, over real
HTTP: the team lead, the North Star's owner and workspace admins may; a plain member may not,
not even for the first definition (they would become its owner and mint its tokens). And
what the lead saves goes through, names moving between inputs included."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.domain.permissions import Actor
from bot.i18n import translator
from bot.services.tokens import create_api_token
from handlers.ui.northstar_define import build_define_modal
from storage.database import Database
from storage.models import ApiToken, InputMetric, NorthStar
from tests.conftest import PolarisServer, ack_json
from tests.northstar_factories import WORKSPACE, define, make_objective, make_team, product_draft
from tests.slack_forms import view_submission

LEAD, OWNER, MEMBER, ADMIN = "ULEAD", "UOWN", "UMEM", "UADM"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REFUSED = "Only the team lead"


@pytest.fixture
async def people(polaris: PolarisServer) -> PolarisServer:
    for user in (LEAD, OWNER, MEMBER):
        polaris.fake.add_user(user)
    polaris.fake.add_user(ADMIN, is_admin=True)
    return polaris


async def a_team(db: Database, *, lead: str | None, north_star: bool) -> int:
    """Team "Growth" in C1, with a North Star owned by OWNER if asked (defined by an admin)."""
    team_id = await make_team(db, lead_user_id=lead)
    if north_star:
        await define(db, team_id, product_draft(owner_user_id=OWNER), actor=Actor(ADMIN, True))
    return team_id


async def submit_definition(polaris: PolarisServer, team_id: int, user: str) -> dict:
    """`user` saves the define modal (the first definition or a revision), owner: themselves."""
    modal = build_define_modal(
        translator("en"), product_draft(owner_user_id=user), channel_id="C1", team_id=team_id
    ).to_dict()
    payload = view_submission({"id": "V1", "hash": "h", **modal}, {}, user_id=user)
    return ack_json(await polaris.interaction(payload))


async def owners(db: Database) -> list[str | None]:
    async with db.transaction() as session:
        return [n.owner_user_id for n in (await session.scalars(select(NorthStar))).all()]


async def live_tokens(db: Database) -> int:
    async with db.transaction() as session:
        tokens = (await session.scalars(select(ApiToken))).all()
        return sum(1 for t in tokens if t.revoked_at is None)


@pytest.mark.parametrize(
    ("lead", "user", "allowed"),
    [
        (LEAD, MEMBER, False),
        (LEAD, LEAD, True),
        (LEAD, ADMIN, True),
        (None, MEMBER, False),  # a team without a lead is steered by its admins
        (None, ADMIN, True),
    ],
)
async def test_the_first_definition(
    people: PolarisServer, db: Database, lead: str | None, user: str, allowed: bool
) -> None:
    team_id = await a_team(db, lead=lead, north_star=False)
    answer = await submit_definition(people, team_id, user)
    if allowed:
        assert answer["response_action"] == "update"
        assert await owners(db) == [user]
    else:
        assert answer["response_action"] == "errors"
        assert "Only the team lead or an admin can define" in json.dumps(answer["errors"])
        assert await owners(db) == []


@pytest.mark.parametrize(
    ("user", "allowed"), [(MEMBER, False), (LEAD, True), (OWNER, True), (ADMIN, True)]
)
async def test_a_revision(people: PolarisServer, db: Database, user: str, allowed: bool) -> None:
    team_id = await a_team(db, lead=LEAD, north_star=True)
    answer = await submit_definition(people, team_id, user)
    assert answer["response_action"] == ("update" if allowed else "errors")
    assert await owners(db) == [user if allowed else OWNER]


@pytest.mark.parametrize(
    ("north_star", "user", "allowed"),
    [
        (False, MEMBER, False),
        (False, LEAD, True),
        (False, ADMIN, True),
        (True, MEMBER, False),
        (True, OWNER, True),
    ],
)
async def test_opening_the_define_modal(
    people: PolarisServer, db: Database, north_star: bool, user: str, allowed: bool
) -> None:
    await a_team(db, lead=LEAD, north_star=north_star)
    await people.command("northstar define", user_id=user)
    if allowed:
        await people.fake.wait_for("views.open")
    else:
        [said] = await people.fake.wait_for(f"response_url:{user}")
        assert REFUSED in said.args["text"]
        assert people.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("lead", "user", "allowed"),
    [
        (LEAD, MEMBER, False),
        (LEAD, LEAD, True),
        (LEAD, OWNER, True),
        (LEAD, ADMIN, True),
        (None, MEMBER, False),
        (None, ADMIN, True),
    ],
)
@pytest.mark.parametrize(("words", "change"), [("new", 1), ("list", 0), ("revoke all", -1)])
async def test_api_tokens(
    people: PolarisServer,
    db: Database,
    lead: str | None,
    user: str,
    allowed: bool,
    words: str,
    change: int,
) -> None:
    await a_team(db, lead=lead, north_star=True)
    await create_api_token(
        db=db, workspace_id=WORKSPACE, channel_id="C1", actor=Actor(ADMIN, True), now=NOW
    )
    await people.command(f"northstar token {words}", user_id=user)
    [said] = await people.fake.wait_for(f"response_url:{user}")
    assert (REFUSED in said.args["text"]) is not allowed
    assert await live_tokens(db) == 1 + (change if allowed else 0)


@pytest.mark.parametrize(
    ("lead", "user", "allowed"),
    [
        (LEAD, MEMBER, False),
        (LEAD, LEAD, True),
        (LEAD, OWNER, True),  # here: the objective's owner
        (None, MEMBER, False),
        (None, ADMIN, True),
    ],
)
async def test_linking_an_objective_to_it(
    people: PolarisServer, db: Database, lead: str | None, user: str, allowed: bool
) -> None:
    team_id = await a_team(db, lead=lead, north_star=True)
    await make_objective(db, team_id=team_id, ref=1, title="Activate faster", owner=OWNER)
    await people.command("northstar link O-1 nsm", user_id=user)
    [said] = await people.fake.wait_for(f"response_url:{user}")
    assert ("Only the objective's owner" in said.args["text"]) is not allowed


async def test_the_lead_swaps_two_input_names_in_the_modal(
    people: PolarisServer, db: Database
) -> None:
    """Names moving between inputs in one save (both databases answered 500)."""
    await a_team(db, lead=LEAD, north_star=True)
    await people.command("northstar define", user_id=LEAD)
    [opened] = await people.fake.wait_for("views.open")
    form = {"id": "V1", "hash": "h", **opened.args["view"]}
    swapped = {
        "ns_input_name_0": "Sessions per active user",
        "ns_input_name_1": "New users activated",
    }
    answer = ack_json(await people.interaction(view_submission(form, swapped, user_id=LEAD)))
    assert answer["response_action"] == "update", answer
    async with db.transaction() as session:
        names = [m.name for m in (await session.scalars(select(InputMetric).order_by("id"))).all()]
    assert names[:2] == ["Sessions per active user", "New users activated"]
