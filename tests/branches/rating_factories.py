"""Rating rounds placed in a given stage (dates relative to today), and applications in a
given status, built directly so each test starts where its step begins."""

import datetime
from decimal import Decimal

from django.utils import timezone

from branches.models import (
    Level,
    RatingApplication,
    RatingItemScore,
    RatingRound,
    RatingStandard,
    RatingTitle,
    Scope,
)

# Offsets in days from today of: apply opens, apply closes, recommend closes, review closes,
# publicity starts, publicity ends.
STAGES = {
    "before": (5, 10, 15, 20, 21, 25),
    "apply": (-5, 5, 10, 15, 16, 20),
    "recommend": (-20, -1, 5, 10, 11, 15),
    "review": (-30, -20, -1, 5, 6, 10),
    "publicity": (-40, -30, -20, -10, -2, 3),
    "naming": (-50, -40, -30, -20, -10, -1),
}
FIELDS = (
    "apply_opens_on",
    "apply_closes_on",
    "recommend_closes_on",
    "review_closes_on",
    "publicity_starts_on",
    "publicity_ends_on",
)


def today():
    return timezone.localdate()


def make_round(stage="apply", *, year=None, scope=Scope.ORGAN, **fields):
    start = today()
    dates = {
        name: start + datetime.timedelta(days=offset)
        for name, offset in zip(FIELDS, STAGES[stage], strict=True)
    }
    return RatingRound.objects.create(year=year or start.year, scope=scope, **(dates | fields))


def set_stage(round, stage):
    start = today()
    for name, offset in zip(FIELDS, STAGES[stage], strict=True):
        setattr(round, name, start + datetime.timedelta(days=offset))
    round.save()
    return round


def make_application(
    round,
    organization,
    *,
    by,
    level=Level.STRONGEST,
    status=RatingApplication.Status.DRAFT,
    self_scored=False,
    reviewed=False,
):
    """An application with one score row per applicable standard, in `status`."""
    application = RatingApplication.objects.create(
        round=round, organization=organization, level=level, status=status, created_by=by
    )
    standards = RatingStandard.objects.filter(year=round.year, category=organization.category)
    RatingItemScore.objects.bulk_create(
        RatingItemScore(
            application=application,
            standard=standard,
            self_score=full_score(standard) if self_scored else None,
            review_score=full_score(standard) if reviewed else None,
        )
        for standard in standards
    )
    return application


def full_score(standard):
    return Decimal(0) if standard.method == RatingStandard.Method.DEDUCTION else standard.max_score


def make_title(organization, *, level=Level.STRONGEST, scope=Scope.ORGAN, year=None, **fields):
    year = year or today().year
    return RatingTitle.objects.create(
        organization=organization,
        level=level,
        scope=scope,
        year=year,
        awarded_on=fields.pop("awarded_on", datetime.date(year, 1, 1)),
        **fields,
    )
