"""The arguments of every `/okr` subcommand: one tokenizer, one way to read a number.

`tokenize` turns the text Slack sends after a subcommand into words. A word starting with a
quote (straight or smart: " “ ” „ « » ' ‘ ’) runs to the matching closing quote followed by a
space or the end, so `"Activation rate"`, `« taux »` and `‘churn is down’` are one word each;
a quote inside a word is an apostrophe (`c’est`, `don't`). A quote that never closes is
dropped rather than refused. No-break spaces (Babel writes `1 234,5` with them) do not split
a word: they become plain spaces.

Slack escapes `&`, `<` and `>` in command text (`should_escape`), but not its own links
(`<@U123|ada>`, `<#C123|growth>`): `command_text` undoes that escaping once, where the text
enters, so every subcommand reads the text as typed and stores it so (a note says `R&D`, never
`R&amp;D`, and `R&D velocity` is found by its name); builders escape it again for mrkdwn.

A number may be written as its locale writes it, unquoted: `1 500` and `1 234,5` arrive as
several words, joined back by `number_words`. Keywords are accepted in English and French
whatever the person's locale (`team`/`équipe`, `until`/`jusqu’au`, `done`/`fait`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from babel import Locale

from bot.domain.errors import N_, UserError, field_error
from bot.domain.numbers import NUMBER_LIMIT, NumberOutOfRange
from bot.domain.refs import parse_key_result_ref
from bot.domain.status import CONFIDENCE_MAX, CONFIDENCE_MIN
from bot.i18n import Translator
from bot.services.commands import ListScope
from handlers.ui.format import clip
from handlers.ui.forms import NOT_A_NUMBER, number_problem

# Each opening quote and the quotes that may close it (people mix straight and curly ones).
CLOSERS = {
    '"': '"”“',
    "“": '”“"',
    "”": '”"',
    "„": '“”"',
    "«": "»",
    "»": "«»",
    "'": "'’",
    "‘": "’'",
    "’": "’'",
}
NO_BREAK_SPACES = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2007": " "})
SLACK_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """Undo Slack's escaping of command text (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    for escaped, char in SLACK_ESCAPES:
        text = text.replace(escaped, char)
    return text


# The longest text after `/okr` Polaris reads: a long check-in note fits, a pasted page does
# not (it is refused before any work, so no text holds the event loop).
COMMAND_TEXT_MAX = 4000


def command_text(command: Mapping[str, Any]) -> str:
    """The text typed after the command, as typed (Slack's escaping undone, once). Raises
    UserError when it is longer than Polaris reads."""
    text = command.get("text") or ""
    if not isinstance(text, str) or len(text) > COMMAND_TEXT_MAX:
        raise UserError(
            N_("That is too long for me: at most {limit} characters after /okr."),
            limit=COMMAND_TEXT_MAX,
        )
    return unescape(text)


@cache
def _closer_pattern(closers: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(closers)}](?=[ \t\r\n]|$)")


def _closing(text: str, start: int, closers: str, unclosed: dict[str, int]) -> int:
    """Index of the quote closing a word opened before `start`, or -1 if it never closes.
    `unclosed` remembers where a search found none: none closes after that either, so
    tokenizing stays linear whatever the quotes."""
    if start >= unclosed.get(closers, len(text) + 1):
        return -1
    found = _closer_pattern(closers).search(text, start)
    if found is None:
        unclosed[closers] = start
    return found.start() if found else -1


@dataclass(frozen=True)
class Word:
    """A word of the text and where it was: `start` is its first character (its opening
    quote, if quoted), `end` just after it (after its closing quote)."""

    text: str
    start: int
    end: int
    quoted: bool = False


def words_of(text: str) -> list[Word]:
    """The words of `text` with their places (see the module docstring for quotes and spaces)."""
    words: list[Word] = []
    unclosed: dict[str, int] = {}
    i = 0
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
            continue
        end = _closing(text, i + 1, CLOSERS[text[i]], unclosed) if text[i] in CLOSERS else -1
        if end >= 0:
            words.append(
                Word(text[i + 1 : end].strip().translate(NO_BREAK_SPACES), i, end + 1, True)
            )
            i = end + 1
            continue
        if text[i] in CLOSERS:  # a quote that never closes: drop it
            i += 1
            continue
        end = i
        while end < len(text) and text[end] not in " \t\r\n":
            end += 1
        words.append(Word(text[i:end].translate(NO_BREAK_SPACES), i, end))
        i = end
    return words


