"""The North Star's rules: templates per archetype, the definition checklist, periods of
readings and the sane ranges of values. Pure: no I/O, no Slack, no SQL, stdlib only.

Texts are catalog msgids (marked with ``N_``), translated by whoever shows them. Checklist
results and value problems are codes, never English.

Vocabulary (PRODUCT.md): a *North Star* has 3-6 *input metrics* and at least one
*counter-metric*; a *reading* is one value of a metric for one *period* of the North Star's
time window (a week starts on Monday, a month on the 1st, a quarter on 1 Jan/Apr/Jul/Oct; a
point-in-time metric has one period per day).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.archetypes import Archetype
from bot.domain.display import Delta, delta, sparkline
from bot.domain.errors import N_, UserError
from bot.domain.progress import KrKind, kr_progress

# --- Vocabulary -----------------------------------------------------------------------------


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class TimeWindow(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    POINT_IN_TIME = "point"


class Drives(StrEnum):
    """What an objective aims at (values shared with the `objective.drives` column)."""

    NORTH_STAR = "north_star"
    INPUT_METRIC = "input_metric"
    HEALTH = "health"


DIRECTION_LABELS: dict[Direction, str] = {
    Direction.HIGHER_IS_BETTER: N_("Higher is better"),
    Direction.LOWER_IS_BETTER: N_("Lower is better"),
}

WINDOW_LABELS: dict[TimeWindow, str] = {
    TimeWindow.WEEK: N_("Per week"),
    TimeWindow.MONTH: N_("Per month"),
    TimeWindow.QUARTER: N_("Per quarter"),
    TimeWindow.POINT_IN_TIME: N_("Point in time"),
}

MIN_INPUTS = 3
MAX_INPUTS = 6
#: Past this many characters a "one-sentence, plain-language" definition is not one any more.
MAX_PLAIN_DEFINITION = 280


# --- Templates (the seed's table) -----------------------------------------------------------


@dataclass(frozen=True)
class NsmTemplate:
    """A suggested North Star for an archetype; every text is a msgid."""

    key: str
    archetype: Archetype
    intention: str
    name: str
    definition: str
    unit: str
    direction: Direction
    window: TimeWindow
    inputs: tuple[str, ...]


TEMPLATES: tuple[NsmTemplate, ...] = (
    NsmTemplate(
        key="project_adoption",
        archetype=Archetype.PROJECT,
        intention=N_("Succeed in a targeted, often time-boxed transformation"),
        name=N_("User segments adopting the new process within 3 months"),
        definition=N_(
            "Number of user segments that use the new process in their daily work within "
            "3 months of its launch."
        ),
        unit=N_("segments"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.QUARTER,
        inputs=(
            N_("Segments trained on the new process"),
            N_("Pilot segments live"),
            N_("Blocking issues solved within a week"),
        ),
    ),
    NsmTemplate(
        key="product_sessions",
        archetype=Archetype.PRODUCT,
        intention=N_("Sustainable growth through a clear value proposition"),
        name=N_("Weekly usage sessions completed with satisfaction ≥ 4/5"),
        definition=N_(
            "Product usage sessions completed in the week whose user rated them at least 4 out "
            "of 5."
        ),
        unit=N_("sessions"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.WEEK,
        inputs=(
            N_("New users activated"),
            N_("Sessions per active user"),
            N_("Share of sessions rated"),
        ),
    ),
    NsmTemplate(
        key="product_value",
        archetype=Archetype.PRODUCT,
        intention=N_("Customer value per product"),
        name=N_("Monthly active adoption per priority segment"),
        definition=N_(
            "Share of the priority segment's customers who actively used the product this "
            "month (recurring revenue or average basket are alternatives)."
        ),
        unit="%",
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Priority-segment customers onboarded"),
            N_("Key feature adoption"),
            N_("Customers retained after 90 days"),
        ),
    ),
    NsmTemplate(
        key="product_lead_time",
        archetype=Archetype.PRODUCT,
        intention=N_("Idea-to-value lead time"),
        name=N_("Median time from opportunity to production with real customer impact"),
        definition=N_(
            "Median number of days between spotting an opportunity and its release to "
            "production, counted once a real customer impact is measured."
        ),
        unit=N_("days"),
        direction=Direction.LOWER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Opportunities explored"),
            N_("Deployments per week"),
            N_("Releases with measured impact"),
        ),
    ),
    NsmTemplate(
        key="network_relationships",
        archetype=Archetype.NETWORK,
        intention=N_("Encourage distributed innovation and collaboration"),
        name=N_("Relationships created per active member per quarter"),
        definition=N_(
            "New working relationships created in the quarter divided by the number of "
            "active members of the network."
        ),
        unit=N_("relationships"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.QUARTER,
        inputs=(
            N_("Active members"),
            N_("Cross-team events held"),
            N_("Introductions made"),
        ),
    ),
    NsmTemplate(
        key="flow_lead_time",
        archetype=Archetype.FLOW,
        intention=N_("Optimise operational excellence"),
        name=N_("Mean time between request and compliant delivery"),
        definition=N_(
            "Mean number of days between a customer's request and the delivery that meets "
            "every requirement."
        ),
        unit=N_("days"),
        direction=Direction.LOWER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Work in progress"),
            N_("Deliveries compliant the first time"),
            N_("Requests waiting more than 5 days"),
        ),
    ),
)

#: The value of the "start from a blank definition" choice.
BLANK_TEMPLATE = "blank"


def templates_for(archetype: Archetype) -> tuple[NsmTemplate, ...]:
    return tuple(tpl for tpl in TEMPLATES if tpl.archetype is archetype)


def template_by_key(key: str | None) -> NsmTemplate | None:
    return next((tpl for tpl in TEMPLATES if tpl.key == key), None)


# --- A definition, as proposed --------------------------------------------------------------


@dataclass(frozen=True)
class InputMetricDraft:
    name: str
    definition: str = ""
    owner_user_id: str | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER
    #: The stored input metric this row edits (None for a new one).
    id: int | None = None


@dataclass(frozen=True)
class CounterMetricDraft:
    name: str
    definition: str = ""


@dataclass(frozen=True)
class NorthStarDraft:
    """A North Star as someone proposes it, before or after it is saved."""

    name: str
    definition: str = ""
    unit: str = ""
    direction: Direction = Direction.HIGHER_IS_BETTER
    window: TimeWindow | None = None
    target: float | None = None
    target_date: date | None = None
    owner_user_id: str | None = None
    measured_since: date | None = None
    archetype: Archetype | None = None
    template: str | None = None
    counter_metrics: tuple[CounterMetricDraft, ...] = ()
    inputs: tuple[InputMetricDraft, ...] = ()


# --- The checklist --------------------------------------------------------------------------


class Question(StrEnum):
    """Amplitude's seven questions about a North Star Metric, in their order."""

    CUSTOMER_VALUE = "customer_value"
    STRATEGY = "strategy"
    LEADING = "leading"
    ACTIONABLE = "actionable"
    UNDERSTANDABLE = "understandable"
    MEASURABLE = "measurable"
    NOT_VANITY = "not_vanity"


