"""Shared modal pieces: inputs (whose action_id is their block_id unless told otherwise), their
options, reading them back, private metadata and inline errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError
from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.domain.errors import N_, InvalidFields, UserError
from bot.domain.numbers import NUMBER_LIMIT, NumberOutOfRange
from bot.i18n import Translator
from bot.services.read_models import Choice
from handlers.ui.format import OPTION_TEXT_MAX, SELECT_OPTIONS_MAX, clip

M = TypeVar("M", bound=BaseModel)


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    max_length: int | None = 150,
    optional: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
    action_id: str | None = None,
) -> InputBlock:
    """A text input; `max_length=None` leaves the length to Slack (3000 characters)."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=action_id or block_id,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def option(choice: Choice, description: str | None = None) -> Option:
    """The choice as an option, its label (and description) clipped to Slack's 75 characters."""
    return Option(
        value=choice.value,
        text=clip(choice.label, OPTION_TEXT_MAX),
        description=clip(description, OPTION_TEXT_MAX) if description else None,
    )


def select_input(
    block_id: str,
    label: str,
    choices: Sequence[Choice],
    *,
    initial: str | None = None,
    optional: bool = False,
    dispatch_action: bool = False,
    placeholder: str | None = None,
    action_id: str | None = None,
) -> InputBlock:
    """A static select of at most 100 choices, `initial` (a value) selected when offered."""
    options = [option(c) for c in choices[:SELECT_OPTIONS_MAX]]
    initial_option = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        dispatch_action=dispatch_action or None,
        element=StaticSelectElement(
            action_id=action_id or block_id,
            options=options,
            initial_option=initial_option,
            placeholder=placeholder,
        ),
    )


def user_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = False,
    action_id: str | None = None,
) -> InputBlock:
    element = UserSelectElement(action_id=action_id or block_id, initial_user=initial)
    return InputBlock(block_id=block_id, label=label, optional=optional, element=element)


def checkbox_input(
    block_id: str, label: str, box: str, *, checked: bool = False, hint: str | None = None
) -> InputBlock:
    """One checkbox (`box` its text), ticked when `checked`; optional, since unticked is an
    answer too. Read it back with `checked_value`."""
    option = Option(value=CHECKED, text=box)
    element = CheckboxesElement(
        action_id=block_id, options=[option], initial_options=[option] if checked else None
    )
    return InputBlock(block_id=block_id, label=label, optional=True, hint=hint, element=element)


def date_input(
    block_id: str,
    label: str,
    *,
    initial: date | None = None,
    optional: bool = False,
    hint: str | None = None,
    action_id: str | None = None,
) -> InputBlock:
    picked = initial.isoformat() if initial else None
    element = DatePickerElement(action_id=action_id or block_id, initial_date=picked)
    return InputBlock(block_id=block_id, label=label, optional=optional, hint=hint, element=element)


# --- Reading payloads back: the one typed parse of what Slack sends ---------------------------
#
# Whatever arrives (an old modal, a forged payload, a select left empty) is read through these
# models, with a size limit on everything, before any work: a value that does not fit is an
# inline error on its field (`UnreadableField`), a payload this version did not write is
# "out of date" (`OutOfDate`). Listeners never index Slack's dicts themselves.

INT64_MAX = 2**63 - 1  # what the database's BIGINT columns hold
TEXT_MAX = 3000  # Slack's longest plain-text input and private_metadata
ID_MAX = 255  # Slack's ids, option values of ours, view hashes
BLOCKS_MAX = 100  # Slack's limit of blocks in a modal

#: A reference or id carried in a payload: a non-negative 64-bit integer.
PayloadInt = Annotated[int, Field(ge=0, le=INT64_MAX)]
Text = Annotated[str, Field(max_length=TEXT_MAX)]
SlackId = Annotated[str, Field(max_length=ID_MAX)]


class OutOfDate(UserError):
    """A button or modal this version of Polaris did not make (or cannot read any more)."""

    def __init__(self) -> None:
        super().__init__(N_("This form is out of date: close it and open it again."))


class UnreadableField(InvalidFields):
    """A field whose submitted value cannot be read: shown under the field, by block id."""


def _no_nul(text: str) -> str:
    if "\x00" in text:  # PostgreSQL cannot store it, and no keyboard types it
        raise PydanticCustomError("nul_character", "NUL character")
    return text


class _Option(BaseModel):
    value: Annotated[str, Field(max_length=ID_MAX)]


