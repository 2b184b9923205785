"""The year-end assessment's part of the URL walk: a run over committee_a, branch_a's score
card (published, so every role of the subtree could open it) and 述职 report; the schemes
are league-wide reference rows."""

from assessments.models import AssessmentScheme, DutyReport, ScoreCard, Target
from tests.assessments.scoring_fixtures import YEAR, make_scheme

MODELS = {"assessmentrun", "scorecard", "dutyreport"}


def _scheme():
    return AssessmentScheme.objects.filter(year=YEAR, target=Target.BRANCH).first() or make_scheme()


REFERENCE = {"assessmentscheme": _scheme}


def objects(*, root, committee_a, branch_a, secretary, member):
    from django.utils import timezone

    from assessments.models import AssessmentRun
    from assessments.scoring import snapshot

    scheme = _scheme()
    run = AssessmentRun.objects.create(
        year=YEAR,
        scope=committee_a,
        scheme=scheme,
        scheme_version=scheme.version,
        snapshot=snapshot(scheme),
        status=AssessmentRun.Status.DONE,
        created_by=secretary,
    )
    card = ScoreCard.objects.create(
        organization=branch_a,
        year=YEAR,
        target=Target.BRANCH,
        status=ScoreCard.Status.FROZEN,
        frozen_run=run,
        published_at=timezone.now(),
    )
    report = DutyReport.objects.create(
        organization=branch_a,
        year=YEAR,
        file="assessments/2025/walk",
        original_name="甲局书记述职报告.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        kind="document",
        uploaded_by=secretary,
    )
    return {"assessmentrun": run, "scorecard": card, "dutyreport": report}