QUESTION_LABELS: dict[Question, str] = {
    Question.CUSTOMER_VALUE: N_("Does it express the value customers get?"),
    Question.STRATEGY: N_("Does it reflect the strategy?"),
    Question.LEADING: N_("Is it a leading indicator of success?"),
    Question.ACTIONABLE: N_("Can the team act on it?"),
    Question.UNDERSTANDABLE: N_("Is it understandable by everyone?"),
    Question.MEASURABLE: N_("Is it measurable?"),
    Question.NOT_VANITY: N_("Is it more than a vanity metric?"),
}


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    #: Polaris cannot tell; the team judges for itself.
    JUDGE = "judge"


class Finding(StrEnum):
    """A fault Polaris detects automatically (a warning; warnings never block saving)."""

    VANITY_WORD = "vanity_word"
    REVENUE_ALONE = "revenue_alone"
    NO_DEFINITION = "no_definition"
    LONG_DEFINITION = "long_definition"
    NO_TIME_WINDOW = "no_time_window"
    NO_COUNTER_METRIC = "no_counter_metric"
    TOO_FEW_INPUTS = "too_few_inputs"
    INPUTS_WITHOUT_OWNER = "inputs_without_owner"
    UNLINKED_OBJECTIVES = "unlinked_objectives"


#: Which question each finding answers; questions with no finding rule are JUDGE.
FINDING_QUESTION: dict[Finding, Question] = {
    Finding.VANITY_WORD: Question.NOT_VANITY,
    Finding.REVENUE_ALONE: Question.LEADING,
    Finding.NO_DEFINITION: Question.UNDERSTANDABLE,
    Finding.LONG_DEFINITION: Question.UNDERSTANDABLE,
    Finding.NO_TIME_WINDOW: Question.MEASURABLE,
    Finding.NO_COUNTER_METRIC: Question.NOT_VANITY,
    Finding.TOO_FEW_INPUTS: Question.ACTIONABLE,
    Finding.INPUTS_WITHOUT_OWNER: Question.ACTIONABLE,
    Finding.UNLINKED_OBJECTIVES: Question.STRATEGY,
}

