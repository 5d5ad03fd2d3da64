"""The North Star's pure rules: checklist, templates, periods, sane values, trends."""

from __future__ import annotations

import math
from datetime import date

import pytest

from bot.domain.archetypes import Archetype
from bot.domain.northstar import (
    CounterMetricDraft,
    Direction,
    InputMetricDraft,
    NorthStarDraft,
    TimeWindow,
    may_steer,
    names_north_star,
    target_progress,
)
from bot.domain.nsm_checklist import (
    Finding,
    Question,
    Verdict,
    is_revenue_alone,
    review_definition,
    vanity_word,
)
from bot.domain.nsm_templates import TEMPLATES, templates_for
from bot.domain.readings import (
    DateProblem,
    ValueProblem,
    date_problem,
    last_periods,
    period_start,
    shift_period,
    trend,
    value_problem,
)

OWNED = tuple(InputMetricDraft(f"Input {i}", owner_user_id="U1") for i in range(3))
GOOD = NorthStarDraft(
    name="Weekly sessions rated 4/5 or more",
    definition="Sessions completed in the week and rated at least 4 out of 5.",
    unit="sessions",
    window=TimeWindow.WEEK,
    counter_metrics=(CounterMetricDraft("Support tickets"),),
    inputs=OWNED,
)


def findings(draft: NorthStarDraft, unlinked: tuple[str, ...] = ()) -> set[Finding]:
    return {f.finding for f in review_definition(draft, unlinked_objectives=unlinked).findings}


def test_a_good_definition_passes_what_polaris_can_check() -> None:
    review = review_definition(GOOD)
    assert review.warnings == 0
    verdicts = {q.question: q.verdict for q in review.questions}
    assert list(verdicts) == list(Question)
    assert verdicts[Question.CUSTOMER_VALUE] is Verdict.JUDGE
    assert {verdicts[q] for q in Question if q is not Question.CUSTOMER_VALUE} == {Verdict.PASS}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "Signups"}, {Finding.VANITY_WORD}),
        ({"name": "Registered users"}, {Finding.VANITY_WORD}),
        ({"name": "Page views per week"}, {Finding.VANITY_WORD}),
        ({"name": "DAU/MAU"}, {Finding.VANITY_WORD}),
        ({"name": "Monthly DAU"}, {Finding.VANITY_WORD}),
        ({"name": "Twitter followers"}, {Finding.VANITY_WORD}),
        ({"name": "App downloads"}, {Finding.VANITY_WORD}),
        ({"name": "Nombre d'inscriptions"}, {Finding.VANITY_WORD}),
        ({"name": "Pages vues"}, {Finding.VANITY_WORD}),
        ({"name": "Téléchargements"}, {Finding.VANITY_WORD}),
        ({"name": "Revenue"}, {Finding.REVENUE_ALONE}),
        ({"name": "Chiffre d'affaires mensuel"}, {Finding.REVENUE_ALONE}),
        ({"name": "Recurring revenue per priority segment"}, set()),
        ({"name": "Mauve widgets shipped"}, set()),  # "mau" inside a word is no vanity
        ({"definition": ""}, {Finding.NO_DEFINITION}),
        ({"definition": "x" * 281}, {Finding.LONG_DEFINITION}),
        ({"window": None}, {Finding.NO_TIME_WINDOW}),
        ({"counter_metrics": ()}, {Finding.NO_COUNTER_METRIC}),
        ({"inputs": OWNED[:2]}, {Finding.TOO_FEW_INPUTS}),
        ({"inputs": ()}, {Finding.TOO_FEW_INPUTS}),
        (
            {"inputs": (*OWNED, InputMetricDraft("Nobody's"))},
            {Finding.INPUTS_WITHOUT_OWNER},
        ),
        (
            {"name": "Signups", "window": None, "counter_metrics": (), "inputs": ()},
            {
                Finding.VANITY_WORD,
                Finding.NO_TIME_WINDOW,
                Finding.NO_COUNTER_METRIC,
                Finding.TOO_FEW_INPUTS,
            },
        ),
    ],
)
def test_checklist_rules(change: dict[str, object], expected: set[Finding]) -> None:
    draft = NorthStarDraft(**{**GOOD.__dict__, **change})  # type: ignore[arg-type]
    assert findings(draft) == expected


def test_objectives_linked_to_nothing_warn_about_the_strategy() -> None:
    review = review_definition(GOOD, unlinked_objectives=["O-4", "O-7"])
    [strategy] = [q for q in review.questions if q.question is Question.STRATEGY]
    assert strategy.verdict is Verdict.WARN
    assert strategy.findings[0].values == {"refs": "O-4, O-7"}