class _Element(BaseModel):
    """The state of one input, as Slack sends it (only the key of its kind is set)."""

    value: Annotated[str, Field(max_length=TEXT_MAX), AfterValidator(_no_nul)] | None = None
    selected_option: _Option | None = None
    selected_options: Annotated[list[_Option], Field(max_length=SELECT_OPTIONS_MAX)] | None = None
    selected_user: SlackId | None = None
    selected_conversation: SlackId | None = None
    selected_channel: SlackId | None = None
    selected_date: date | None = None
    selected_time: time | None = None

    def text(self) -> str | None:
        """The value whatever the element's kind, stripped; None when empty."""
        option = self.selected_option.value if self.selected_option else None
        hhmm = self.selected_time.strftime("%H:%M") if self.selected_time else None
        day = self.selected_date.isoformat() if self.selected_date else None
        for found in (
            self.value, self.selected_user, self.selected_conversation, self.selected_channel,
            hhmm, day, option,
        ):  # fmt: skip
            if found is not None:
                return found.strip() or None
        return None


class _Submitted(BaseModel):
    """A view as submitted or clicked in: its handle, metadata and the inputs' state."""

    id: SlackId = ""
    hash: SlackId | None = None
    private_metadata: Text | None = None
    values: Annotated[dict[SlackId, dict[SlackId, Any]], Field(max_length=BLOCKS_MAX)] = {}
    blocks: Annotated[list[Any], Field(max_length=BLOCKS_MAX)] = []

    @classmethod
    def of(cls, view: Any) -> _Submitted:
        """Raises OutOfDate for anything that is not a view Slack would send."""
        try:
            state = view.get("state") or {} if isinstance(view, Mapping) else None
            values = state.get("values") or {} if isinstance(state, Mapping) else None
            return cls.model_validate({**view, "values": values})
        except (ValidationError, TypeError):
            raise OutOfDate() from None


# What to say under a field whose value does not fit: by pydantic's error type, else by the
# element's key (a picker), else that it cannot be read.
FIELD_PROBLEMS = {
    "string_too_long": N_("At most {limit} characters here."),
    "nul_character": N_("Remove the invisible NUL character from this text."),
    "selected_date": N_("Pick a date."),
    "selected_time": N_("Pick a time."),
}


def _unreadable(block_id: str, error: ValidationError) -> UnreadableField:
    first = error.errors()[0]
    message = FIELD_PROBLEMS.get(first["type"]) or FIELD_PROBLEMS.get(
        str(first["loc"][0]) if first["loc"] else "", N_("I can't read this value: enter it again.")
    )
    limit = (first.get("ctx") or {}).get("max_length", TEXT_MAX)
    return UnreadableField({block_id: (message, {"limit": limit})})


def _declared_max(view: _Submitted, block_id: str) -> int:
    """The max_length the modal declared for the input (Slack enforces it; we do too)."""
    for block in view.blocks:
        if isinstance(block, Mapping) and block.get("block_id") == block_id:
            element = block.get("element")
            limit = element.get("max_length") if isinstance(element, Mapping) else None
            return limit if isinstance(limit, int) and 0 < limit < TEXT_MAX else TEXT_MAX
    return TEXT_MAX


def _element(view: Any, block_id: str) -> _Element | None:
    """The input of `block_id` (None when the block was not sent). Raises UnreadableField
    for a value that does not fit it, OutOfDate for a view that is not one."""
    submitted = _Submitted.of(view)
    block = submitted.values.get(block_id) or {}
    element = block.get(block_id) or next(iter(block.values()), None)
    if element is None:
        return None
    try:
        parsed = _Element.model_validate(element)
    except ValidationError as error:
        raise _unreadable(block_id, error) from None
    limit = _declared_max(submitted, block_id)
    if parsed.value is not None and len(parsed.value) > limit:
        raise UnreadableField({block_id: (FIELD_PROBLEMS["string_too_long"], {"limit": limit})})
    return parsed


def state_value(view: Mapping[str, Any], block_id: str) -> str | None:
    """The submitted value of the input in `block_id`, whatever its element type; None when
    nothing was entered or selected (see `_element` for what it raises)."""
    element = _element(view, block_id)
    return element.text() if element else None


CHECKED = "checked"  # the value of a checkbox_input's one box


def _has_input(view: Any, block_id: str) -> bool:
    return any(
        isinstance(b, Mapping) and b.get("block_id") == block_id for b in _Submitted.of(view).blocks
    )


def checked_value(view: Mapping[str, Any], block_id: str) -> bool | None:
    """Whether the box of a `checkbox_input` is ticked; None when the view has no such input
    (Slack may leave an unticked box out of the state)."""
    element = _element(view, block_id)
    if element is None:
        return False if _has_input(view, block_id) else None
    return any(o.value == CHECKED for o in element.selected_options or [])


def initially_checked(view: Mapping[str, Any], block_id: str) -> bool:
    """Whether the box of a `checkbox_input` was ticked when the modal was drawn."""
    for block in _Submitted.of(view).blocks:
        if isinstance(block, Mapping) and block.get("block_id") == block_id:
            element = block.get("element")
            return isinstance(element, Mapping) and bool(element.get("initial_options"))
    return False


def date_value(view: Mapping[str, Any], block_id: str) -> date | None:
    """The date picked in `block_id`, None when none was."""
    element = _element(view, block_id)
    if element and element.selected_date is None and element.text() is not None:
        raise UnreadableField({block_id: (FIELD_PROBLEMS["selected_date"], {})})
    return element.selected_date if element else None


