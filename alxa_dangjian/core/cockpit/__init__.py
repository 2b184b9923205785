"""党建驾驶舱: key figures and charts of one organisation's subtree for one year.

To add a figure: write `def my_figure(scope: Scope, period: Period) -> Figure | list | None`
(query the scope's subtree with `scope.path`, count up to `period.end`, link each number to
its list with `scope.url(...)`) and append it to `FIGURES`; charts likewise to `CHARTS`.
The home pages, the organisation profile and the print views then show it, cached and
invalidated with the rest.
"""

import datetime

from django.utils import timezone

from . import providers, providers_apps
from .base import (
    Chart,
    Cockpit,
    Figure,
    Part,
    Period,
    Scope,
    Series,
    bump_cache_version,
    cached_cockpit,
    connect_cache_invalidation,
)

FIGURES = [
    providers.organizations,
    providers.members,
    providers.compliance,
    providers.activities,
    providers.development,
    providers.service_records,
    providers_apps.strongest_share,
    providers_apps.training_hours,
    providers_apps.list_items,
    providers_apps.assessment,
    providers_apps.dues_arrears,
]

CHARTS = [
    providers.compliance_heatmap,
    providers.activities_by_month,
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


def connect_signals() -> None:
    """Bump the cockpit's cache version on every write of an input it reads itself (activity
    records are covered by the compliance cache version, which is part of the key)."""
    from activities.models import ServiceRecord
    from branches.models import (
        CommitteeSeat,
        DevelopmentCase,
        DevelopmentStep,
        Member,
        Organization,
        PartyGroup,
        Term,
    )

    connect_cache_invalidation(
        [Organization, Member, DevelopmentCase, DevelopmentStep, ServiceRecord, Term, CommitteeSeat]
        + [PartyGroup]  # read by the organisation profile, cached under the same version
    )
    connect_app_signals()


def connect_app_signals() -> None:
    """The inputs of providers_apps: ratings, training, lists, assessment, dues."""
    from assessments.models import (
        AssessmentResult,
        AssessmentRun,
        CheckpointEntry,
        ResponsibilityItem,
        ResponsibilityList,
        ScoreCard,
    )
    from branches.models import RatingApplication, RatingRound, RatingTitle
    from dues.models import DuesAssessment, DuesMonth, DuesSetting
    from training.models import Enrollment, HourRule, TrainingClass

    connect_cache_invalidation(
        [
            RatingRound,
            RatingTitle,
            RatingApplication,
            Enrollment,
            TrainingClass,
            HourRule,
            ResponsibilityList,
            ResponsibilityItem,
            CheckpointEntry,
            AssessmentRun,
            AssessmentResult,
            ScoreCard,
            DuesAssessment,
            DuesMonth,
            DuesSetting,
        ]
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
    "bump_cache_version",
    "cockpit_for",
]
