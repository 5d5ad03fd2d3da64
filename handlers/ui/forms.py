"""Shared modal pieces: inputs (whose action_id is their block_id unless told otherwise), their
options, reading them back, private metadata and inline errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.domain.errors import InvalidFields
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


def state_value(view: Mapping[str, Any], block_id: str) -> str | None:
    """The submitted value of the input in `block_id`, whatever its element type."""
    block = view.get("state", {}).get("values", {}).get(block_id, {})
    element = block.get(block_id) or next(iter(block.values()), None)
    if not element:
        return None
    for key in (
        "value",
        "selected_user",
        "selected_conversation",
        "selected_channel",
        "selected_time",
        "selected_date",
    ):
        if element.get(key) is not None:
            return str(element[key]).strip() or None
    selected = element.get("selected_option")
    return str(selected["value"]) if selected else None


def date_value(view: Mapping[str, Any], block_id: str) -> date | None:
    """The date picked in `block_id`, None when none was."""
    picked = state_value(view, block_id)
    return date.fromisoformat(picked) if picked else None


def metadata(view: Mapping[str, Any], model: type[M], *, fallback: M | None = None) -> M:
    """The view's private_metadata as `model`. Metadata this version did not write raises
    pydantic's ValidationError, or gives `fallback` when there is one."""
    try:
        return model.model_validate_json(view.get("private_metadata") or "{}")
    except ValidationError:
        if fallback is None:
            raise
        return fallback


def inline_errors(t: Translator, invalid: InvalidFields) -> dict[str, str]:
    """Service field errors as Slack's `response_action="errors"` map, in the user's words."""
    return {field: t(message, **values) for field, (message, values) in invalid.fields.items()}


def parse_number_field(
    t: Translator, view: Mapping[str, Any], block_id: str, errors: dict[str, str]
) -> float | None:
    """A number typed in the user's locale; records an inline error when it is not one."""
    raw = state_value(view, block_id)
    if raw is None:
        errors[block_id] = t("Enter a number.")
        return None
    try:
        return t.parse_number(raw)
    except ValueError:
        errors[block_id] = t("“{text}” is not a number.", text=raw)
        return None