@pytest.mark.parametrize(
    ("finding", "question"),
    [
        (Finding.VANITY_WORD, Question.NOT_VANITY),
        (Finding.NO_COUNTER_METRIC, Question.NOT_VANITY),
        (Finding.NO_TIME_WINDOW, Question.MEASURABLE),
        (Finding.TOO_FEW_INPUTS, Question.ACTIONABLE),
        (Finding.INPUTS_WITHOUT_OWNER, Question.ACTIONABLE),
        (Finding.REVENUE_ALONE, Question.LEADING),
    ],
)
def test_each_warning_lands_on_its_question(finding: Finding, question: Question) -> None:
    drafts = {
        Finding.VANITY_WORD: {"name": "Signups"},
        Finding.NO_COUNTER_METRIC: {"counter_metrics": ()},
        Finding.NO_TIME_WINDOW: {"window": None},
        Finding.TOO_FEW_INPUTS: {"inputs": OWNED[:1]},
        Finding.INPUTS_WITHOUT_OWNER: {"inputs": (*OWNED, InputMetricDraft("x"))},
        Finding.REVENUE_ALONE: {"name": "Revenue"},
    }
    draft = NorthStarDraft(**{**GOOD.__dict__, **drafts[finding]})  # type: ignore[arg-type]
    [result] = [q for q in review_definition(draft).questions if q.question is question]
    assert result.verdict is Verdict.WARN
    assert finding in {f.finding for f in result.findings}


def test_vanity_word_reports_the_word() -> None:
    assert vanity_word("Weekly signups") == "signups"
    assert vanity_word("Weekly active teams") is None
    assert not is_revenue_alone("Average basket revenue")


def test_every_archetype_has_templates_from_the_seed() -> None:
    assert {t.archetype for t in TEMPLATES} == set(Archetype)
    assert len(templates_for(Archetype.PRODUCT)) == 3
    for template in TEMPLATES:
        assert len(template.inputs) == 3
        assert len(template.name) <= 75  # a Slack option's text


@pytest.mark.parametrize(
    ("day", "window", "start"),
    [
        (date(2026, 11, 26), TimeWindow.WEEK, date(2026, 11, 23)),
        (date(2026, 11, 23), TimeWindow.WEEK, date(2026, 11, 23)),
        (date(2027, 1, 3), TimeWindow.WEEK, date(2026, 12, 28)),
        (date(2026, 11, 26), TimeWindow.MONTH, date(2026, 11, 1)),
        (date(2026, 11, 26), TimeWindow.QUARTER, date(2026, 10, 1)),
        (date(2026, 3, 31), TimeWindow.QUARTER, date(2026, 1, 1)),
        (date(2026, 11, 26), TimeWindow.POINT_IN_TIME, date(2026, 11, 26)),
        (date(2026, 11, 26), None, date(2026, 11, 26)),
    ],
)
def test_period_start(day: date, window: TimeWindow | None, start: date) -> None:
    assert period_start(day, window) == start


def test_shifting_periods_crosses_years() -> None:
    assert shift_period(date(2026, 1, 15), TimeWindow.MONTH, -1) == date(2025, 12, 1)
    assert shift_period(date(2026, 11, 5), TimeWindow.QUARTER, 1) == date(2027, 1, 1)
    assert shift_period(date(2026, 11, 26), TimeWindow.WEEK, -1) == date(2026, 11, 16)
    periods = last_periods(date(2026, 11, 26), TimeWindow.MONTH, 12)
    assert periods[0] == date(2025, 12, 1) and periods[-1] == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("value", "unit", "problem"),
    [
        (12, "sessions", None),
        (0, "sessions", None),
        (-1, "sessions", ValueProblem.NEGATIVE),
        (-3, "days", ValueProblem.NEGATIVE),
        (100, "%", None),
        (100.5, "%", ValueProblem.OVER_100_PERCENT),
        (-5, "%", ValueProblem.NEGATIVE),
        (250, "% growth", None),
        (-12, "% croissance", None),
        (-40, "NPS", None),
        (math.nan, "sessions", ValueProblem.NOT_FINITE),
        (math.inf, "", ValueProblem.NOT_FINITE),
        (1e13, "sessions", ValueProblem.TOO_LARGE),
    ],
)
def test_sane_values(value: float, unit: str, problem: ValueProblem | None) -> None:
    assert value_problem(value, unit) is problem


@pytest.mark.parametrize(
    ("day", "since", "window", "problem"),
    [
        (date(2026, 11, 23), date(2026, 1, 1), None, None),
        (date(2026, 1, 1), date(2026, 1, 1), None, None),
        (date(2026, 11, 24), date(2026, 1, 1), None, DateProblem.IN_FUTURE),
        (date(2025, 12, 31), date(2026, 1, 1), None, DateProblem.BEFORE_NORTH_STAR),
        # Left empty: no lower bound, last weeks' (and years') history is welcome.
        (date(2026, 11, 2), None, TimeWindow.WEEK, None),
        (date(2020, 1, 6), None, TimeWindow.WEEK, None),
        (date(2026, 11, 24), None, TimeWindow.WEEK, DateProblem.IN_FUTURE),
        # Explicit: a whole period before it is refused...
        (date(2026, 11, 15), date(2026, 11, 18), TimeWindow.WEEK, DateProblem.BEFORE_NORTH_STAR),
        # ...not a day of the period it starts in (filed under the same Monday).
        (date(2026, 11, 16), date(2026, 11, 18), TimeWindow.WEEK, None),
        (date(2026, 10, 1), date(2026, 10, 20), TimeWindow.MONTH, None),
        (date(2026, 9, 30), date(2026, 10, 20), TimeWindow.MONTH, DateProblem.BEFORE_NORTH_STAR),
        # Never one in the period today's reading is filed under, whatever the date says.
        (date(2026, 11, 1), date(2026, 11, 20), TimeWindow.MONTH, None),
        (date(2026, 11, 23), date(2026, 11, 30), TimeWindow.WEEK, None),
        (date(2026, 11, 22), date(2026, 11, 23), None, DateProblem.BEFORE_NORTH_STAR),
    ],
)
def test_reading_dates(
    day: date, since: date | None, window: TimeWindow | None, problem: DateProblem | None
) -> None:
    found = date_problem(day, today=date(2026, 11, 23), measured_since=since, window=window)
    assert found is problem