FINDING_MESSAGES: dict[Finding, str] = {
    Finding.VANITY_WORD: N_(
        "“{word}” is usually a vanity metric: it can grow while no customer gets more value."
    ),
    Finding.REVENUE_ALONE: N_(
        "Revenue alone lags behind the value delivered: measure what customers do that "
        "later turns into revenue."
    ),
    Finding.NO_DEFINITION: N_("Add a one-sentence, plain-language definition."),
    Finding.LONG_DEFINITION: N_(
        "The definition is long ({length} characters): say it in one plain sentence."
    ),
    Finding.NO_TIME_WINDOW: N_(
        "No time window: say whether it is counted per week, per month, per quarter or at a "
        "point in time."
    ),
    Finding.NO_COUNTER_METRIC: N_(
        "No counter-metric: add a guardrail that must not degrade while the North Star rises."
    ),
    Finding.TOO_FEW_INPUTS: N_(
        "Only {count} input metrics: name 3 to 6 metrics the team can act on."
    ),
    Finding.INPUTS_WITHOUT_OWNER: N_("Input metrics without an owner: {names}."),
    Finding.UNLINKED_OBJECTIVES: N_(
        "Objectives of this cycle linked to nothing: {refs}. Link them with `/okr northstar link`."
    ),
}


@dataclass(frozen=True)
class FindingResult:
    finding: Finding
    #: Values for the finding's message (e.g. ``word``, ``count``, ``names``, ``refs``).
    values: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    verdict: Verdict
    findings: tuple[FindingResult, ...]


@dataclass(frozen=True)
class Review:
    """The checklist's verdict on a North Star definition."""

    questions: tuple[QuestionResult, ...]

    @property
    def findings(self) -> tuple[FindingResult, ...]:
        return tuple(f for q in self.questions for f in q.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings)


# Words that usually betray a vanity metric, in English and French (normalised: lower case,
# no accents). Matched as whole words in the North Star's name.
VANITY_WORDS: tuple[str, ...] = (
    "signups",
    "sign-ups",
    "sign ups",
    "registered users",
    "registrations",
    "page views",
    "pageviews",
    "dau/mau",
    "dau",
    "mau",
    "followers",
    "downloads",
    "installs",
    "inscriptions",
    "inscrits",
    "utilisateurs inscrits",
    "pages vues",
    "vues de page",
    "abonnes",
    "telechargements",
)
_REVENUE_WORDS = ("revenue", "revenues", "sales", "chiffre d'affaires", "ca", "revenu", "revenus")
# A revenue metric qualified by one of these is about value per customer, not "revenue alone".
_REVENUE_QUALIFIERS = (
    "per",
    "par",
    "recurring",
    "recurrent",
    "retention",
    "retained",
    "net",
    "/",
    "average",
    "moyen",
    "moyenne",
)


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("’", "'")


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


