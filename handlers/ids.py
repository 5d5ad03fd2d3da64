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


# Other words people type for the same subcommand: short forms, and the French words (the
# glossary's), accepted whatever the person's locale.
SUBCOMMAND_ALIASES: dict[str, Subcommand] = {
    "nsm": Subcommand.NORTHSTAR,
    "north-star": Subcommand.NORTHSTAR,
    "étoile": Subcommand.NORTHSTAR,
    "etoile": Subcommand.NORTHSTAR,
    "?": Subcommand.HELP,
    "aide": Subcommand.HELP,
    "équipe": Subcommand.TEAM,
    "equipe": Subcommand.TEAM,
    "nouveau": Subcommand.NEW,
    "nouvel": Subcommand.NEW,
    "nouvelle": Subcommand.NEW,
    "maj": Subcommand.UPDATE,
    "check-in": Subcommand.CHECKIN,
    "point": Subcommand.CHECKIN,
    "liste": Subcommand.LIST,
    "bilan": Subcommand.DIGEST,
    "reprendre": Subcommand.RESUME,
}


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"


class ObjectiveAction(StrEnum):
    MENU = "objective_menu"  # overflow; option values are "<action>:<ref>"
    KR_MENU = "key_result_menu"  # overflow on a KR line: update or edit
    EDIT = "edit"
    ADD_KEY_RESULT = "add_kr"
    MARK_DONE = "done"
    ARCHIVE = "archive"
    REOPEN = "reopen"
    EDIT_KEY_RESULT = "edit_kr"
    UPDATE_FROM_POST = "objective_update"
    UPDATE_KEY_RESULT = "kr_update"  # a button whose value is the KR ref
    ADD_KR_SLOT = "objective_add_kr_slot"
    KR_KIND = "objective_kr_kind"  # a KR's kind changed: a milestone asks no start or target
    CREATE_TEAM = "team_create"


class Callback(StrEnum):
    """callback_id of each modal."""

    TEAM = "team_modal"
    NEW_OBJECTIVE = "objective_new_modal"
    EDIT_OBJECTIVE = "objective_edit_modal"
    KEY_RESULT = "key_result_modal"
    UPDATE = "update_modal"
    CHECK_IN = "check_in_modal"
    PAUSE = "pause_modal"
    OUT_OF_DATE = "out_of_date_modal"  # shown in place of a modal of an older Polaris


class ListAction(StrEnum):
    """`/okr list` paging buttons; their value is a `ListPage` (scope and page) as JSON."""

    PREVIOUS = "list_page_previous"
    NEXT = "list_page_next"


# --- North Star (issue 4) -------------------------------------------------------------------


class NorthStarWord(StrEnum):
    """The words after `/okr northstar` (nothing shows the North Star)."""

    SHOW = ""
    DEFINE = "define"
    RECORD = "record"
    REVIEW = "review"
    TOKEN = "token"
    LINK = "link"
    CHART = "chart"


class NorthStarCallback(StrEnum):
    TEMPLATE = "northstar_template_modal"
    DEFINE = "northstar_define_modal"
    SAVED = "northstar_saved_modal"
    RECORD = "northstar_record_modal"


class NorthStarAction(StrEnum):
    ARCHETYPE = "northstar_archetype"
    TEMPLATE = "northstar_template"
    INPUT = "northstar_input"  # every plain field of the modals (block ids tell them apart)
    RECORD = "northstar_record_open"
    CHART = "northstar_chart"


class NorthStarBlock(StrEnum):
    ARCHETYPE = "ns_archetype"
    TEMPLATE = "ns_template"  # suffixed with the archetype, so a new list starts unselected
    NAME = "ns_name"
    DEFINITION = "ns_definition"
    UNIT = "ns_unit"
    DIRECTION = "ns_direction"
    WINDOW = "ns_window"
    TARGET = "ns_target"
    TARGET_DATE = "ns_target_date"
    OWNER = "ns_owner"
    MEASURED_SINCE = "ns_measured_since"
    COUNTER_METRICS = "ns_counter_metrics"
    INPUT_NAME = "ns_input_name"  # the input metric slots: ns_input_name_0 … _5
    INPUT_DEFINITION = "ns_input_definition"
    INPUT_OWNER = "ns_input_owner"
    INPUT_DIRECTION = "ns_input_direction"
    METRIC = "ns_metric"
    VALUE = "ns_value"
    DATE = "ns_date"


class CheckInAction(StrEnum):
    """Check-in buttons outside the DM: on the Home tab and under the weekly digest."""

    OPEN = "checkin_open"  # the check-in modal with my KRs due
    NO_CHANGE_ALL = "checkin_no_change_all"  # "no change" for each of my KRs due
    OPEN_HOME = "checkin_open_home"  # a link to Polaris's Home tab


class NudgeAction(StrEnum):
    """Buttons of the weekly check-in DM; their value is the nudge id."""

    NO_CHANGE = "nudge_no_change"
    UPDATE = "nudge_update"
    SKIP = "nudge_skip"
    SNOOZE = "nudge_snooze"  # overflow; option values are "<nudge id>:<days>"
    UNDO = "nudge_undo"


#: Every action_id this version puts on a button, menu or field. One that is not here comes
#: from an older Polaris (a message posted before an upgrade): `handlers.stale` answers it.
ACTION_IDS: frozenset[str] = frozenset(
    str(member)
    for ids in (ObjectiveAction, ListAction, NorthStarAction, CheckInAction, NudgeAction)
    for member in ids
)
