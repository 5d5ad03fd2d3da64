"""The four archetypes of the seed (Agile4Enterprise) and the intention each one carries."""

from __future__ import annotations

from bot.domain.errors import N_

ARCHETYPE_NAMES = {
    "project": N_("Project"),
    "product": N_("Product"),
    "network": N_("Network"),
    "flow": N_("Flow"),
}
ARCHETYPE_INTENTIONS = {
    "project": N_("Succeed in a targeted, often time-boxed transformation"),
    "product": N_("Sustainable growth through a clear value proposition"),
    "network": N_("Encourage distributed innovation and collaboration"),
    "flow": N_("Optimise operational excellence"),
}