def tokenize(text: str) -> list[str]:
    """The words of `text` (see the module docstring for quotes and spaces)."""
    return [word.text for word in words_of(text)]


def rest_of(text: str, words: list[Word], first: int) -> str:
    """The text from word `first` on, as typed: free text such as a note keeps its quotes and
    apostrophes (`c’est “le” début`); a rest that is one quoted word loses its quotes."""
    if first >= len(words):
        return ""
    if first == len(words) - 1 and words[first].quoted:
        return words[first].text
    # From the end of the word before: a lone quote opening the rest (`‘tis`) is kept too.
    return text[words[first - 1].end if first else 0 :].strip()


def split_first(text: str) -> tuple[str, str]:
    """`"record Churn 4"` → `("record", "Churn 4")`: the routing word (lower case) and the
    rest, left as typed for the next router or tokenizer."""
    word, _, rest = text.strip().partition(" ")
    return word.lower(), rest.strip()


def number(t: Translator, text: str) -> float | None:
    """A number as the user writes it in their locale (`1 234,5` in French), or None."""
    try:
        return t.parse_number(text)
    except ValueError:
        return None


# The first group of a number written with spaces between its thousands, and the next groups:
# `1 234,5` arrives as the words `1` and `234,5`. A group ends the number once it has decimals.
_FIRST_GROUP = re.compile(r"^[+\-−]?\d{1,3}$")
_THOUSANDS_GROUP = re.compile(r"^\d{3}(?:[.,]\d+)?$")


def number_words(words: list[str], start: int) -> int:
    """How many words from `start` on write one number (`1 234,5` is 2, `42` is 1). A number's
    groups are three digits, so a confidence (0 to 10) after a value never joins it."""
    count = 1
    if start < len(words) and _FIRST_GROUP.match(words[start]):
        while start + count < len(words) and _THOUSANDS_GROUP.match(words[start + count]):
            count += 1
            if not words[start + count - 1].isdigit():
                break
    return count


# --- /okr update KR-12 42 8 "note" ----------------------------------------------------------

# A milestone is done or not: these words say so in the one-liner, in English or French.
DONE_WORDS = frozenset({"done", "yes", "y", "fait", "faite", "oui", "terminé", "termine", "✅"})
NOT_DONE_WORDS = frozenset(
    {"not done", "no", "n", "non", "pas fait", "pas faite", "pas terminé", "pas termine", "todo"}
)
_NOT = frozenset({"not", "pas"})


def _milestone_words(words: list[str], start: int) -> tuple[float, int] | None:
    """`done` (1) or `not done` (0) from `start` on, and how many words said it; or None."""
    two = " ".join(words[start : start + 2]).lower()
    if words[start].lower() in _NOT and two in NOT_DONE_WORDS:
        return 0.0, 2
    word = words[start].lower()
    if word in DONE_WORDS or word in NOT_DONE_WORDS:
        return (1.0 if word in DONE_WORDS else 0.0), 1
    return None


@dataclass(frozen=True)
class UpdateLine:
    """`/okr update KR-12 42 8 "note"` (or `KR-3 done` for a milestone), parsed; `problem`
    says what is missing or wrong. `yes_no`: the value was said as done / not done."""

    ref: int | None
    value: float | None
    value_text: str | None
    confidence: int | None
    note: str
    problem: str | None
    yes_no: bool = False

    @property
    def complete(self) -> bool:
        """Recordable at once: a KR and a value (no confidence keeps the latest one)."""
        return self.problem is None and None not in (self.ref, self.value)


def parse_update_line(t: Translator, args: str) -> UpdateLine:
    """Parse the one-line form in the user's locale: `KR-12 1 234,5 8 c’est “bon”` (a number
    as the locale writes it, quoted or not; the note as typed)."""
    words = words_of(args)
    texts = [w.text for w in words]
    ref_text = texts[0] if texts else None
    ref = parse_key_result_ref(ref_text) if ref_text else None
    value = value_text = value_problem = None
    yes_no = False
    after = 1
    if len(texts) > 1:
        said = _milestone_words(texts, 1)
        if said is not None:
            (value, used), yes_no = said, True
            value_text = t.number(value)
        else:
            used = number_words(texts, 1)
            value_text = " ".join(texts[1 : 1 + used])
            value, value_problem = number_problem(t, value_text)
        after += used
    confidence_text = texts[after] if len(texts) > after else None
    note = rest_of(args, words, after + 1)
    confidence = problem = None
    if ref_text and ref is None:
        problem = t("“{text}” is not a key result reference like KR-12.", text=ref_text)
    problem = problem or value_problem
    if confidence_text is not None:
        if confidence_text.isdigit() and CONFIDENCE_MIN <= int(confidence_text) <= CONFIDENCE_MAX:
            confidence = int(confidence_text)
        else:
            problem = problem or t("Confidence goes from 0 to 10.")
    return UpdateLine(
        ref, value, value_text if value is not None else None, confidence, note, problem, yes_no
    )


