"""The four archetypes of the seed (Agile4Enterprise): names and the intention each carries.
They decide which North Star templates are suggested."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import N_


class Archetype(StrEnum):
    """The kind of organisation a team is."""

    PROJECT = "project"
    PRODUCT = "product"
    NETWORK = "network"
    FLOW = "flow"


ARCHETYPE_LABELS: dict[Archetype, str] = {
    Archetype.PROJECT: N_("Project"),
    Archetype.PRODUCT: N_("Product"),
    Archetype.NETWORK: N_("Network"),
    Archetype.FLOW: N_("Flow"),
}
ARCHETYPE_INTENTIONS: dict[Archetype, str] = {
    Archetype.PROJECT: N_("Succeed in a targeted, often time-boxed transformation"),
    Archetype.PRODUCT: N_("Sustainable growth through a clear value proposition"),
    Archetype.NETWORK: N_("Encourage distributed innovation and collaboration"),
    Archetype.FLOW: N_("Optimise operational excellence"),
}
