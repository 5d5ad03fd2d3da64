"""The North Star's Block Kit builders and parsers: valid for Slack in both languages, and the
typed arguments of `/okr northstar record` (numbers as each locale writes them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from slack_sdk.models.views import View

from bot.domain.archetypes import Archetype
from bot.domain.errors import InvalidFields
from bot.domain.nsm_templates import BLANK_TEMPLATE, TEMPLATES
from bot.i18n import translator
from bot.services.read_models import NorthStarForm
from handlers.args import parse_record_args
from handlers.ui.northstar_define import (
    build_define_modal,
    build_template_modal,
    draft_from_template,
    parse_define_submission,
)
from tests.factories import team_view_stub

TEAM = replace(team_view_stub(), lead_user_id=None)
LOCALES = ["en-US", "fr-FR"]


def valid(view: View) -> dict:
    rendered = view.to_dict()  # slack_sdk checks lengths (title ≤ 24, options ≤ 75, …)
    assert len(rendered["blocks"]) <= 100
    return rendered


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("archetype", list(Archetype))
def test_template_modal_for_each_archetype(locale: str, archetype: Archetype) -> None:
    t = translator(locale)
    form = NorthStarForm(TEAM, archetype, None)
    rendered = valid(build_template_modal(t, form, channel_id="C1", archetype=archetype))
    radio = rendered["blocks"][2]
    assert radio["block_id"] == f"ns_template_{archetype.value}"
    values = [o["value"] for o in radio["element"]["options"]]
    assert values[-1] == BLANK_TEMPLATE
    assert values[:-1] == [tpl.key for tpl in TEMPLATES if tpl.archetype is archetype]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", [tpl.key for tpl in TEMPLATES] + [BLANK_TEMPLATE])
def test_define_modal_from_each_template(locale: str, key: str) -> None:
    t = translator(locale)
    draft = draft_from_template(t, key, archetype=Archetype.PRODUCT, owner_user_id="U1")
    valid(build_define_modal(t, draft, channel_id="C1", team_id=1))


def test_the_french_template_is_in_french() -> None:
    t = translator("fr-FR")
    draft = draft_from_template(t, "network_relationships", archetype=None, owner_user_id="UFR")
    assert draft.name == "Relations créées par membre actif par trimestre"
    assert draft.unit == "relations" and draft.archetype is Archetype.NETWORK


def test_define_submission_round_trip_with_a_french_target() -> None:
    t = translator("fr-FR")
    draft = draft_from_template(t, "product_sessions", archetype=None, owner_user_id="UFR")
    view = build_define_modal(t, draft, channel_id="C1", team_id=1).to_dict()
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state: dict = {"type": element["type"]}
        if element["type"] == "plain_text_input":
            state["value"] = element.get("initial_value")
        elif element["type"] == "static_select":
            state["selected_option"] = element.get("initial_option")
        elif element["type"] == "users_select":
            state["selected_user"] = element.get("initial_user")
        values[block["block_id"]] = {element["action_id"]: state}
    values["ns_target"]["northstar_input"]["value"] = "1 234,5"
    values["ns_counter_metrics"]["northstar_input"]["value"] = "Churn: clients perdus\n\nNPS"
    meta, parsed, errors = parse_define_submission(t, {**view, "state": {"values": values}})
    assert errors == {}
    assert meta.team_id == 1 and meta.template == "product_sessions"
    assert parsed.target == 1234.5
    assert [c.name for c in parsed.counter_metrics] == ["Churn", "NPS"]
    assert parsed.counter_metrics[0].definition == "clients perdus"
    assert [m.name for m in parsed.inputs] == [t(n) for n in TEMPLATES[1].inputs]


@pytest.mark.parametrize(
    ("args", "metric", "value", "on"),
    [
        ("1234", None, "1234", None),
        ("1234 2026-11-23", None, "1234", date(2026, 11, 23)),
        ("1 234,5", None, "1 234,5", None),
        ("1\u00a0234,5 2026-11-16", None, "1 234,5", date(2026, 11, 16)),
        ("12 345 678", None, "12 345 678", None),
        ('"Activation rate" 56', "Activation rate", "56", None),
        ("“Taux d’activation” 56,5 2026-11-16", "Taux d’activation", "56,5", date(2026, 11, 16)),
        ("Activation rate 56", "Activation rate", "56", None),
        ("Segments 2 5", "Segments 2", "5", None),
        ('"Activation rate"', "Activation rate", None, None),
        ("", None, None, None),
        ("12abc", None, "12abc", None),
        ("nsm -3", "nsm", "-3", None),
    ],
)
def test_record_arguments(
    args: str, metric: str | None, value: str | None, on: date | None
) -> None:
    parsed = parse_record_args(EN, args, today=TODAY)
    assert (parsed.metric, parsed.value, parsed.on) == (metric, value, on)


# Wednesday 25 November 2026.
TODAY = date(2026, 11, 25)
EN = translator("en-US")


@pytest.mark.parametrize(
    ("locale", "args", "metric", "value", "on"),
    [
        # The date as the locale writes it in figures, like `/okr pause` reads it.
        ("fr-FR", "5 23/11/2026", None, "5", date(2026, 11, 23)),
        ("fr-FR", "Taux 1 234,5 23.11.2026", "Taux", "1 234,5", date(2026, 11, 23)),
        ("en-GB", "5 23/11/26", None, "5", date(2026, 11, 23)),
        ("en-US", "5 11/23/2026", None, "5", date(2026, 11, 23)),
        # Without the year: the latest such day (a reading is of the past).
        ("fr-FR", "5 23/11", None, "5", date(2026, 11, 23)),
        ("fr-FR", "5 24/12", None, "5", date(2025, 12, 24)),
        # A decimal is a value, not a date.
        ("fr-FR", "12,5", None, "12,5", None),
        ("en-US", "12.5", None, "12.5", None),
    ],
)
def test_record_dates_as_people_write_them(
    locale: str, args: str, metric: str | None, value: str, on: date | None
) -> None:
    parsed = parse_record_args(translator(locale), args, today=TODAY)
    assert (parsed.metric, parsed.value, parsed.on) == (metric, value, on)


@pytest.mark.parametrize(
    ("locale", "args"), [("en-US", "5 23/11/2026"), ("en-US", "5 2026-02-30"), ("fr-FR", "5 31/02")]
)
def test_record_arguments_with_a_wrong_date(locale: str, args: str) -> None:
    with pytest.raises(InvalidFields) as problem:
        parse_record_args(translator(locale), args, today=TODAY)
    assert problem.value.field == "date"


@pytest.mark.parametrize(
    ("locale", "typed", "value"),
    [
        ("fr-FR", "1 234,5", 1234.5),
        ("fr-FR", "1\u202f234,5", 1234.5),
        ("fr-FR", "0,75", 0.75),
        ("fr-FR", "-3,5", -3.5),
        ("en-US", "1,234.5", 1234.5),
        ("en-US", "0.75", 0.75),
        ("en-US", "1234", 1234.0),
    ],
)
def test_reading_values_in_both_locales(locale: str, typed: str, value: float) -> None:
    parsed = parse_record_args(translator(locale), typed, today=TODAY)
    assert parsed.value is not None
    assert translator(locale).parse_number(parsed.value) == value
