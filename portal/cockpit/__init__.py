"""党建驾驶舱: key figures and charts of one organisation's subtree for one year.

To add a figure: write `def my_figure(scope: Scope, period: Period) -> Figure | list | None`
(query the scope's subtree with `scope.path`, count up to `period.end`, link each number to
its list with `scope.url(...)`) and append it to `FIGURES`; charts likewise to `CHARTS`.
The home pages, the organisation profile and the print views then show it, cached with the
rest; the services that write its inputs call `caching.changed(...)` for its topic.
"""

import datetime

from django.utils import timezone

from . import providers, providers_apps, providers_life
from .base import (
    Chart,
    Cockpit,
    Figure,
    Part,
    Period,
    Scope,
    Series,
    cached_cockpit,
)

FIGURES = [
    providers.organizations,
    providers.members,
    providers_life.compliance,
    providers_life.activities,
    providers.development,
    providers_life.service_records,
    providers_apps.strongest_share,
    providers_apps.training_hours,
    providers_apps.list_items,
    providers_apps.assessment,
    providers_apps.dues_arrears,
]

CHARTS = [
    providers_life.compliance_heatmap,
    providers_life.activities_by_month,
    providers.member_composition,
    providers_apps.ratings_by_category,
    providers_apps.training_by_month,
]


def cockpit_for(organization, *, year: int | None = None, today: datetime.date | None = None):
    """The cockpit of `organization`'s subtree (the caller has checked the user may see it)."""
    today = today or timezone.localdate()
    period = Period.of(year or today.year, today)
    return cached_cockpit(
        Scope.of(organization), period, FIGURES, CHARTS, organization_id=organization.pk
    )


__all__ = [
    "CHARTS",
    "FIGURES",
    "Chart",
    "Cockpit",
    "Figure",
    "Part",
    "Period",
    "Scope",
    "Series",
    "cockpit_for",
]
