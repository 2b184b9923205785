"""最强党支部 (branches/ratings): applications, their items, evidence and titles belong to a
branch; rounds and standards are league-wide rows set by the work committee."""

import datetime

from branches.models import (
    Level,
    RatingApplication,
    RatingEvidence,
    RatingRound,
    RatingStandard,
    RatingTitle,
    Scope,
    SupervisionNote,
)

MODELS = {"ratingapplication", "ratingitemscore", "ratingevidence", "ratingtitle"}
MODELS |= {"supervisionnote"}  # 三期护航 (branches/views/supervision.py)


def _round():
    today = datetime.date.today()
    round, _ = RatingRound.objects.get_or_create(
        year=today.year,
        scope=Scope.ORGAN,
        defaults={
            "apply_opens_on": today - datetime.timedelta(days=5),
            "apply_closes_on": today + datetime.timedelta(days=5),
            "recommend_closes_on": today + datetime.timedelta(days=10),
            "review_closes_on": today + datetime.timedelta(days=15),
            "publicity_starts_on": today + datetime.timedelta(days=16),
            "publicity_ends_on": today + datetime.timedelta(days=20),
        },
    )
    return round


REFERENCE = {
    "ratinground": _round,
    "ratingstandard": lambda: RatingStandard.objects.order_by("pk").first(),
}


def objects(*, root, committee_a, branch_a, secretary, member):
    # A draft: the 公示 page (open to everyone) must not show it.
    application = RatingApplication.objects.create(
        round=_round(), organization=branch_a, level=Level.STRONGEST, created_by=secretary
    )
    standard = RatingStandard.objects.filter(category=branch_a.category).order_by("pk").first()
    item = application.scores.create(standard=standard)
    return {
        "supervisionnote": SupervisionNote.objects.create(
            organization=branch_a,
            round=_round(),
            phase=SupervisionNote.Phase.GUIDE,
            text="甲局支部前期导航",
            owner=secretary,
            due_on=datetime.date(2026, 12, 31),
        ),
        "ratingapplication": application,
        "ratingitemscore": item,
        "ratingevidence": RatingEvidence.objects.create(
            item=item,
            file="ratings/2026/walk",
            original_name="甲局评定佐证.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            kind="document",
            uploaded_by=secretary,
        ),
        "ratingtitle": RatingTitle.objects.create(
            organization=branch_a,
            level=Level.STRONGEST,
            scope=Scope.ORGAN,
            year=2025,
            awarded_on=datetime.date(2025, 12, 1),
        ),
    }