def time_value(view: Mapping[str, Any], block_id: str) -> time | None:
    """The time picked in `block_id`, None when none was."""
    element = _element(view, block_id)
    if element and element.selected_time is None and element.text() is not None:
        raise UnreadableField({block_id: (FIELD_PROBLEMS["selected_time"], {})})
    return element.selected_time if element else None


E = TypeVar("E", bound=StrEnum)


def choice_value(view: Mapping[str, Any], block_id: str, choices: type[E], default: E) -> E:
    """The option picked in `block_id` among `choices` (`default` when none is)."""
    picked = state_value(view, block_id)
    if picked is None:
        return default
    if picked not in choices._value2member_map_:
        raise UnreadableField({block_id: (N_("Pick one of the choices."), {})})
    return choices(picked)


def number_choice(view: Mapping[str, Any], block_id: str, *, default: int, top: int) -> int:
    """A select whose values are the numbers 0 to `top` (weekdays, confidence…)."""
    picked = state_value(view, block_id)
    if picked is None:
        return default
    if not (picked.isdigit() and int(picked) <= top):
        raise UnreadableField({block_id: (N_("Pick one of the choices."), {})})
    return int(picked)


def ref_choice(view: Mapping[str, Any], block_id: str) -> int | None:
    """A select whose values are ids or references (teams, objectives); None when none is."""
    picked = state_value(view, block_id)
    if picked is None:
        return None
    if not (picked.isascii() and picked.isdigit() and int(picked) <= INT64_MAX):
        raise UnreadableField({block_id: (N_("Pick one of the choices."), {})})
    return int(picked)


def metadata(view: Any, model: type[M], *, fallback: M | None = None) -> M:
    """The view's private_metadata as `model`. Metadata this version did not write raises
    OutOfDate, or gives `fallback` when there is one."""
    try:
        return model.model_validate_json(_Submitted.of(view).private_metadata or "{}")
    except (ValidationError, OutOfDate):
        if fallback is None:
            raise OutOfDate() from None
        return fallback


def view_handle(view: Any) -> tuple[str, str | None]:
    """The id and hash of the view an action was clicked in, to update it."""
    submitted = _Submitted.of(view)
    if not submitted.id:
        raise OutOfDate()
    return submitted.id, submitted.hash


class _Action(BaseModel):
    action_id: SlackId = ""
    value: SlackId | None = None
    selected_option: _Option | None = None


def action_value(action: Mapping[str, Any]) -> str:
    """A button's value or the option picked in a menu. Raises OutOfDate when it has none."""
    try:
        parsed = _Action.model_validate(action)
    except ValidationError:
        raise OutOfDate() from None
    found = parsed.value if parsed.value is not None else None
    if found is None and parsed.selected_option is not None:
        found = parsed.selected_option.value
    if found is None:
        raise OutOfDate()
    return found


def payload_int(text: str) -> int:
    """A reference or id carried in a payload. Raises OutOfDate unless it is one."""
    if not (text.isascii() and text.isdigit() and int(text) <= INT64_MAX):
        raise OutOfDate()
    return int(text)


def action_ref(action: Mapping[str, Any]) -> int:
    """The reference a button or option carries (`"12"`, or the `12` of `"verb:12"`)."""
    return payload_int(action_value(action).rpartition(":")[2])


def action_choice(action: Mapping[str, Any]) -> tuple[str, str]:
    """`"verb:rest"` as picked in an overflow menu."""
    verb, _, rest = action_value(action).partition(":")
    return verb, rest


def inline_errors(t: Translator, invalid: InvalidFields) -> dict[str, str]:
    """Service field errors as Slack's `response_action="errors"` map, in the user's words."""
    return {field: t(message, **values) for field, (message, values) in invalid.fields.items()}


NOT_A_NUMBER = N_("“{text}” is not a number.")


def number_problem(
    t: Translator, raw: str, not_a_number: str = NOT_A_NUMBER
) -> tuple[float | None, str | None]:
    """`raw` as a number typed in the user's locale, or what is wrong with it in their words:
    `not_a_number` (a msgid), or the limit for a number Polaris cannot hold."""
    try:
        return t.parse_number(raw), None
    except NumberOutOfRange:
        return None, t("Numbers go up to {limit}.", limit=t.number(NUMBER_LIMIT - 1))
    except ValueError:
        return None, t(not_a_number, text=clip(raw, 40))


def parse_number_field(
    t: Translator, view: Mapping[str, Any], block_id: str, errors: dict[str, str]
) -> float | None:
    """A number typed in the user's locale; records an inline error when it is not one."""
    raw = state_value(view, block_id)
    if raw is None:
        errors[block_id] = t("Enter a number.")
        return None
    value, problem = number_problem(t, raw)
    if problem:
        errors[block_id] = problem
    return value
