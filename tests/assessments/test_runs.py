"""The year-end run through Celery (eager here): chunks, finaliser, idempotency, failure and
recovery, the difference to the previous run and the query count of a chunk."""

import datetime
import os
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import indicators as registry
from assessments.models import (
    AssessmentResult,
    AssessmentRun,
    DemocraticVote,
    MeasureResult,
    RunChunk,
    ScoreCard,
    Target,
)
from assessments.services import results, runs, scores
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import ActivityFactory, OrganizationFactory

D = Decimal


@pytest.fixture
def league(committee_a, branch_a, branch_a2, staff, settings):
    """Three branches in committee_a, one chunk each; hand-computed totals below."""
    settings.ASSESSMENT_RUN_CHUNK_SIZE = 1
    branch_a3 = OrganizationFactory(name="甲局第三党支部", parent=committee_a)
    scheme = make_scheme()
    for month in range(1, 13):  # branch_a: every month → 40
        ActivityFactory(
            organization=branch_a, kind="theme-day", held_on=datetime.date(YEAR, month, 3)
        )
    for month in range(1, 7):  # branch_a2: six months → 20
        ActivityFactory(
            organization=branch_a2, kind="theme-day", held_on=datetime.date(YEAR, month, 3)
        )
    DemocraticVote.objects.create(organization=branch_a, year=YEAR, excellent=10, recorded_by=staff)
    DemocraticVote.objects.create(
        organization=branch_a2, year=YEAR, excellent=5, good=5, recorded_by=staff
    )
    return {"scheme": scheme, "branches": [branch_a, branch_a2, branch_a3], "scope": committee_a}


def start(league, staff, capture):
    with capture(execute=True):
        run = runs.start_run(year=YEAR, scope=league["scope"], target=Target.BRANCH, by=staff)
    run.refresh_from_db()
    return run


def totals(run):
    return {
        r.organization_id: (r.total, r.grade, r.rank)
        for r in AssessmentResult.objects.filter(run=run)
    }


def test_a_run_computes_totals_grades_and_ranks(league, staff, django_capture_on_commit_callbacks):
    run = start(league, staff, django_capture_on_commit_callbacks)
    a, a2, a3 = league["branches"]
    assert run.status == AssessmentRun.Status.DONE
    assert (run.chunk_count, run.chunks_done, run.organization_count) == (3, 3, 3)
    assert run.scheme_version == league["scheme"].version
    assert run.inputs["theme-day-months"] == 18
    assert totals(run) == {
        a.pk: (D("80.00"), "good", 1),  # 40 + 0 (述职 not scored) + 40
        a2.pk: (D("56.00"), "poor", 2),  # 20 + 0 + 40 × 90/100
        a3.pk: (D("0.00"), "poor", 3),
    }
    assert ScoreCard.objects.filter(year=YEAR).count() == 3


def test_running_twice_gives_identical_numbers_and_an_empty_difference(
    league, staff, django_capture_on_commit_callbacks
):
    first = start(league, staff, django_capture_on_commit_callbacks)
    second = start(league, staff, django_capture_on_commit_callbacks)
    assert totals(first) == totals(second)
    measures = lambda run: sorted(  # noqa: E731
        MeasureResult.objects.filter(run=run).values_list(
            "organization_id", "code", "numerator", "denominator", "inputs"
        )
    )
    assert measures(first) == measures(second)
    assert second.previous == first
    assert second.diff == []


def test_the_difference_lists_organisations_whose_score_changed(
    league, staff, django_capture_on_commit_callbacks
):
    first = start(league, staff, django_capture_on_commit_callbacks)
    a3 = league["branches"][2]
    ActivityFactory(organization=a3, kind="theme-day", held_on=datetime.date(YEAR, 5, 5))
    second = start(league, staff, django_capture_on_commit_callbacks)
    assert [d["organization"] for d in second.diff] == [a3.pk]
    assert second.diff[0]["total_before"] == "0.00"
    assert second.diff[0]["total_after"] == "3.33"
    assert totals(first)[a3.pk][0] == D(0)  # the earlier run keeps its numbers