# --- /okr northstar record [metric name] [value] [date] ------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A last word that is meant as a date: three parts (`2026-11-23`, `23.11.2026`), or two with a
# slash (`23/11`; `12.5` and `1,5` are numbers).
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\.?$|^\d{1,2}/\d{1,2}$")
_NUMBER_START = re.compile(r"^[+\-−]?[\d.,]")


@dataclass(frozen=True)
class RecordArgs:
    """`record [metric name] [value] [date]`; a missing value opens the modal."""

    metric: str | None
    value: str | None
    on: date | None

    def parsed_value(self, t: Translator) -> float:
        """The value in the user's locale. Raises InvalidFields if it is not a number."""
        try:
            return t.parse_number(self.value or "")
        except NumberOutOfRange:
            limit = t.number(NUMBER_LIMIT - 1)
            raise field_error("value", N_("Numbers go up to {limit}."), limit=limit) from None
        except ValueError:
            raise field_error("value", NOT_A_NUMBER, text=clip(self.value or "", 40)) from None


def parse_record_args(t: Translator, args: str, *, today: date) -> RecordArgs:
    """The date, last, is as people write it in figures (see `numeric_date`; a date without its
    year is the latest such day, readings being of the past). Raises InvalidFields for a date
    that is not one."""
    words = tokenize(args)
    on = None
    if words and _DATE_LIKE.match(words[-1]):
        on = numeric_date(t, words[-1], today=today, past=True)
        if on is None:
            raise field_error(
                "date",
                N_("“{text}” is not a date (for example {example})."),
                text=clip(words[-1], 40),
                example=t.date(today, format="short"),
            )
        words = words[:-1]
    # The value is the number that ends the words (`12abc` too: it is said not to be one).
    start = next(
        (
            i
            for i in range(len(words))
            if _NUMBER_START.match(words[i]) and i + number_words(words, i) == len(words)
        ),
        len(words),
    )
    value = " ".join(words[start:]) or None
    return RecordArgs(metric=" ".join(words[:start]) or None, value=value, on=on)


# --- /okr pause until 24/12 ----------------------------------------------------------------