def vanity_word(name: str) -> str | None:
    """The first vanity word found in a metric's name, as written in the list, or None."""
    text = _normalise(name)
    return next((word for word in VANITY_WORDS if _has_word(text, word)), None)


def is_revenue_alone(name: str) -> bool:
    """True for "Revenue", "Monthly sales", "Chiffre d'affaires": money with no qualifier."""
    text = _normalise(name)
    if not any(_has_word(text, word) for word in _REVENUE_WORDS):
        return False
    return not any(
        (q in text) if not q.isalpha() else _has_word(text, q) for q in _REVENUE_QUALIFIERS
    )


def review_definition(draft: NorthStarDraft, *, unlinked_objectives: Sequence[str] = ()) -> Review:
    """Run the checklist on a definition.

    Args:
        draft: the definition (saved or proposed).
        unlinked_objectives: labels (``O-4``) of the current cycle's open objectives of the
            team that drive nothing (neither the North Star, an input, nor health).

    Each of Amplitude's seven questions gets WARN when a finding answers it, PASS when Polaris
    can check it and found nothing, JUDGE when only the team can tell (customer value).
    """
    found: list[FindingResult] = []
    word = vanity_word(draft.name)
    if word is not None:
        found.append(FindingResult(Finding.VANITY_WORD, {"word": word}))
    if is_revenue_alone(draft.name):
        found.append(FindingResult(Finding.REVENUE_ALONE))
    definition = draft.definition.strip()
    if not definition:
        found.append(FindingResult(Finding.NO_DEFINITION))
    elif len(definition) > MAX_PLAIN_DEFINITION:
        found.append(FindingResult(Finding.LONG_DEFINITION, {"length": len(definition)}))
    if draft.window is None:
        found.append(FindingResult(Finding.NO_TIME_WINDOW))
    if not draft.counter_metrics:
        found.append(FindingResult(Finding.NO_COUNTER_METRIC))
    if len(draft.inputs) < MIN_INPUTS:
        found.append(FindingResult(Finding.TOO_FEW_INPUTS, {"count": len(draft.inputs)}))
    ownerless = [m.name for m in draft.inputs if not m.owner_user_id]
    if ownerless:
        found.append(FindingResult(Finding.INPUTS_WITHOUT_OWNER, {"names": ", ".join(ownerless)}))
    if unlinked_objectives:
        found.append(
            FindingResult(Finding.UNLINKED_OBJECTIVES, {"refs": ", ".join(unlinked_objectives)})
        )
    checkable = set(FINDING_QUESTION.values())
    results = []
    for question in Question:
        mine = tuple(f for f in found if FINDING_QUESTION[f.finding] is question)
        if mine:
            verdict = Verdict.WARN
        elif question in checkable:
            verdict = Verdict.PASS
        else:
            verdict = Verdict.JUDGE
        results.append(QuestionResult(question, verdict, mine))
    return Review(tuple(results))


# --- Periods --------------------------------------------------------------------------------


def period_start(day: date, window: TimeWindow | None) -> date:
    """The first day of the period containing `day`: Monday of its ISO week, the 1st of its
    month or of its quarter; the day itself for a point-in-time metric (or no window)."""
    if window is TimeWindow.WEEK:
        return day - timedelta(days=day.weekday())
    if window is TimeWindow.MONTH:
        return day.replace(day=1)
    if window is TimeWindow.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day


