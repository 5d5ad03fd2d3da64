"""Errors that carry a message for the user (a catalog msgid, translated by the handlers)."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it here (the user's locale is unknown)."""
    return message


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
    """Some fields of a form are wrong: field name → (msgid, values). Shown inline."""

    def __init__(self, fields: dict[str, tuple[str, dict[str, Any]]]) -> None:
        super().__init__(N_("Some fields need your attention."))
        self.fields = fields


def field_error(field: str, message: str, /, **values: Any) -> InvalidFields:
    return InvalidFields({field: (message, values)})