def test_a_manual_score_retotals_the_card(league, staff, django_capture_on_commit_callbacks):
    run = start(league, staff, django_capture_on_commit_callbacks)
    a = league["branches"][0]
    scores.enter_score(a, league["scheme"].duty, score="10", reason="述职扎实", by=staff)
    assert totals(run)[a.pk][:2] == (D("100.00"), "excellent")


def test_a_failed_chunk_leaves_the_previous_results_and_can_be_resumed(
    league, staff, django_capture_on_commit_callbacks, monkeypatch
):
    previous = start(league, staff, django_capture_on_commit_callbacks)
    before = totals(previous)
    real = registry.get("theme-day-months")
    a2 = league["branches"][1]

    def broken(year, organizations):
        if any(o.pk == a2.pk for o in organizations):
            raise RuntimeError("数据库连接中断")
        return real.compute(year, organizations)

    monkeypatch.setitem(
        registry._REGISTRY,
        "theme-day-months",
        registry.AutoIndicator(
            code=real.code, name=real.name, compute=broken, drilldown=real.drilldown
        ),
    )
    failed = start(league, staff, django_capture_on_commit_callbacks)
    assert failed.status == AssessmentRun.Status.FAILED
    assert "数据库连接中断" in failed.error
    assert failed.chunks_done == 2
    assert not AssessmentResult.objects.filter(run=failed).exists()
    assert totals(previous) == before
    assert runs.current_run(a2, YEAR) == previous  # cards still show the last good run

    monkeypatch.setitem(registry._REGISTRY, "theme-day-months", real)
    done_chunks = dict(
        RunChunk.objects.filter(run=failed, is_done=True).values_list("number", "finished_at")
    )
    with django_capture_on_commit_callbacks(execute=True):
        runs.resume_run(failed, by=staff)
    failed.refresh_from_db()
    assert failed.status == AssessmentRun.Status.DONE
    assert totals(failed) == before
    # Only the missing chunk was computed again.
    for number, finished_at in done_chunks.items():
        assert RunChunk.objects.get(run=failed, number=number).finished_at == finished_at


def test_a_run_whose_worker_died_is_stalled_and_restarts(
    league, staff, django_capture_on_commit_callbacks, settings
):
    """A worker killed mid-run: the run stays `running` with a chunk not done. After the
    timeout it shows as stalled and staff can restart it."""
    with django_capture_on_commit_callbacks(execute=False):  # the tasks never run
        run = runs.start_run(year=YEAR, scope=league["scope"], target=Target.BRANCH, by=staff)
    results.compute_chunk(run.pk, 1)  # one chunk got through before the worker died
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.RUNNING and not run.is_stalled
    with pytest.raises(Exception, match="只有失败或停滞的计算"):
        runs.resume_run(run, by=staff)
    AssessmentRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now()
        - datetime.timedelta(seconds=settings.ASSESSMENT_RUN_STALL_SECONDS + 1)
    )
    run.refresh_from_db()
    assert run.is_stalled
    with django_capture_on_commit_callbacks(execute=True):
        runs.restart_run(run, by=staff)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DONE
    assert run.chunks_done == 3
    assert AssessmentResult.objects.filter(run=run).count() == 3


def test_a_redelivered_chunk_changes_nothing(league, staff, django_capture_on_commit_callbacks):
    run = start(league, staff, django_capture_on_commit_callbacks)
    before = sorted(
        MeasureResult.objects.filter(run=run).values_list("organization_id", "code", "numerator")
    )
    assert results.compute_chunk(run.pk, 2) is False  # the run is done: nothing is rewritten
    results.finalise(run.pk)
    after = sorted(
        MeasureResult.objects.filter(run=run).values_list("organization_id", "code", "numerator")
    )
    assert before == after
    run.refresh_from_db()
    assert run.chunks_done == 3


