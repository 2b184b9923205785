"""The demo's 学习强国 scores, per quarter."""

from branches.models import Member

from ..models import XuexiScore


def seed_scores(rng, recorder, today) -> int:
    """学习强国 points per quarter: last year's four and this year's ended quarters."""
    periods = [(today.year - 1, q) for q in range(1, 5)]
    periods += [(today.year, q) for q in range(1, (today.month - 1) // 3 + 1)]
    members = Member.objects.in_good_standing().order_by("pk").values_list("pk", flat=True)
    scores = []
    for pk in members:
        diligence = rng.uniform(0.4, 1.1)
        for year, quarter in periods:
            scores.append(
                XuexiScore(
                    member_id=pk,
                    year=year,
                    period_kind=XuexiScore.PeriodKind.QUARTER,
                    period=quarter,
                    score=int(diligence * rng.randrange(2500, 3600)),
                    imported_by=recorder,
                )
            )
    XuexiScore.objects.bulk_create(scores, batch_size=2000)
    return len(scores)
