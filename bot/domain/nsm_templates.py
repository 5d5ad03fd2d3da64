"""The suggested North Stars per archetype (the seed's table). Pure data; every text is a
msgid."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.archetypes import Archetype
from bot.domain.errors import N_
from bot.domain.northstar import Direction, TimeWindow


@dataclass(frozen=True)
class NsmTemplate:
    """A suggested North Star for an archetype; every text is a msgid."""

    key: str
    archetype: Archetype
    intention: str
    name: str
    definition: str
    unit: str
    direction: Direction
    window: TimeWindow
    inputs: tuple[str, ...]


TEMPLATES: tuple[NsmTemplate, ...] = (
    NsmTemplate(
        key="project_adoption",
        archetype=Archetype.PROJECT,
        intention=N_("Succeed in a targeted, often time-boxed transformation"),
        name=N_("User segments adopting the new process within 3 months"),
        definition=N_(
            "Number of user segments that use the new process in their daily work within "
            "3 months of its launch."
        ),
        unit=N_("segments"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.QUARTER,
        inputs=(
            N_("Segments trained on the new process"),
            N_("Pilot segments live"),
            N_("Blocking issues solved within a week"),
        ),
    ),
    NsmTemplate(
        key="product_sessions",
        archetype=Archetype.PRODUCT,
        intention=N_("Sustainable growth through a clear value proposition"),
        name=N_("Weekly usage sessions completed with satisfaction ≥ 4/5"),
        definition=N_(
            "Product usage sessions completed in the week whose user rated them at least 4 out "
            "of 5."
        ),
        unit=N_("sessions"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.WEEK,
        inputs=(
            N_("New users activated"),
            N_("Sessions per active user"),
            N_("Share of sessions rated"),
        ),
    ),
    NsmTemplate(
        key="product_value",
        archetype=Archetype.PRODUCT,
        intention=N_("Customer value per product"),
        name=N_("Monthly active adoption per priority segment"),
        definition=N_(
            "Share of the priority segment's customers who actively used the product this "
            "month (recurring revenue or average basket are alternatives)."
        ),
        unit="%",
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Priority-segment customers onboarded"),
            N_("Key feature adoption"),
            N_("Customers retained after 90 days"),
        ),
    ),
    NsmTemplate(
        key="product_lead_time",
        archetype=Archetype.PRODUCT,
        intention=N_("Idea-to-value lead time"),
        name=N_("Median time from opportunity to production with real customer impact"),
        definition=N_(
            "Median number of days between spotting an opportunity and its release to "
            "production, counted once a real customer impact is measured."
        ),
        unit=N_("days"),
        direction=Direction.LOWER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Opportunities explored"),
            N_("Deployments per week"),
            N_("Releases with measured impact"),
        ),
    ),
    NsmTemplate(
        key="network_relationships",
        archetype=Archetype.NETWORK,
        intention=N_("Encourage distributed innovation and collaboration"),
        name=N_("Relationships created per active member per quarter"),
        definition=N_(
            "New working relationships created in the quarter divided by the number of "
            "active members of the network."
        ),
        unit=N_("relationships"),
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.QUARTER,
        inputs=(
            N_("Active members"),
            N_("Cross-team events held"),
            N_("Introductions made"),
        ),
    ),
    NsmTemplate(
        key="flow_lead_time",
        archetype=Archetype.FLOW,
        intention=N_("Optimise operational excellence"),
        name=N_("Mean time between request and compliant delivery"),
        definition=N_(
            "Mean number of days between a customer's request and the delivery that meets "
            "every requirement."
        ),
        unit=N_("days"),
        direction=Direction.LOWER_IS_BETTER,
        window=TimeWindow.MONTH,
        inputs=(
            N_("Work in progress"),
            N_("Deliveries compliant the first time"),
            N_("Requests waiting more than 5 days"),
        ),
    ),
)

#: The value of the "start from a blank definition" choice.
BLANK_TEMPLATE = "blank"


def templates_for(archetype: Archetype) -> tuple[NsmTemplate, ...]:
    return tuple(tpl for tpl in TEMPLATES if tpl.archetype is archetype)


def template_by_key(key: str | None) -> NsmTemplate | None:
    return next((tpl for tpl in TEMPLATES if tpl.key == key), None)