def test_query_count_of_a_chunk_does_not_grow_with_its_organisations(
    root, staff, settings, django_capture_on_commit_callbacks
):
    from assessments.demo.scoring import seed_scheme

    seed_scheme(YEAR, Target.BRANCH)  # every registered auto indicator
    settings.ASSESSMENT_RUN_CHUNK_SIZE = 1000
    counts = []
    for size in (2, 8):
        scope = OrganizationFactory(type="committee", parent=root, name=f"党委{size}")
        for _ in range(size):
            branch = OrganizationFactory(parent=scope)
            ActivityFactory(
                organization=branch, kind="theme-day", held_on=datetime.date(YEAR, 2, 2)
            )
        with django_capture_on_commit_callbacks(execute=False):
            run = runs.start_run(year=YEAR, scope=scope, target=Target.BRANCH, by=staff)
        with CaptureQueriesContext(connection) as queries:
            results.compute_chunk(run.pk, 1)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_a_chunk_reads_the_years_activity_rows_once_for_both_activity_indicators(
    root, staff, settings, django_capture_on_commit_callbacks
):
    """三会一课 and 主题党日 share one pair of GROUP BYs (hosted, joint) per chunk."""
    from assessments.demo.scoring import seed_scheme

    seed_scheme(YEAR, Target.BRANCH)
    scope = OrganizationFactory(type="committee", parent=root, name="党委")
    ActivityFactory(organization=OrganizationFactory(parent=scope), kind="theme-day")
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.start_run(year=YEAR, scope=scope, target=Target.BRANCH, by=staff)
    with CaptureQueriesContext(connection) as queries:
        results.compute_chunk(run.pk, 1)
    tables = ('FROM "activities_activity" ', 'FROM "activities_activity_joint_organizations" ')
    activity_reads = [
        q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)
    ]
    assert len(activity_reads) == 2, activity_reads
    # Outside a run each indicator still reads for itself (no sharing leaks out of a chunk).
    assert registry._SHARED.get() is None


def test_shared_values_are_built_once_per_block_and_never_outside():
    built = []

    def build():
        built.append(1)
        return len(built)

    with registry.sharing():
        assert registry.shared(("k", 1), build) == 1
        assert registry.shared(("k", 1), build) == 1
        assert registry.shared(("k", 2), build) == 2
    assert registry.shared(("k", 1), build) == 3
    assert registry.shared(("k", 1), build) == 4


@pytest.mark.parametrize(
    ("count", "size", "sizes"),
    [(2010, 1000, [670, 670, 670]), (201, 1000, [201]), (10, 3, [2, 3, 2, 3]), (3, 1, [1, 1, 1])],
)
def test_chunks_are_as_few_and_as_even_as_the_size_allows(count, size, sizes):
    chunks = results.split(list(range(count, 0, -1)), size)
    assert [len(c) for c in chunks] == sizes
    assert [pk for c in chunks for pk in c] == list(range(1, count + 1))
    assert results.split([], 5) == []


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_run_completes_on_a_real_worker(committee_a, branch_a, branch_a2, staff):
    """Started here, computed by the worker .ci/run starts (Redis, same PostgreSQL database)."""
    if not django_settings.CELERY_BROKER_URL or not os.environ.get("CELERY_WORKER_RUNNING"):
        pytest.skip("needs the worker that .ci/run starts")
    make_scheme()
    for month in range(1, 7):
        ActivityFactory(
            organization=branch_a, kind="theme-day", held_on=datetime.date(YEAR, month, 3)
        )
    run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            break
        time.sleep(0.5)
    assert run.status == AssessmentRun.Status.DONE, run.error
    assert totals(run)[branch_a.pk][0] == D("20.00")
    assert totals(run)[branch_a2.pk][0] == D("0.00")
