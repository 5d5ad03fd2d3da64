"""Shared modal pieces: inputs whose action_id is their block_id, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.domain.errors import InvalidFields
from bot.i18n import Translator
from bot.services.read_models import Choice

M = TypeVar("M", bound=BaseModel)
OPTION_TEXT_MAX = 75  # Slack's limit for an option's text


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    max_length: int = 150,
    optional: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def option(choice: Choice) -> Option:
    label = choice.label if len(choice.label) <= OPTION_TEXT_MAX else choice.label[:74] + "…"
    return Option(value=choice.value, text=label)


def select_input(
    block_id: str,
    label: str,
    choices: Sequence[Choice],
    *,
    initial: str | None = None,
    optional: bool = False,
    dispatch_action: bool = False,
    placeholder: str | None = None,
) -> InputBlock:
    options = [option(c) for c in choices[:100]]  # a static select holds 100 options at most
    initial_option = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        dispatch_action=dispatch_action or None,
        element=StaticSelectElement(
            action_id=block_id,
            options=options,
            initial_option=initial_option,
            placeholder=placeholder,
        ),
    )


def user_input(block_id: str, label: str, *, initial: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=UserSelectElement(action_id=block_id, initial_user=initial),
    )


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


def metadata(view: Mapping[str, Any], model: type[M]) -> M:
    return model.model_validate_json(view.get("private_metadata") or "{}")


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
