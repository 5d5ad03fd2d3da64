"""The North Star use cases: define and revise it, review it, show its board. Readings, API
tokens and the objectives' links to it have their own modules (`readings`, `tokens`,
`alignment`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.archetypes import Archetype
from bot.domain.cycles import quarter_of
from bot.domain.errors import N_, Markup, PermissionDenied, UserError, field_error
from bot.domain.northstar import (
    CounterMetricDraft,
    Direction,
    Drives,
    InputMetricDraft,
    NorthStarDraft,
    TimeWindow,
    may_steer,
    same_metric_name,
    target_progress,
)
from bot.domain.nsm_checklist import review_definition
from bot.domain.permissions import Actor
from bot.domain.readings import trend, value_problem
from bot.domain.refs import objective_label
from bot.services.commands import DefineNorthStar
from bot.services.read_models import (
    InputMetricView,
    MetricTrend,
    NorthStarForm,
    NorthStarReview,
    NorthStarSummary,
    NorthStarView,
    ObjectiveLink,
    RevisionView,
    SavedNorthStar,
)
from bot.services.teams import team_view
from storage import northstar as store
from storage import okrs
from storage.database import Database
from storage.models import CounterMetric, InputMetric, NorthStar, Objective, Team

NO_NORTH_STAR = N_("Your team has no North Star yet: define it with `/okr northstar define`.")
DEFINE_REFUSED = N_("Only the team lead or an admin can define the team's North Star.")
REVISE_REFUSED = N_("Only the team lead, the North Star's owner or an admin can revise it.")


def check_steering(
    actor: Actor, team: Team, north_star: NorthStar | None, refusal: str | None = None
) -> None:
    """The one guard of every path that changes a North Star or what feeds it (define, revise,
    its API tokens): `may_steer`, or PermissionDenied with `refusal` (by default, whether the
    team's first definition or a revision was refused)."""
    if may_steer(
        user_id=actor.user_id,
        is_admin=actor.is_admin,
        team_lead=team.lead_user_id,
        north_star_owner=north_star.owner_user_id if north_star else None,
    ):
        return
    raise PermissionDenied(refusal or (REVISE_REFUSED if north_star else DEFINE_REFUSED))


# --- Loading a North Star (for every North Star use case) ------------------------------------


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
        team=team_view(team),
        name=north_star.name,
        definition=north_star.definition,
        unit=north_star.unit,
        direction=Direction(north_star.direction),
        window=TimeWindow(north_star.time_window) if north_star.time_window else None,
        target=north_star.target,
        target_date=north_star.target_date,
        owner_user_id=north_star.owner_user_id,
        measured_since=north_star.measured_since,
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


def objective_link(objective: Objective) -> ObjectiveLink:
    """How an objective is shown next to the metric it drives."""
    return ObjectiveLink(
        ref=objective.ref,
        label=objective_label(objective.ref),
        title=objective.title,
        owner_user_id=objective.owner_user_id,
    )


# --- Define ---------------------------------------------------------------------------------


async def open_north_star_form(
    *, db: Database, workspace_id: str, channel_id: str, actor: Actor
) -> NorthStarForm:
    """The channel's team and its North Star, to open the define modal. Raises UserError when
    the channel has no team, PermissionDenied when `actor` may not steer it (said before the
    form is filled in, not after)."""
    async with db.transaction() as session:
        team = await store.team_of_channel(session, workspace_id, channel_id)
        assert team.id is not None
        check_steering(actor, team, await store.north_star_of_team(session, team.id))
        view = await north_star_view(session, team)
        archetype = (view.archetype if view else None) or _archetype(team.archetype)
        return NorthStarForm(team_view(team), archetype or Archetype.PRODUCT, view)


def _check_draft(draft: NorthStarDraft) -> None:
    if not draft.name.strip():
        raise field_error("name", N_("Give the North Star a name."))
    if draft.target is not None and value_problem(draft.target, draft.unit) is not None:
        raise field_error(
            "target",
            N_("{value} is not a possible value in {unit}."),
            value=draft.target,
            unit=draft.unit or "—",
        )
    names = [m.name.strip().casefold() for m in draft.inputs]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise field_error(
                f"input_{index}",
                N_("input metrics: “{name}” appears twice."),
                name=draft.inputs[index].name,
            )
    counters = [c.name.strip().casefold() for c in draft.counter_metrics]
    if len(set(counters)) != len(counters):
        raise field_error("counter_metrics", N_("counter-metrics: a name appears twice."))


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
    objectives = await store.current_objectives(session, team.id, team_view(team).today(now))
    return [objective_label(o.ref) for o in objectives if not o.drives]


async def define_north_star(*, db: Database, cmd: DefineNorthStar, now: datetime) -> SavedNorthStar:
    """Create or revise the team's North Star in one transaction and review it.

    Inputs keep their identity when edited in place (`InputMetricDraft.id`): their readings and
    linked objectives follow. Inputs left out are archived, not deleted; counter-metrics are
    replaced. Every save appends a numbered revision with the whole definition.

    Raises InvalidFields (bad field), PermissionDenied (`check_steering`),
    UserError (no team). Checklist warnings never block saving.
    """
    draft = cmd.draft
    _check_draft(draft)
    async with db.transaction() as session:
        team = await store.team_of_id(session, cmd.workspace_id, cmd.team_id)
        # Saves of one team's North Star take turns: of two first definitions side by side,
        # the second becomes revision 2 (as a moment later), never a unique violation.
        await okrs.lock(session, Team, cmd.team_id)
        north_star = await store.north_star_of_team(session, cmd.team_id)
        check_steering(cmd.actor, team, north_star)
        created = north_star is None
        if north_star is None:
            north_star = NorthStar(
                workspace_id=cmd.workspace_id,
                team_id=cmd.team_id,
                name=draft.name,
                created_at=now,
                updated_at=now,
            )
        north_star.name = draft.name.strip()
        north_star.definition = draft.definition.strip()
        north_star.unit = draft.unit.strip()
        north_star.direction = draft.direction.value
        north_star.time_window = draft.window.value if draft.window else None
        north_star.target = draft.target
        north_star.target_date = draft.target_date
        north_star.owner_user_id = draft.owner_user_id
        # Empty means no lower bound: last weeks' history can be recorded right away.
        north_star.measured_since = draft.measured_since
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
    moving = [m for m, d in zip(kept, drafts, strict=True) if m.id and m.name != d.name.strip()]
    for metric in moving:
        # Names may move between kept inputs (a swap, A→B→C): free them all first, or
        # (north_star_id, name) refuses the first move.
        metric.name = f"[#{metric.id}]"
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
        team = await store.team_of_channel(session, workspace_id, channel_id)
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
        team = await store.team_of_id(session, workspace_id, team_id)
        return await _summary(session, team, now)


async def show_north_star(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime, user_id: str | None = None
) -> NorthStarSummary:
    """`/okr northstar`: the board of the channel's team. Given `user_id` (asked in a DM, where
    no team lives), the board of that person's team when they belong to exactly one;
    otherwise a UserError that points to the team channel(s). Raises UserError without a team
    or a North Star."""
    async with db.transaction() as session:
        team = await okrs.team_by_channel(session, workspace_id, channel_id)
        if team is None:
            if user_id is None:
                raise UserError(store.NO_TEAM)
            team = await _only_team_of(session, workspace_id, user_id)
        summary = await _summary(session, team, now)
        if summary is None:
            raise UserError(NO_NORTH_STAR)
        return summary


async def _only_team_of(session: AsyncSession, workspace_id: str, user_id: str) -> Team:
    """The one team a person belongs to, or a UserError saying where to ask."""
    teams = await store.teams_of_person(session, workspace_id, user_id)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError(
            N_(
                "The North Star belongs to a team: run `/okr northstar` in your team's channel. "
                "No team there yet? `/okr team` in that channel creates one."
            )
        )
    raise UserError(
        N_("You are in several teams: run `/okr northstar` in one of their channels: {channels}."),
        channels=Markup(", ".join(f"<#{t.channel_id}>" for t in teams)),
    )


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

    def metric_trend(metric: NorthStarView | InputMetricView) -> MetricTrend:
        """The metric's trend over its readings, and the current objectives that drive it."""
        north_star = isinstance(metric, NorthStarView)
        points = [
            (r.period_start, r.value)
            for r in readings
            if (r.north_star_id if north_star else r.input_metric_id) == metric.id
        ]
        if north_star:
            drivers = [o for o in objectives if o.drives == Drives.NORTH_STAR.value]
        else:
            drivers = [
                o
                for o in objectives
                if o.drives == Drives.INPUT_METRIC.value and o.input_metric_id == metric.id
            ]
        return MetricTrend(
            id=metric.id,
            name=metric.name,
            unit=metric.unit,
            direction=metric.direction,
            owner_user_id=metric.owner_user_id,
            trend=trend(points, window=view.window, today=today, cycle_start=cycle_start),
            objectives=tuple(objective_link(o) for o in drivers),
        )

    metric = metric_trend(view)
    inputs = tuple(metric_trend(m) for m in view.inputs)
    unlinked = tuple(objective_link(o) for o in objectives if not o.drives)
    review = review_definition(view.draft(), unlinked_objectives=[o.label for o in unlinked])
    return NorthStarSummary(
        team=ref,
        north_star=view,
        metric=metric,
        progress=target_progress(
            first=metric.trend.first,
            current=metric.trend.current,
            target=view.target,
            direction=view.direction,
        ),
        cycle_key=cycle_key,
        inputs=inputs,
        health=tuple(objective_link(o) for o in objectives if o.drives == Drives.HEALTH.value),
        unlinked=unlinked,
        warnings=review.warnings,
    )
