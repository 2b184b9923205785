"""Plain-row writes (alxa_dangjian/core/bulk.py): COPY on PostgreSQL, executemany elsewhere —
the same rows come back either way, awkward text and JSON included."""

from decimal import Decimal

from alxa_dangjian.core.bulk import delete_rows, insert_rows
from assessments import scoring
from assessments.models import AssessmentResult, AssessmentRun, MeasureResult
from assessments.services import results
from tests.assessments.scoring_fixtures import YEAR, make_scheme

AWKWARD = 'tab\there, new\nline, back\\slash, "quote", 逗号，= 公式'


def make_run(scope, user, scheme=None):
    scheme = scheme or make_scheme()
    return AssessmentRun.objects.create(
        year=YEAR,
        scope=scope,
        scheme=scheme,
        scheme_version=scheme.version,
        snapshot=scoring.snapshot(scheme),
        created_by=user,
    )


def test_rows_come_back_as_written(root, branch_a, branch_a2, staff):
    run = make_run(root, staff)
    rows = [
        (run.pk, 1, branch_a.pk, "theme-day-months", Decimal(7), Decimal(12), 9, AWKWARD),
        (run.pk, 1, branch_a2.pk, "theme-day-months", Decimal("0.5"), None, 0, ""),
    ]
    assert insert_rows(MeasureResult, results.MEASURE_FIELDS, iter(rows)) == 2
    stored = {
        m.organization_id: (m.numerator, m.denominator, m.inputs, m.note)
        for m in MeasureResult.objects.filter(run=run)
    }
    assert stored == {
        branch_a.pk: (Decimal(7), Decimal(12), 9, AWKWARD),
        branch_a2.pk: (Decimal("0.5"), None, 0, ""),
    }


def test_json_fields_are_encoded_and_rows_deleted_in_one_go(root, branch_a, branch_a2, staff):
    run = make_run(root, staff)
    parts = {"12": "40.00", "13": AWKWARD}
    insert_rows(
        AssessmentResult,
        results.RESULT_FIELDS,
        [
            (run.pk, branch_a.pk, Decimal("95.5"), "excellent", 1, False, False, False, parts),
            (run.pk, branch_a2.pk, Decimal(60), "fair", 2, True, True, True, {}),
        ],
    )
    first = AssessmentResult.objects.get(run=run, organization=branch_a)
    assert (first.total, first.grade, first.rank, first.parts) == (
        Decimal("95.50"),
        "excellent",
        1,
        parts,
    )
    second = AssessmentResult.objects.get(run=run, organization=branch_a2)
    assert (second.vetoed, second.capped_by_quota, second.quota_tie, second.parts) == (
        True,
        True,
        True,
        {},
    )
    other = make_run(root, staff, run.scheme)
    insert_rows(
        AssessmentResult,
        results.RESULT_FIELDS,
        [(other.pk, branch_a.pk, Decimal(1), "poor", 1, False, False, False, {})],
    )
    assert delete_rows(AssessmentResult.objects.filter(run=run)) == 2
    assert list(AssessmentResult.objects.values_list("run_id", flat=True)) == [other.pk]
