"""A team's week, seeded through the real services, for the digest's tests at every layer.

The week ends on Monday 23 November 2026 at 09:30 in Paris (08:30 UTC), the digest's default
time. Before the week (10 Nov) KR-1 stood at 20/50 and KR-2 at 5/10, both with confidence 8.
During it (20 Nov) KR-1 reached 60 (a win and the top mover) and KR-2 moved to 6 with its
confidence down to 3 and a note; U2 never checked in KR-3, so 1 owner of 2 is done. A digest
was already posted the week before (the team is not new).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import update

from bot.domain.progress import KrKind
from bot.services.read_models import ObjectiveView, TeamView
from bot.services.runtime import Services
from storage.database import Database
from storage.models import LedgerEntry, LedgerStatus, Team
from tests.factories import WORKSPACE, kr_draft, seed_check_in, seed_objective, seed_team

#: Monday 23 November 2026, 09:30 in Paris.
DIGEST_AT = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
BEFORE_THE_WEEK = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
DURING_THE_WEEK = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SEEDED_AT = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
DROP_NOTE = "Blocked by the legal review"


@dataclass(frozen=True)
class SeededWeek:
    team: TeamView
    objectives: tuple[ObjectiveView, ...]


async def set_digest_time(
    db: Database,
    team_id: int,
    *,
    weekday: int = 0,
    at: time = time(9, 30),
    timezone: str | None = None,
) -> None:
    """The product's default digest time (the test factory's team has another)."""
    values: dict[str, object] = {"digest_weekday": weekday, "digest_time": at}
    if timezone is not None:
        values["timezone"] = timezone
    async with db.transaction() as session:
        await session.execute(update(Team).where(Team.id == team_id).values(**values))  # type: ignore[arg-type]


async def record_earlier_digest(db: Database, team_id: int, period: str = "2026-W46") -> None:
    """A digest of the team already posted (sent, in the ledger) in `period`."""
    async with db.transaction() as session:
        session.add(
            LedgerEntry(
                workspace_id=WORKSPACE,
                kind="digest",
                subject=f"team:{team_id}",
                period=period,
                status=LedgerStatus.SENT.value,
                claimed_by="seed",
                claimed_at=SEEDED_AT,
                sent_at=SEEDED_AT,
            )
        )


async def seed_week(
    services: Services,
    clock: list[datetime],
    *,
    channel_id: str = "C1",
    name: str = "Growth",
    timezone: str = "Europe/Paris",
    with_check_ins: bool = True,
    earlier_digest: bool = True,
) -> SeededWeek:
    """The team, its two objectives and three KRs, and the check-ins described above.

    With `earlier_digest` the team already had a digest posted (the week before), so the one
    of DIGEST_AT is a regular weekly digest, not the kick-off of a new team.
    `clock` is the one `services` reads; it is left at DURING_THE_WEEK."""
    clock[0] = SEEDED_AT
    team = await seed_team(services, channel_id=channel_id, name=name, timezone=timezone)
    await set_digest_time(services.db, team.id)
    first = await seed_objective(
        services,
        team,
        title="Teams love their weekly check-in",
        key_results=[
            kr_draft("Weekly active teams", target=50),
            kr_draft("Teams checking in", owner_user_id="U2", target=10),
        ],
    )
    second = await seed_objective(
        services,
        team,
        title="Ship the weekly digest",
        owner_user_id="U2",
        key_results=[
            kr_draft("Digest shipped", owner_user_id="U2", kind=KrKind.MILESTONE, target=1)
        ],
    )
    kr1, kr2 = (kr.ref for kr in first.key_results)
    if with_check_ins:
        clock[0] = BEFORE_THE_WEEK
        await seed_check_in(services, kr1, 20, confidence=8)
        await seed_check_in(services, kr2, 5, confidence=8, user_id="U2")
        clock[0] = DURING_THE_WEEK
        await seed_check_in(services, kr1, 60, confidence=8)
        await seed_check_in(services, kr2, 6, confidence=3, note=DROP_NOTE, user_id="U2")
    clock[0] = DURING_THE_WEEK
    if earlier_digest:
        await record_earlier_digest(services.db, team.id)
    return SeededWeek(team=team, objectives=(first, second))