def test_trend_of_weekly_readings() -> None:
    readings = [
        (date(2026, 9, 21), 100.0),  # before the cycle (Q4 starts on Oct 1)
        (date(2026, 10, 5), 110.0),
        (date(2026, 11, 9), 120.0),
        (date(2026, 11, 16), 150.0),
        (date(2026, 11, 18), 160.0),  # same week as the 16th: the later one wins
    ]
    result = trend(
        readings, window=TimeWindow.WEEK, today=date(2026, 11, 23), cycle_start=date(2026, 10, 1)
    )
    assert result.current == 160.0
    assert result.current_period == date(2026, 11, 16)
    assert result.last_period.absolute == 40.0  # week of Nov 9 → week of Nov 16
    assert result.over_cycle.absolute == 60.0 and result.over_cycle.relative == 0.6
    assert len(result.values) == 12 and result.periods[-1] == date(2026, 11, 23)
    assert result.values[-1] is None and result.values[-2] == 160.0
    assert len(result.spark) == 12
    assert result.first == 100.0


def test_trend_without_readings_and_with_a_gap_before_the_last_period() -> None:
    empty = trend(
        [], window=TimeWindow.MONTH, today=date(2026, 11, 23), cycle_start=date(2026, 10, 1)
    )
    assert empty.current is None and empty.last_period.absolute is None
    assert empty.spark == " " * 12
    gap = trend(
        [(date(2026, 9, 1), 5.0), (date(2026, 11, 1), 7.0)],
        window=TimeWindow.MONTH,
        today=date(2026, 11, 23),
        cycle_start=date(2026, 10, 1),
    )
    assert gap.last_period.absolute is None  # nothing in October
    assert gap.over_cycle.absolute == 2.0


def test_point_in_time_trend_uses_the_last_readings() -> None:
    readings = [(date(2026, 11, d), float(d)) for d in range(1, 20)]
    result = trend(
        readings,
        window=TimeWindow.POINT_IN_TIME,
        today=date(2026, 11, 23),
        cycle_start=date(2026, 10, 1),
    )
    assert result.periods[0] == date(2026, 11, 8) and len(result.periods) == 12
    assert result.last_period.absolute == 1.0


@pytest.mark.parametrize(
    ("first", "current", "target", "direction", "progress"),
    [
        (100, 150, 200, Direction.HIGHER_IS_BETTER, 0.5),
        (100, 250, 200, Direction.HIGHER_IS_BETTER, 1.0),
        (30, 20, 10, Direction.LOWER_IS_BETTER, 0.5),
        (30, 40, 10, Direction.LOWER_IS_BETTER, 0.0),
        (100, 150, None, Direction.HIGHER_IS_BETTER, None),
        (None, None, 200, Direction.HIGHER_IS_BETTER, None),
    ],
)
def test_progress_to_target(
    first: float | None,
    current: float | None,
    target: float | None,
    direction: Direction,
    progress: float | None,
) -> None:
    result = target_progress(first=first, current=current, target=target, direction=direction)
    assert result == progress


def test_who_may_steer() -> None:
    # Without a lead, the admins (and the owner, once there is one): not anyone who asks.
    assert not may_steer(user_id="U2", is_admin=False, team_lead=None, north_star_owner=None)
    assert may_steer(user_id="U9", is_admin=True, team_lead=None, north_star_owner=None)
    assert may_steer(user_id="U3", is_admin=False, team_lead=None, north_star_owner="U3")
    assert may_steer(user_id="U1", is_admin=False, team_lead="U1", north_star_owner=None)
    assert may_steer(user_id="U3", is_admin=False, team_lead="U1", north_star_owner="U3")
    assert may_steer(user_id="U9", is_admin=True, team_lead="U1", north_star_owner="U3")
    assert not may_steer(user_id="U9", is_admin=False, team_lead="U1", north_star_owner="U3")


@pytest.mark.parametrize("text", ["nsm", "NSM", "north star", "north_star", "Étoile polaire"])
def test_names_of_the_north_star(text: str) -> None:
    assert names_north_star(text)