# Words around the date that say nothing more: "until", "jusqu'au", "on the"…
FILLER_WORDS = frozenset(
    {"until", "till", "til", "to", "on", "the", "jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à",
     "jusqu'a", "jusqu’a", "jusqu", "au", "le", "a"}
)  # fmt: skip
NEXT_WORDS = frozenset({"next", "prochain", "prochaine"})
TOMORROW_WORDS = frozenset({"tomorrow", "demain"})
# Forms a date takes in the languages Polaris speaks: their month and day names come from Babel.
DATE_LANGUAGES = ("en", "fr")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?\.?$")
_YEAR = re.compile(r"^\d{4}$")
_DAY = re.compile(r"^(\d{1,2})(?:er|st|nd|rd|th)?,?$")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().strip(".,"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _names() -> tuple[dict[str, int], dict[str, int]]:
    """Month (1–12) and weekday (Monday 0) of every English and French name and abbreviation,
    accents folded: `decembre`, `dec`, `lundi`, `mon`…"""
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for language in DATE_LANGUAGES:
        locale = Locale.parse(language)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    months[_fold(name)] = number
                for number, name in locale.days[context][width].items():
                    weekdays[_fold(name)] = number
    months["sept"] = 9
    return months, weekdays


def _day_first(locale: Locale) -> bool:
    """Whether the locale writes 24/12 (day first) rather than 12/24."""
    pattern = locale.date_formats["short"].pattern
    return bool(pattern.find("d") < pattern.find("M"))


def _in_year(
    today: date, month: int, day: int, year: int | None, *, past: bool = False
) -> date | None:
    """That day and month in `year`; when the year is not said, the next one from today (the
    latest one up to today when `past`)."""
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        found = date(today.year, month, day)
        if past:
            return found if found <= today else date(today.year - 1, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def numeric_date(t: Translator, word: str, *, today: date, past: bool = False) -> date | None:
    """`word` as a date written in figures: ISO (`2026-12-24`), or day and month in the
    locale's order (`24/12` in French, `12/24` in US English), with or without the year
    (`24/12/2026`, `24.12.26`). Without the year, the next such day from `today` (the latest
    one when `past`). None when it is not a date."""
    if _ISO_DATE.match(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            return None
    if match := _NUMERIC_DATE.match(word):
        first, second, year = int(match[1]), int(match[2]), match[3]
        day, month = (first, second) if _day_first(t.locale) else (second, first)
        return _in_year(today, month, day, int(year) if year else None, past=past)
    return None


def parse_pause_until(t: Translator, args: str, *, today: date) -> date | None:
    """The date in `/okr pause until …`, as people write it in English or French: ISO
    (`2026-12-24`), the locale's numeric form (`24/12` in French, `12/24` in US English, with
    or without the year), a month name (`24 décembre`, `December 24 2026`, `24 Dec`), a
    weekday (`next monday`, `lundi prochain`, `friday`: the next one after today) or
    `tomorrow`/`demain`. A date without its year is the next such day from `today`. None when
    it is not a date."""
    words = [_fold(w) for w in tokenize(args)]
    words = [w for w in words if w and w not in FILLER_WORDS]
    months, weekdays = _names()
    if len(words) == 1 and (_ISO_DATE.match(words[0]) or _NUMERIC_DATE.match(words[0])):
        return numeric_date(t, words[0], today=today)
    if len(words) == 1 and words[0] in TOMORROW_WORDS:
        return today + timedelta(days=1)
    named = [w for w in words if w not in NEXT_WORDS]
    if len(named) == 1 and named[0] in weekdays:
        ahead = (weekdays[named[0]] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if named != words:
        return None
    year = int(words.pop()) if len(words) == 3 and _YEAR.match(words[-1]) else None
    if len(words) != 2:
        return None
    if words[0] in months and (match := _DAY.match(words[1])):
        return _in_year(today, months[words[0]], int(match[1]), year)
    if words[1] in months and (match := _DAY.match(words[0])):
        return _in_year(today, months[words[1]], int(match[1]), year)
    return None


# --- /okr list [mine | @person | #channel | team | "Team name"] ------------------------------

# Keywords, in English and French whatever the person's locale (compared accents folded).
MINE = frozenset({"", "mine", "me", "my", "moi", "mes", "les miens", "a moi"})
THIS_TEAM = frozenset(
    {"team", "my team", "our team", "this team", "equipe", "mon equipe", "notre equipe",
     "cette equipe", "l'equipe", "l’equipe"}
)  # fmt: skip
# With should_escape, Slack sends a picked person as <@U123|name> and a channel as <#C123|name>.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def parse_list_scope(args: str, user_id: str, channel_id: str) -> ListScope:
    """The text after `/okr list` as a scope: mine (empty or `mine`), a person, the team of a
    channel (`#channel`, or `team` for this channel's), or a team by name. Raises UserError
    for a person or channel Slack did not link, and for `team` in a direct message. A quoted
    name is a team's name, even `"Team"`."""
    words = words_of(args)
    text = " ".join(word.text for word in words)
    if len(words) == 1 and words[0].quoted and text:
        return ListScope(team_name=text)
    keyword = _fold(text)
    if keyword in MINE:
        return ListScope(user_id=user_id)
    if keyword in THIS_TEAM:
        if channel_id.startswith("D"):
            raise UserError(
                N_(
                    "No team is attached to a direct message: say which one, e.g. "
                    '`/okr list #growth` or `/okr list "Growth"`.'
                )
            )
        return ListScope(channel_id=channel_id)
    if match := USER_MENTION.fullmatch(text):
        return ListScope(user_id=match.group(1))
    if match := CHANNEL_MENTION.fullmatch(text):
        return ListScope(channel_id=match.group(1))
    if text.startswith(("<", "@")):
        raise UserError(
            N_(
                "I can't tell who “{text}” is. Pick the person from the list Slack shows "
                "when you type @, e.g. `/okr list @ada`."
            ),
            text=clip(text, 80),
        )
    if text.startswith("#"):
        raise UserError(
            N_(
                "I can't find the channel “{text}”. Pick it from the list Slack shows when "
                "you type #, e.g. `/okr list #growth`."
            ),
            text=clip(text, 80),
        )
    return ListScope(team_name=text)
