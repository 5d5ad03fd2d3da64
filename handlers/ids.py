"""Every callback, action and block id in one place, so builders and listeners agree."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    OKR = "/okr"


class Subcommand(StrEnum):
    """The words after `/okr`, as PRODUCT.md names them."""

    HELP = "help"
    NEW = "new"
    UPDATE = "update"
    CHECKIN = "checkin"
    LIST = "list"
    TEAM = "team"
    NORTHSTAR = "northstar"
    DIGEST = "digest"
    PAUSE = "pause"
    RESUME = "resume"


# Other words people type for the same subcommand.
SUBCOMMAND_ALIASES: dict[str, Subcommand] = {
    "nsm": Subcommand.NORTHSTAR,
    "north-star": Subcommand.NORTHSTAR,
    "?": Subcommand.HELP,
    "aide": Subcommand.HELP,
}


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"


class ActionId(StrEnum):
    HOME_HELP = "home_help"
