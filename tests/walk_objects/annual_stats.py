"""annual_stats' part of the URL walk: a submitted report of committee_a."""

import datetime

MODELS = {"frozenreport"}


def objects(*, root, committee_a, branch_a, secretary, member):
    from annual_stats.models import FrozenReport

    frozen = FrozenReport.objects.create(
        organization=committee_a,
        day=datetime.date(2025, 12, 31),
        version=1,
        tables=[{"code": "党1", "title": "甲局党委统计", "kind": "members", "rows": []}],
        checks=[],
        frozen_by=secretary,
    )
    return {"frozenreport": frozen}