def shift_period(start: date, window: TimeWindow | None, periods: int) -> date:
    """The start of the period `periods` away (negative: earlier) from the one at `start`."""
    start = period_start(start, window)
    if window is TimeWindow.WEEK:
        return start + timedelta(weeks=periods)
    if window in (TimeWindow.MONTH, TimeWindow.QUARTER):
        months = periods * (3 if window is TimeWindow.QUARTER else 1)
        index = start.year * 12 + start.month - 1 + months
        return date(index // 12, index % 12 + 1, 1)
    return start + timedelta(days=periods)


def last_periods(today: date, window: TimeWindow | None, count: int) -> list[date]:
    """The starts of the `count` periods ending with the one containing `today`, oldest first."""
    return [shift_period(today, window, -offset) for offset in range(count - 1, -1, -1)]


# --- Readings: sane values and dates --------------------------------------------------------


class ValueProblem(StrEnum):
    NOT_FINITE = "not_finite"
    NEGATIVE = "negative"
    OVER_100_PERCENT = "over_100_percent"
    TOO_LARGE = "too_large"


VALUE_PROBLEM_MESSAGES: dict[ValueProblem, str] = {
    ValueProblem.NOT_FINITE: N_("value: give a finite number."),
    ValueProblem.NEGATIVE: N_("value: {value} {unit} cannot be negative."),
    ValueProblem.OVER_100_PERCENT: N_(
        "value: {value} is over 100 %. Use a unit such as “% growth” if it may exceed 100."
    ),
    ValueProblem.TOO_LARGE: N_("value: {value} is too large to be a real measure."),
}

#: No metric of a team is ever a thousand billion anything.
MAX_ABS_VALUE = 1e12

_PERCENT_UNITS = {"%", "percent", "pct", "pourcent", "pourcentage", "pourcents"}
# Units whose values may legitimately be negative (or over 100 % for percentages).
_SIGNED_UNIT_WORDS = (
    "growth",
    "change",
    "delta",
    "variation",
    "croissance",
    "evolution",
    "net",
    "nps",
    "score",
    "balance",
    "solde",
    "margin",
    "marge",
    "profit",
    "°",
    "celsius",
)


def is_percent_unit(unit: str) -> bool:
    return _normalise(unit).strip() in _PERCENT_UNITS


def is_signed_unit(unit: str) -> bool:
    text = _normalise(unit)
    return any(word in text for word in _SIGNED_UNIT_WORDS)


def value_problem(value: float, unit: str) -> ValueProblem | None:
    """Why `value` cannot be a reading of a metric in `unit`, or None if it can.

    Rules: finite; at most 1e12 in absolute value; a plain percentage (`%`, `percent`) lies
    in [0, 100]; any other unit is non-negative (a count, a duration, money), unless the unit
    says the value is signed (`% growth`, `NPS`, `net …`, `score`, `margin`…).
    """
    if not math.isfinite(value):
        return ValueProblem.NOT_FINITE
    if abs(value) > MAX_ABS_VALUE:
        return ValueProblem.TOO_LARGE
    if is_signed_unit(unit):
        return None
    if value < 0:
        return ValueProblem.NEGATIVE
    if is_percent_unit(unit) and value > 100:
        return ValueProblem.OVER_100_PERCENT
    return None


class DateProblem(StrEnum):
    IN_FUTURE = "in_future"
    BEFORE_NORTH_STAR = "before_north_star"


DATE_PROBLEM_MESSAGES: dict[DateProblem, str] = {
    DateProblem.IN_FUTURE: N_("date: {date} is in the future; readings are of what happened."),
    DateProblem.BEFORE_NORTH_STAR: N_(
        "date: {date} is before the North Star was measured (since {since}). Change “Measured "
        "since” in `/okr northstar define` to record older history."
    ),
}


def date_problem(day: date, *, today: date, measured_since: date) -> DateProblem | None:
    """Why a reading cannot be dated `day`: after `today` (the team's calendar) or before
    the North Star's first measured day."""
    if day > today:
        return DateProblem.IN_FUTURE
    if day < measured_since:
        return DateProblem.BEFORE_NORTH_STAR
    return None


def same_metric_name(a: str, b: str) -> bool:
    """Names typed by people match regardless of case, accents and surrounding spaces/quotes."""
    return _normalise(a).strip(" \"'«»“”") == _normalise(b).strip(" \"'«»“”")


#: Words that name the North Star itself in commands, the API and CSV files.
NORTH_STAR_ALIASES = ("north_star", "northstar", "north star", "nsm", "etoile polaire")


def names_north_star(text: str) -> bool:
    return _normalise(text).strip() in NORTH_STAR_ALIASES


class FieldProblem(UserError):
    """A mistake in one named field (`metric`, `value`, `date`, `target`…): the message names
    the field, so it reads well both inline in a modal and alone in a command's answer."""

    def __init__(self, field_name: str, message: str, /, **values: Any) -> None:
        super().__init__(message, **values)
        self.field = field_name


# --- Trends ---------------------------------------------------------------------------------

#: How many periods the sparkline and the chart show.
TREND_PERIODS = 12


@dataclass(frozen=True)
class Trend:
    """A metric's recent history, computed from its readings.

    Attributes:
        current: the latest reading's value (None without readings).
        current_period: the start of the latest reading's period.
        last_period: change from the period before the latest one.
        over_cycle: change from the last reading before the cycle started (or the cycle's
            first reading) to the latest one.
        periods: the starts of the periods shown (the last 12 periods up to today; for a
            point-in-time metric, the dates of the last 12 readings).
        values: one value per period, None where nothing was recorded.
        first: the first value ever recorded (the baseline of progress to target).
    """

    current: float | None
    current_period: date | None
    last_period: Delta
    over_cycle: Delta
    periods: tuple[date, ...]
    values: tuple[float | None, ...]
    first: float | None

    @property
    def spark(self) -> str:
        return sparkline(self.values)


def trend(
    readings: Sequence[tuple[date, float]],
    *,
    window: TimeWindow | None,
    today: date,
    cycle_start: date,
    count: int = TREND_PERIODS,
) -> Trend:
    """The trend of a metric from its `(period_start, value)` readings in any order.

    Readings are put in the periods of `window` (they may have been recorded under another
    window before the definition changed; the latest date of a period wins).
    """
    buckets: dict[date, float] = {}
    for day, value in sorted(readings, key=lambda r: r[0]):
        buckets[period_start(day, window)] = value
    keys = sorted(buckets)
    if window in (TimeWindow.WEEK, TimeWindow.MONTH, TimeWindow.QUARTER):
        periods = last_periods(today, window, count)
    else:
        periods = keys[-count:]
    values = tuple(buckets.get(p) for p in periods)
    if not keys:
        empty = delta(None, None)
        return Trend(None, None, empty, empty, tuple(periods), values, None)
    latest = keys[-1]
    current = buckets[latest]
    if window in (TimeWindow.WEEK, TimeWindow.MONTH, TimeWindow.QUARTER):
        previous = buckets.get(shift_period(latest, window, -1))
    else:
        previous = buckets[keys[-2]] if len(keys) > 1 else None
    before = [k for k in keys if k < cycle_start]
    within = [k for k in keys if k >= cycle_start]
    baseline_key = before[-1] if before else (within[0] if within else None)
    baseline = (
        buckets[baseline_key] if baseline_key is not None and baseline_key != latest else None
    )
    return Trend(
        current=current,
        current_period=latest,
        last_period=delta(current, previous),
        over_cycle=delta(current, baseline),
        periods=tuple(periods),
        values=values,
        first=buckets[keys[0]],
    )


def target_progress(
    *, first: float | None, current: float | None, target: float | None, direction: Direction
) -> float | None:
    """Progress from the first reading to the target, in [0, 1], with the KR rules of
    `progress.kr_progress` (increase or decrease to a target); None without a target or data."""
    if target is None or current is None or first is None:
        return None
    kind = KrKind.INCREASE_TO if direction is Direction.HIGHER_IS_BETTER else KrKind.DECREASE_TO
    return kr_progress(kind=kind, start=first, target=target, current=current).progress


def may_steer(
    *, user_id: str, is_admin: bool, team_lead: str | None, north_star_owner: str | None
) -> bool:
    """Who may define the North Star, revise it, or manage its API tokens: a workspace admin,
    the team lead, the North Star's owner; anyone while the team has no lead."""
    if is_admin or team_lead is None:
        return True
    return user_id in {team_lead, north_star_owner}
