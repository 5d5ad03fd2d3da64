"""The arguments of every `/okr` subcommand: one tokenizer, one way to read a number.

`tokenize` turns the text Slack sends after a subcommand into words. A word starting with a
quote (straight or smart: " “ ” „ « » ' ‘ ’) runs to the matching closing quote followed by a
space or the end, so `"Activation rate"`, `« taux »` and `‘churn is down’` are one word each;
a quote inside a word is an apostrophe (`c’est`, `don't`). A quote that never closes is
dropped rather than refused. No-break spaces (Babel writes `1 234,5` with them) do not split
a word: they become plain spaces. Slack's escaping of `&`, `<` and `>` is undone here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import N_, UserError, field_error
from bot.domain.refs import parse_key_result_ref
from bot.domain.status import CONFIDENCE_MAX, CONFIDENCE_MIN
from bot.i18n import Translator
from bot.services.commands import ListScope
from handlers.ui.format import clip, escape

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


def _closing(text: str, start: int, closers: str) -> int:
    """Index of the quote closing a word opened before `start`, or -1 if it never closes."""
    for i in range(start, len(text)):
        if text[i] in closers and (i + 1 == len(text) or text[i + 1] in " \t\r\n"):
            return i
    return -1


def _word(text: str) -> str:
    return unescape(text.translate(NO_BREAK_SPACES))


def tokenize(text: str) -> list[str]:
    """The words of `text` (see the module docstring for quotes and spaces)."""
    words: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
            continue
        end = _closing(text, i + 1, CLOSERS[text[i]]) if text[i] in CLOSERS else -1
        if end >= 0:
            words.append(_word(text[i + 1 : end].strip()))
            i = end + 1
            continue
        if text[i] in CLOSERS:  # a quote that never closes: drop it
            i += 1
            continue
        end = i
        while end < len(text) and text[end] not in " \t\r\n":
            end += 1
        words.append(_word(text[i:end]))
        i = end
    return words


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


# --- /okr update KR-12 42 8 "note" ----------------------------------------------------------


@dataclass(frozen=True)
class UpdateLine:
    """`/okr update KR-12 42 8 "note"`, parsed; `problem` says what is missing or wrong."""

    ref: int | None
    value: float | None
    value_text: str | None
    confidence: int | None
    note: str
    problem: str | None

    @property
    def complete(self) -> bool:
        """Recordable at once: a KR and a value (no confidence keeps the latest one)."""
        return self.problem is None and None not in (self.ref, self.value)


def parse_update_line(t: Translator, args: str) -> UpdateLine:
    """Parse the one-line form in the user's locale (quote a number with spaces: "1 234,5")."""
    words = tokenize(args)
    ref_text, value_text, confidence_text = [*words, None, None, None][:3]
    note = " ".join(words[3:])
    ref = parse_key_result_ref(ref_text) if ref_text else None
    value = number(t, value_text) if value_text is not None else None
    confidence = problem = None
    if ref_text and ref is None:
        problem = t("“{text}” is not a key result reference like KR-12.", text=ref_text)
    if value_text is not None and value is None:
        problem = problem or t("“{text}” is not a number.", text=value_text)
    if confidence_text is not None:
        if confidence_text.isdigit() and CONFIDENCE_MIN <= int(confidence_text) <= CONFIDENCE_MAX:
            confidence = int(confidence_text)
        else:
            problem = problem or t("Confidence goes from 0 to 10.")
    return UpdateLine(
        ref, value, value_text if value is not None else None, confidence, note, problem
    )


# --- /okr northstar record [metric name] [value] [YYYY-MM-DD] -------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
_NUMBER_START = re.compile(r"^[+\-−]?[\d.,]")
_NUMERIC = re.compile(r"^[+\-−]?[\d., ]+$")
# "1 234,5" arrives as two words: later words of a number are thousands groups.
_THOUSANDS_GROUP = re.compile(r"^\d{3}([.,]\d+)?$")


@dataclass(frozen=True)
class RecordArgs:
    """`record [metric name] [value] [YYYY-MM-DD]`; a missing value opens the modal."""

    metric: str | None
    value: str | None
    on: date | None

    def parsed_value(self, t: Translator) -> float:
        """The value in the user's locale. Raises InvalidFields if it is not a number."""
        found = number(t, self.value or "")
        if found is None:
            raise field_error("value", N_("value: “{text}” is not a number."), text=self.value)
        return found


def parse_record_args(args: str) -> RecordArgs:
    """Raises InvalidFields for a date that is not YYYY-MM-DD."""
    words = tokenize(args)
    on = None
    if words and (_ISO_DATE.match(words[-1]) or _DATE_LIKE.match(words[-1])):
        try:
            on = date.fromisoformat(words[-1])
        except ValueError:
            raise field_error(
                "date", N_("date: “{text}” is not a date like 2026-11-23."), text=words[-1]
            ) from None
        words = words[:-1]
    start = len(words)
    if words and _NUMERIC.match(words[-1]):
        start -= 1
        while (
            start > 0 and _NUMERIC.match(words[start - 1]) and _THOUSANDS_GROUP.match(words[start])
        ):
            start -= 1
    elif words and _NUMBER_START.match(words[-1]):
        start -= 1  # "12abc": a value that is not a number, said so when parsed
    value = " ".join(words[start:]) or None
    return RecordArgs(metric=" ".join(words[:start]) or None, value=value, on=on)


# --- /okr pause until 2026-12-24 ------------------------------------------------------------

UNTIL_WORDS = frozenset({"until", "jusqu'au", "jusqu’au", "au"})


def parse_pause_until(args: str) -> date | None:
    """`until 2026-12-24`, `2026-12-24` → the date; anything else → None."""
    words = [w for w in tokenize(args) if w.lower() not in UNTIL_WORDS]
    try:
        return date.fromisoformat(words[0]) if len(words) == 1 else None
    except ValueError:
        return None


# --- /okr list [mine | @user | #channel | team] ---------------------------------------------

MINE = frozenset({"", "mine", "me", "my", "moi", "mes", "les miens"})
# With should_escape, Slack sends a picked person as <@U123|name> and a channel as <#C123|name>.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def parse_list_scope(args: str, user_id: str) -> ListScope:
    """The text after `/okr list` as a scope: mine (empty or `mine`), a person, the team of a
    channel, or a team by name. Raises UserError for a person or channel Slack did not link."""
    text = " ".join(tokenize(args))
    if text.lower() in MINE:
        return ListScope(user_id=user_id)
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
            text=escape(clip(text, 80)),
        )
    if text.startswith("#"):
        raise UserError(
            N_(
                "I can't find the channel “{text}”. Pick it from the list Slack shows when "
                "you type #, e.g. `/okr list #growth`."
            ),
            text=escape(clip(text, 80)),
        )
    return ListScope(team_name=text)
