"""Errors that carry a message for the user (a catalog msgid, translated by the handlers)."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it here (the user's locale is unknown)."""
    return message


class Markup(str):
    """A value Polaris wrote as Slack markup itself (e.g. channel links): shown as it is,
    where every other value of a message, the person's own words, is escaped."""


class UserError(Exception):
    """A refusal or a mistake the user can fix. `message` is a msgid; `values` fill it in."""

    def __init__(self, message: str, /, **values: Any) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


class NotFound(UserError):
    """What the user named does not exist in their workspace."""


class PermissionDenied(UserError):
    """The user may not do this (not an owner, lead or admin)."""


class InvalidFields(UserError):
    """Some fields are wrong: field name → (msgid, values).

    One error for every surface: a modal shows each message inline on its field, the REST API
    answers 422 naming the field(s), a command answers with the message alone. With one field,
    `message` and `values` are that field's (so a message says which field in words, never
    with a developer's prefix such as "value: …": it reads well alone, under its field as in
    a command's answer); with several, `message` asks to look at the fields.
    """

    def __init__(self, fields: dict[str, tuple[str, dict[str, Any]]]) -> None:
        if len(fields) == 1:
            [(message, values)] = fields.values()
            super().__init__(message, **values)
        else:
            super().__init__(N_("Some fields need your attention."))
        self.fields = fields

    @property
    def field(self) -> str:
        """The first field named (the only one, most often)."""
        return next(iter(self.fields))


def field_error(field: str, message: str, /, **values: Any) -> InvalidFields:
    return InvalidFields({field: (message, values)})
