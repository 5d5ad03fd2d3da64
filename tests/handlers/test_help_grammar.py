"""The help shows exactly the grammar that works: every form of every usage it prints, in
English and in French, reads back through the parsers the commands use (issue 12)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.i18n import catalog_messages, translator
from handlers.args import (
    parse_list_scope,
    parse_pause_until,
    parse_update_line,
    split_first,
    tokenize,
)
from handlers.commands import SUBCOMMANDS, resolve_subcommand
from handlers.digest import POST_WORDS
from handlers.ids import Subcommand
from handlers.northstar import NORTHSTAR_WORDS
from handlers.ui.help import build_help_message

TODAY = date(2026, 11, 25)
USAGE = re.compile(r"`(/okr [^`]*)` — ")
OPTIONS = re.compile(r"^(/okr \S+)(?: \[(.*)\])?$")


def help_usages(locale: str) -> list[str]:
    """Every command the help shows, as `/okr …` (a usage with ` · ` is several)."""
    blocks = build_help_message(translator(locale), available=SUBCOMMANDS.keys(), today=TODAY)
    text = "\n".join(str(block.to_dict()) for block in blocks)
    return [command for usage in USAGE.findall(text) for command in usage.split(" · ")]


def forms(usage: str) -> list[str]:
    """`/okr list [mine | @person]` → `/okr list`, `/okr list mine`, `/okr list @person`."""
    match = OPTIONS.match(usage)
    if match is None:
        return [usage]  # a whole example, such as `/okr pause until December 9`
    command, options = match.groups()
    if options is None:
        return [command]
    return [command] + [f"{command} {option.strip()}" for option in options.split("|")]


def as_slack_sends(text: str) -> str:
    """What Slack sends when the person picks `@person` or `#channel` from its list."""
    text = re.sub(r"@(\w+)", r"<@U123|\1>", text)
    return re.sub(r"#(\w+)", r"<#C123|\1>", text)


def reads_back(locale: str, command: str) -> bool:
    t = translator(locale)
    word, args = split_first(as_slack_sends(command.removeprefix("/okr ")))
    subcommand = resolve_subcommand(word)
    if subcommand is None:
        return False
    if subcommand is Subcommand.UPDATE:
        return not args or parse_update_line(t, args).complete
    if subcommand is Subcommand.LIST:
        scope = parse_list_scope(args, "U1", "C1")  # raises what it cannot read
        # A keyword (`team`, `équipe`) is not a team's name: only a quoted name is.
        return scope.team_name is None or args.startswith('"')
    if subcommand is Subcommand.NORTHSTAR:
        return split_first(args)[0] in NORTHSTAR_WORDS
    if subcommand is Subcommand.DIGEST:
        return not args or " ".join(tokenize(args)).lower() in POST_WORDS
    if subcommand is Subcommand.PAUSE:
        return not args or parse_pause_until(t, args, today=TODAY) is not None
    return not args


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "fr-FR"])
def test_every_form_the_help_shows_parses(locale: str) -> None:
    shown = [form for usage in help_usages(locale) for form in forms(usage)]
    assert len(shown) > 20
    assert [form for form in shown if not reads_back(locale, form)] == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", '/okr list [mine | @person | #channel | team | "Team name"]'),
        ("fr-FR", '/okr list [moi | @personne | #canal | équipe | "Nom de l’équipe"]'),
        ("en-US", '/okr update [KR-12 1,500 8 "note" | KR-3 done]'),
        ("fr-FR", '/okr update [KR-12 1 500 8 "note" | KR-3 fait]'),
    ],
)
def test_the_help_shows_the_grammar_in_the_reader_s_words(locale: str, expected: str) -> None:
    assert expected in help_usages(locale)


def test_an_unknown_subcommand_is_echoed_escaped() -> None:
    blocks = build_help_message(
        translator("en-US"), available=SUBCOMMANDS.keys(), unknown="<!channel>&"
    )
    assert "I don't know `/okr &lt;!channel&gt;&amp;`." in str(blocks[0].to_dict())


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_command_a_message_suggests_reaches_its_subcommand(language: str) -> None:
    """Error messages and hints quote commands (`/okr list #growth`): each one routes."""
    quoted = {
        command
        for msgid, text in catalog_messages(language).items()
        for command in re.findall(r"`(/okr[^`{]*)`", f"{msgid} {text}")
    }
    assert len(quoted) > 15
    wrong = []
    for command in sorted(quoted):
        word, args = split_first(command.removeprefix("/okr").strip())
        subcommand = resolve_subcommand(word or "help")
        if subcommand is None or (
            subcommand is Subcommand.NORTHSTAR and split_first(args)[0] not in NORTHSTAR_WORDS
        ):
            wrong.append(command)
    assert wrong == []
