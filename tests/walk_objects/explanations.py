"""Overdue explanations' part of the URL walk: a 补录申请 of branch_a awaiting its committee."""

import datetime

from activities.models import FrequencyRule, OverdueExplanation

MODELS = {"overdueexplanation"}


def objects(*, root, committee_a, branch_a, secretary, member):
    return {
        "overdueexplanation": OverdueExplanation.objects.create(
            organization=branch_a,
            rule=FrequencyRule.objects.get(kind__code="theme-day"),
            period=FrequencyRule.Period.MONTH,
            year=datetime.date.today().year - 1,
            index=6,
            kind=OverdueExplanation.Kind.LATE_ENTRY,
            status=OverdueExplanation.Status.PENDING,
            reason="当月全体党员参加防汛抢险，未能组织主题党日。",
            requested_by=secretary,
        )
    }
