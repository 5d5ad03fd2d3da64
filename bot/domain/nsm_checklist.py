"""The North Star checklist: Amplitude's seven questions about a North Star Metric, answered
from a definition where Polaris can tell. Pure. Results are codes, never English; their texts
are msgids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.errors import N_
from bot.domain.northstar import MIN_INPUTS, NorthStarDraft, normalised

#: Past this many characters a "one-sentence, plain-language" definition is not one any more.
MAX_PLAIN_DEFINITION = 280


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


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


def vanity_word(name: str) -> str | None:
    """The first vanity word found in a metric's name, as written in the list, or None."""
    text = normalised(name)
    return next((word for word in VANITY_WORDS if _has_word(text, word)), None)


def is_revenue_alone(name: str) -> bool:
    """True for "Revenue", "Monthly sales", "Chiffre d'affaires": money with no qualifier."""
    text = normalised(name)
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
