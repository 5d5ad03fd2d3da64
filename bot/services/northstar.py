"""The North Star use cases: define and revise it, review it, show it, align objectives with
it, and manage the API tokens that feed it readings."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.archetypes import Archetype
from bot.domain.cycles import quarter_of
from bot.domain.errors import N_, NotFound, PermissionDenied, UserError
from bot.domain.northstar import (
    CounterMetricDraft,
    Direction,
    Drives,
    FieldProblem,
    InputMetricDraft,
    NorthStarDraft,
    Review,
    TimeWindow,
    Trend,
    may_steer,
    names_north_star,
    review_definition,
    same_metric_name,
    target_progress,
    trend,
    value_problem,
)
from bot.domain.permissions import Actor
from bot.domain.refs import objective_label
from storage import northstar as store
from storage import okrs as okrs_store
from storage.database import Database
from storage.models import ApiToken, CounterMetric, InputMetric, NorthStar, Objective, Team

NO_TEAM = N_("This channel has no team yet: run `/okr team` here first.")
NO_NORTH_STAR = N_("Your team has no North Star yet: define it with `/okr northstar define`.")


# --- Read models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRef:
    id: int
    workspace_id: str
    name: str
    channel_id: str
    archetype: str
    timezone: str
    lead_user_id: str | None

    def today(self, now: datetime) -> date:
        """Today on the team's calendar."""
        try:
            return now.astimezone(ZoneInfo(self.timezone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            return now.date()


@dataclass(frozen=True)
class InputMetricView:
    id: int
    name: str
    definition: str
    unit: str
    direction: Direction
    owner_user_id: str | None


@dataclass(frozen=True)
class NorthStarView:
    """A team's North Star as currently defined, with its inputs and counter-metrics."""

    id: int
    team: TeamRef
    name: str
    definition: str
    unit: str
    direction: Direction
    window: TimeWindow | None
    target: float | None
    target_date: date | None
    owner_user_id: str | None
    measured_since: date
    archetype: Archetype | None
    template: str | None
    revision: int
    revised_by: str | None
    revised_at: datetime
    counter_metrics: tuple[CounterMetricDraft, ...]
    inputs: tuple[InputMetricView, ...]

    def draft(self) -> NorthStarDraft:
        return NorthStarDraft(
            name=self.name,
            definition=self.definition,
            unit=self.unit,
            direction=self.direction,
            window=self.window,
            target=self.target,
            target_date=self.target_date,
            owner_user_id=self.owner_user_id,
            measured_since=self.measured_since,
            archetype=self.archetype,
            template=self.template,
            counter_metrics=self.counter_metrics,
            inputs=tuple(
                InputMetricDraft(m.name, m.definition, m.owner_user_id, m.direction, m.id)
                for m in self.inputs
            ),
        )


@dataclass(frozen=True)
class NorthStarForm:
    """What the define modal starts from: the team and its current North Star, if any."""

    team: TeamRef
    archetype: Archetype
    north_star: NorthStarView | None


@dataclass(frozen=True)
class SavedNorthStar:
    north_star: NorthStarView
    review: Review
    created: bool


@dataclass(frozen=True)
class RevisionView:
    number: int
    name: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class NorthStarReview:
    north_star: NorthStarView
    review: Review
    revisions: tuple[RevisionView, ...]


@dataclass(frozen=True)
class ObjectiveLink:
    ref: int
    label: str
    title: str
    owner_user_id: str


@dataclass(frozen=True)
class MetricTrend:
    """One metric on the North Star's board: its trend and the objectives that drive it."""

    id: int
    name: str
    unit: str
    direction: Direction
    owner_user_id: str | None
    trend: Trend
    objectives: tuple[ObjectiveLink, ...]


@dataclass(frozen=True)
class NorthStarSummary:
    """Everything `/okr northstar`, the Home tab and the digest show about a North Star."""

    team: TeamRef
    north_star: NorthStarView
    metric: MetricTrend
    progress: float | None
    cycle_key: str
    inputs: tuple[MetricTrend, ...]
    health: tuple[ObjectiveLink, ...]
    unlinked: tuple[ObjectiveLink, ...]
    warnings: int


@dataclass(frozen=True)
class LinkedObjective:
    objective: ObjectiveLink
    drives: Drives
    metric_name: str | None


@dataclass(frozen=True)
class NewApiToken:
    """A freshly created token: `token` is shown once and never stored in clear."""

    token: str
    prefix: str
    team: TeamRef


@dataclass(frozen=True)
class ApiTokenView:
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


# --- Typed commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class DefineNorthStar:
    """Create the team's North Star, or revise it (the former definition stays in history)."""

    workspace_id: str
    team_id: int
    draft: NorthStarDraft
    actor: Actor


# --- Helpers shared with the readings service -----------------------------------------------


def team_ref(team: Team) -> TeamRef:
    assert team.id is not None
    return TeamRef(
        id=team.id,
        workspace_id=team.workspace_id,
        name=team.name,
        channel_id=team.channel_id,
        archetype=team.archetype,
        timezone=team.timezone,
        lead_user_id=team.lead_user_id,
    )


async def team_of_channel(session: AsyncSession, workspace_id: str, channel_id: str) -> Team:
    team = await okrs_store.team_by_channel(session, workspace_id, channel_id)
    if team is None:
        raise UserError(NO_TEAM)
    return team


async def team_of_id(session: AsyncSession, workspace_id: str, team_id: int) -> Team:
    team = await okrs_store.team_by_id(session, workspace_id, team_id)
    if team is None:
        raise NotFound(N_("This team no longer exists."))
    return team


async def north_star_view(session: AsyncSession, team: Team) -> NorthStarView | None:
    """The team's North Star with its live inputs and counter-metrics, or None."""
    assert team.id is not None
    north_star = await store.north_star_of_team(session, team.id)
    if north_star is None:
        return None
    assert north_star.id is not None
    inputs = await store.input_metrics(session, north_star.id)
    counters = await store.counter_metrics(session, north_star.id)
    history = await store.revisions(session, north_star.id)
    latest = history[-1] if history else None
    return NorthStarView(
        id=north_star.id,
        team=team_ref(team),
        name=north_star.name,
        definition=north_star.definition,
        unit=north_star.unit,
        direction=Direction(north_star.direction),
        window=TimeWindow(north_star.time_window) if north_star.time_window else None,
        target=north_star.target,
        target_date=north_star.target_date,
        owner_user_id=north_star.owner_user_id,
        measured_since=north_star.measured_since or north_star.created_at.date(),
        archetype=_archetype(latest.archetype if latest else team.archetype),
        template=latest.template if latest else None,
        revision=latest.number if latest else 0,
        revised_by=latest.created_by if latest else None,
        revised_at=latest.created_at if latest else north_star.updated_at,
        counter_metrics=tuple(CounterMetricDraft(c.name, c.definition) for c in counters),
        inputs=tuple(_input_view(m) for m in inputs),
    )


def _input_view(metric: InputMetric) -> InputMetricView:
    assert metric.id is not None
    return InputMetricView(
        id=metric.id,
        name=metric.name,
        definition=metric.definition,
        unit=metric.unit,
        direction=Direction(metric.direction),
        owner_user_id=metric.owner_user_id,
    )


def _archetype(value: str | None) -> Archetype | None:
    try:
        return Archetype(value) if value else None
    except ValueError:
        return None


async def require_north_star(session: AsyncSession, team: Team) -> NorthStarView:
    view = await north_star_view(session, team)
    if view is None:
        raise UserError(NO_NORTH_STAR)
    return view


def _link(objective: Objective) -> ObjectiveLink:
    return ObjectiveLink(
        ref=objective.ref,
        label=objective_label(objective.ref),
        title=objective.title,
        owner_user_id=objective.owner_user_id,
    )


# --- Define ---------------------------------------------------------------------------------


async def open_north_star_form(
    *, db: Database, workspace_id: str, channel_id: str
) -> NorthStarForm:
    """The channel's team and its North Star, to open the define modal. Raises UserError when
    the channel has no team."""
    async with db.transaction() as session:
        team = await team_of_channel(session, workspace_id, channel_id)
        view = await north_star_view(session, team)
        archetype = (view.archetype if view else None) or _archetype(team.archetype)
        return NorthStarForm(team_ref(team), archetype or Archetype.PRODUCT, view)


def _check_draft(draft: NorthStarDraft) -> None:
    if not draft.name.strip():
        raise FieldProblem("name", N_("name: give the North Star a name."))
    if draft.target is not None and value_problem(draft.target, draft.unit) is not None:
        raise FieldProblem(
            "target",
            N_("target: {value} is not a possible value in {unit}."),
            value=draft.target,
            unit=draft.unit or "—",
        )
    names = [m.name.strip().casefold() for m in draft.inputs]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise FieldProblem(
                f"input_{index}",
                N_("input metrics: “{name}” appears twice."),
                name=draft.inputs[index].name,
            )
    counters = [c.name.strip().casefold() for c in draft.counter_metrics]
    if len(set(counters)) != len(counters):
        raise FieldProblem("counter_metrics", N_("counter-metrics: a name appears twice."))


def _snapshot(draft: NorthStarDraft, input_ids: list[int]) -> dict[str, Any]:
    return {
        "name": draft.name,
        "definition": draft.definition,
        "unit": draft.unit,
        "direction": draft.direction.value,
        "window": draft.window.value if draft.window else None,
        "target": draft.target,
        "target_date": draft.target_date.isoformat() if draft.target_date else None,
        "owner": draft.owner_user_id,
        "measured_since": draft.measured_since.isoformat() if draft.measured_since else None,
        "counter_metrics": [
            {"name": c.name, "definition": c.definition} for c in draft.counter_metrics
        ],
        "inputs": [
            {
                "id": metric_id,
                "name": m.name,
                "definition": m.definition,
                "owner": m.owner_user_id,
                "direction": m.direction.value,
            }
            for metric_id, m in zip(input_ids, draft.inputs, strict=True)
        ],
    }


async def _unlinked_labels(session: AsyncSession, team: Team, now: datetime) -> list[str]:
    assert team.id is not None
    objectives = await store.current_objectives(session, team.id, team_ref(team).today(now))
    return [objective_label(o.ref) for o in objectives if not o.drives]


async def define_north_star(*, db: Database, cmd: DefineNorthStar, now: datetime) -> SavedNorthStar:
    """Create or revise the team's North Star in one transaction and review it.

    Inputs keep their identity when edited in place (`InputMetricDraft.id`): their readings and
    linked objectives follow. Inputs left out are archived, not deleted; counter-metrics are
    replaced. Every save appends a numbered revision with the whole definition.

    Raises FieldProblem (bad field), PermissionDenied (revising someone else's North Star),
    UserError (no team). Checklist warnings never block saving.
    """
    draft = cmd.draft
    _check_draft(draft)
    async with db.transaction() as session:
        team = await team_of_id(session, cmd.workspace_id, cmd.team_id)
        north_star = await store.north_star_of_team(session, cmd.team_id)
        created = north_star is None
        if north_star is None:
            north_star = NorthStar(
                workspace_id=cmd.workspace_id,
                team_id=cmd.team_id,
                name=draft.name,
                created_at=now,
                updated_at=now,
            )
        elif not may_steer(
            user_id=cmd.actor.user_id,
            is_admin=cmd.actor.is_admin,
            team_lead=team.lead_user_id,
            north_star_owner=north_star.owner_user_id,
        ):
            raise PermissionDenied(
                N_("Only the team lead, the North Star's owner or an admin can revise it.")
            )
        north_star.name = draft.name.strip()
        north_star.definition = draft.definition.strip()
        north_star.unit = draft.unit.strip()
        north_star.direction = draft.direction.value
        north_star.time_window = draft.window.value if draft.window else None
        north_star.target = draft.target
        north_star.target_date = draft.target_date
        north_star.owner_user_id = draft.owner_user_id
        north_star.measured_since = draft.measured_since or north_star.measured_since or now.date()
        north_star.updated_at = now
        session.add(north_star)
        await session.flush()
        assert north_star.id is not None
        input_ids = await _save_inputs(session, north_star, draft.inputs, now)
        await _save_counter_metrics(session, north_star, draft.counter_metrics, now)
        await store.add_revision(
            session,
            north_star=north_star,
            archetype=draft.archetype.value if draft.archetype else None,
            template=draft.template,
            definition=_snapshot(draft, input_ids),
            created_by=cmd.actor.user_id,
            now=now,
        )
        view = await north_star_view(session, team)
        assert view is not None
        review = review_definition(
            view.draft(), unlinked_objectives=await _unlinked_labels(session, team, now)
        )
        return SavedNorthStar(view, review, created)


async def _save_inputs(
    session: AsyncSession,
    north_star: NorthStar,
    drafts: tuple[InputMetricDraft, ...],
    now: datetime,
) -> list[int]:
    assert north_star.id is not None
    everyone = await store.input_metrics(session, north_star.id, include_archived=True)
    by_id = {m.id: m for m in everyone}
    kept: list[InputMetric] = []
    for draft in drafts:
        metric = by_id.get(draft.id) if draft.id is not None else None
        if metric is None:
            # A name used before (perhaps archived) comes back with its history.
            metric = next((m for m in everyone if same_metric_name(m.name, draft.name)), None)
        if metric is None or any(metric is other for other in kept):
            metric = InputMetric(
                workspace_id=north_star.workspace_id,
                north_star_id=north_star.id,
                name=draft.name,
                created_at=now,
            )
        kept.append(metric)
    wanted_names = {d.name.strip().casefold() for d in drafts}
    for metric in everyone:
        if any(metric is other for other in kept):
            continue
        if metric.archived_at is None:
            metric.archived_at = now
        if metric.name.casefold() in wanted_names:
            # (north_star_id, name) is unique: an archived row gives its name to the new one.
            metric.name = f"{metric.name} [#{metric.id}]"
        session.add(metric)
    await session.flush()
    for metric, draft in zip(kept, drafts, strict=True):
        metric.name = draft.name.strip()
        metric.definition = draft.definition.strip()
        metric.owner_user_id = draft.owner_user_id
        metric.direction = draft.direction.value
        metric.archived_at = None
        session.add(metric)
        await session.flush()
    return [m.id for m in kept if m.id is not None]


async def _save_counter_metrics(
    session: AsyncSession,
    north_star: NorthStar,
    drafts: tuple[CounterMetricDraft, ...],
    now: datetime,
) -> None:
    assert north_star.id is not None
    existing = {c.name.casefold(): c for c in await store.counter_metrics(session, north_star.id)}
    wanted = {d.name.strip().casefold(): d for d in drafts}
    for key, counter in existing.items():
        if key not in wanted:
            await session.delete(counter)
    await session.flush()
    for key, draft in wanted.items():
        counter = existing.get(key) or CounterMetric(
            workspace_id=north_star.workspace_id,
            north_star_id=north_star.id,
            name=draft.name.strip(),
            created_at=now,
        )
        counter.definition = draft.definition.strip()
        session.add(counter)
    await session.flush()


# --- Review ---------------------------------------------------------------------------------


async def review_north_star(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> NorthStarReview:
    """The checklist on the channel team's current North Star, with its revision history."""
    async with db.transaction() as session:
        team = await team_of_channel(session, workspace_id, channel_id)
        view = await require_north_star(session, team)
        review = review_definition(
            view.draft(), unlinked_objectives=await _unlinked_labels(session, team, now)
        )
        history = await store.revisions(session, view.id)
        return NorthStarReview(
            view,
            review,
            tuple(
                RevisionView(
                    r.number, str(r.definition.get("name", "")), r.created_by, r.created_at
                )
                for r in history
            ),
        )


# --- Show -----------------------------------------------------------------------------------


async def north_star_summary(
    *, db: Database, workspace_id: str, team_id: int, now: datetime
) -> NorthStarSummary | None:
    """The team's North Star board (value, deltas, sparkline, progress, inputs with their
    trends and objectives), or None when the team has no North Star. For the Home tab and the
    digest. Raises NotFound for a team that is not in the workspace."""
    async with db.transaction() as session:
        team = await team_of_id(session, workspace_id, team_id)
        return await _summary(session, team, now)


async def show_north_star(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> NorthStarSummary:
    """`/okr northstar`: the board of the channel's team. Raises UserError without a team or a
    North Star."""
    async with db.transaction() as session:
        team = await team_of_channel(session, workspace_id, channel_id)
        summary = await _summary(session, team, now)
        if summary is None:
            raise UserError(NO_NORTH_STAR)
        return summary


async def _summary(session: AsyncSession, team: Team, now: datetime) -> NorthStarSummary | None:
    view = await north_star_view(session, team)
    if view is None:
        return None
    ref = view.team
    today = ref.today(now)
    cycle = await store.cycle_containing(session, team.workspace_id, today)
    cycle_start, cycle_key = (
        (cycle.starts_on, cycle.key)
        if cycle
        else (quarter_of(today).starts_on, quarter_of(today).key)
    )
    readings = await store.readings_of(
        session, north_star_id=view.id, input_metric_ids=[m.id for m in view.inputs]
    )
    objectives = await store.current_objectives(session, ref.id, today)

    def trend_of(*, north_star: bool, metric_id: int) -> Trend:
        points = [
            (r.period_start, r.value)
            for r in readings
            if (r.north_star_id == metric_id if north_star else r.input_metric_id == metric_id)
        ]
        return trend(points, window=view.window, today=today, cycle_start=cycle_start)

    nsm_trend = trend_of(north_star=True, metric_id=view.id)
    metric = MetricTrend(
        id=view.id,
        name=view.name,
        unit=view.unit,
        direction=view.direction,
        owner_user_id=view.owner_user_id,
        trend=nsm_trend,
        objectives=tuple(_link(o) for o in objectives if o.drives == Drives.NORTH_STAR.value),
    )
    inputs = tuple(
        MetricTrend(
            id=m.id,
            name=m.name,
            unit=m.unit,
            direction=m.direction,
            owner_user_id=m.owner_user_id,
            trend=trend_of(north_star=False, metric_id=m.id),
            objectives=tuple(
                _link(o)
                for o in objectives
                if o.drives == Drives.INPUT_METRIC.value and o.input_metric_id == m.id
            ),
        )
        for m in view.inputs
    )
    unlinked = tuple(_link(o) for o in objectives if not o.drives)
    review = review_definition(view.draft(), unlinked_objectives=[o.label for o in unlinked])
    return NorthStarSummary(
        team=ref,
        north_star=view,
        metric=metric,
        progress=target_progress(
            first=nsm_trend.first,
            current=nsm_trend.current,
            target=view.target,
            direction=view.direction,
        ),
        cycle_key=cycle_key,
        inputs=inputs,
        health=tuple(_link(o) for o in objectives if o.drives == Drives.HEALTH.value),
        unlinked=unlinked,
        warnings=review.warnings,
    )


# --- Align ----------------------------------------------------------------------------------


async def link_objective(
    *,
    db: Database,
    workspace_id: str,
    objective_ref: int,
    drives: Drives,
    input_metric_name: str | None = None,
    input_metric_id: int | None = None,
    actor: Actor,
    now: datetime,
) -> LinkedObjective:
    """Declare what objective O-<ref> drives: its team's North Star, one of its inputs (by
    name or id), or health (explicitly not aimed at the North Star).

    Only the objective's owner, its team lead or an admin may link it. Raises NotFound (no
    such objective), FieldProblem (`metric`: unknown input), UserError (no North Star to
    drive), PermissionDenied.
    """
    async with db.transaction() as session:
        objective = await store.objective_by_ref(session, workspace_id, objective_ref)
        if objective is None:
            raise NotFound(
                N_("There is no objective {label}."), label=objective_label(objective_ref)
            )
        team = await team_of_id(session, workspace_id, objective.team_id)
        if not (
            actor.is_admin
            or actor.user_id in {objective.owner_user_id, team.lead_user_id}
            or team.lead_user_id is None
        ):
            raise PermissionDenied(
                N_("Only the objective's owner, the team lead or an admin can link it.")
            )
        metric_name: str | None = None
        metric_id: int | None = None
        if drives is not Drives.HEALTH:
            view = await require_north_star(session, team)
            metric_name = view.name
            if drives is Drives.INPUT_METRIC:
                metric = _find_input(view, input_metric_name, input_metric_id)
                metric_name, metric_id = metric.name, metric.id
        objective.drives = drives.value
        objective.input_metric_id = metric_id
        objective.updated_at = now
        session.add(objective)
        return LinkedObjective(_link(objective), drives, metric_name)


def _find_input(view: NorthStarView, name: str | None, metric_id: int | None) -> InputMetricView:
    for metric in view.inputs:
        if metric_id is not None and metric.id == metric_id:
            return metric
        if name is not None and same_metric_name(metric.name, name):
            return metric
    raise FieldProblem(
        "metric",
        N_("metric: no input metric named “{name}”. The inputs are: {known}."),
        name=name or str(metric_id),
        known=", ".join(m.name for m in view.inputs) or "—",
    )


def parse_drives(text: str) -> Drives | None:
    """`nsm`/`north star` → NORTH_STAR, `health`/`santé` → HEALTH, anything else None (an
    input metric's name)."""
    if names_north_star(text):
        return Drives.NORTH_STAR
    if text.strip().casefold() in {"health", "santé", "sante"}:
        return Drives.HEALTH
    return None


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "polaris_"
#: How many characters of a token are kept in clear to tell tokens apart.
SHOWN_PREFIX_LENGTH = 14


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are 256-bit random, so a fast hash is enough (no salt)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _steerable_team(
    session: AsyncSession, workspace_id: str, channel_id: str, actor: Actor
) -> Team:
    team = await team_of_channel(session, workspace_id, channel_id)
    assert team.id is not None
    north_star = await store.north_star_of_team(session, team.id)
    if not may_steer(
        user_id=actor.user_id,
        is_admin=actor.is_admin,
        team_lead=team.lead_user_id,
        north_star_owner=north_star.owner_user_id if north_star else None,
    ):
        raise PermissionDenied(
            N_("Only the team lead, the North Star's owner or an admin can manage API tokens.")
        )
    return team


async def create_api_token(
    *, db: Database, workspace_id: str, channel_id: str, actor: Actor, now: datetime
) -> NewApiToken:
    """A new bearer token for the channel team's readings API; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        session.add(
            ApiToken(
                workspace_id=workspace_id,
                team_id=team.id,
                token_hash=hash_token(token),
                prefix=token[:SHOWN_PREFIX_LENGTH],
                created_by=actor.user_id,
                created_at=now,
            )
        )
        return NewApiToken(token, token[:SHOWN_PREFIX_LENGTH], team_ref(team))


async def list_api_tokens(
    *, db: Database, workspace_id: str, channel_id: str, actor: Actor
) -> list[ApiTokenView]:
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        return [
            ApiTokenView(t.prefix, t.created_by, t.created_at, t.last_used_at, t.revoked_at)
            for t in await store.tokens_of_team(session, team.id)
        ]


async def revoke_api_token(
    *, db: Database, workspace_id: str, channel_id: str, prefix: str, actor: Actor, now: datetime
) -> list[str]:
    """Revoke the team's live tokens starting with `prefix` (`all` revokes every one); returns
    the prefixes revoked. Raises NotFound when none matches."""
    async with db.transaction() as session:
        team = await _steerable_team(session, workspace_id, channel_id, actor)
        assert team.id is not None
        wanted = prefix.strip()
        revoked: list[str] = []
        for token in await store.tokens_of_team(session, team.id):
            if token.revoked_at is None and (
                wanted.casefold() == "all" or (len(wanted) >= 8 and token.prefix.startswith(wanted))
            ):
                token.revoked_at = now
                session.add(token)
                revoked.append(token.prefix)
        if not revoked:
            raise NotFound(
                N_("No live API token of this team starts with “{prefix}”."), prefix=wanted
            )
        return revoked
