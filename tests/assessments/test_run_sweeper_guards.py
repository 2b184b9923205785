"""Guards of the year-end run against outages and the sweeper: a failed or replaced run stays
failed whatever late messages arrive, a run the sweeper sent meanwhile is not replaced, a run
waiting in the queue is not taken for a lost one, and runs in progress at the deploy of
0005 get a sent_at."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from alxa_dangjian.core import dispatch, sweeper
from assessments import scoring
from assessments.models import AssessmentResult, AssessmentRun, MeasureResult, RunChunk, Target
from assessments.services import results, runs
from tests.assessments.scoring_fixtures import YEAR, make_scheme


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


@pytest.fixture
def queued_run(committee_a, branch_a, branch_a2, staff, settings):
    """A run of two chunks, committed and queued (its on-commit send not run)."""
    settings.ASSESSMENT_RUN_CHUNK_SIZE = 1
    settings.ASSESSMENT_CHUNK_STALL_SECONDS = 120
    settings.ASSESSMENT_RUN_STALL_SECONDS = 900
    settings.ASSESSMENT_RUN_MAX_DISPATCHES = 3
    make_scheme()
    run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    assert (run.status, run.chunk_count) == ("queued", 2)
    return run


def test_a_failed_runs_late_chunks_and_finaliser_leave_it_failed(queued_run):
    runs.fail_run(queued_run.pk, "已由新发起的计算取代")
    # Its last chunk finishing does not ask for the finaliser …
    assert results.compute_chunk(queued_run.pk, 1) is False
    assert results.compute_chunk(queued_run.pk, 2) is False
    # … and a finaliser message arriving anyway does nothing.
    assert results.finalise(queued_run.pk) is None
    queued_run.refresh_from_db()
    assert queued_run.status == "failed" and queued_run.error == "已由新发起的计算取代"
    assert queued_run.finished_at is None
    assert not AssessmentResult.objects.filter(run=queued_run).exists()
    # The chunks it finished are kept for a resume to skip.
    assert queued_run.chunks_done == 2
    assert MeasureResult.objects.filter(run=queued_run).values("chunk").distinct().count() == 2


def test_a_run_failed_while_its_last_chunk_computed_is_not_finalised(queued_run, monkeypatch):
    assert results.compute_chunk(queued_run.pk, 2) is False
    real = scoring.auto_codes

    def failing_meanwhile(snap):
        runs.fail_run(queued_run.pk, "计算多次中断")
        return real(snap)

    monkeypatch.setattr(results, "auto_codes", failing_meanwhile)
    assert results.compute_chunk(queued_run.pk, 1) is False  # the last chunk, but the run failed
    queued_run.refresh_from_db()
    assert (queued_run.status, queued_run.chunks_done) == ("failed", 2)
    assert not AssessmentResult.objects.filter(run=queued_run).exists()


def test_an_active_runs_chunks_and_finaliser_still_complete_it(queued_run):
    assert results.compute_chunk(queued_run.pk, 1) is False
    assert results.compute_chunk(queued_run.pk, 2) is True
    results.finalise(queued_run.pk)
    queued_run.refresh_from_db()
    assert (queued_run.status, queued_run.chunks_done) == ("done", 2)
    assert AssessmentResult.objects.filter(run=queued_run).count() == 2
    results.finalise(queued_run.pk)  # a done run may be re-totalled (manual scores)
    queued_run.refresh_from_db()
    assert queued_run.status == "done"


def test_a_never_sent_run_is_replaced_by_a_new_start(queued_run, committee_a, staff):
    AssessmentRun.objects.filter(pk=queued_run.pk).update(error=dispatch.NOT_SENT)
    new = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    queued_run.refresh_from_db()
    assert queued_run.status == "failed" and new.pk != queued_run.pk


def test_a_start_refuses_when_the_sweeper_sent_the_unsent_run_meanwhile(
    queued_run, committee_a, staff, monkeypatch
):
    AssessmentRun.objects.filter(pk=queued_run.pk).update(error=dispatch.NOT_SENT)
    real = runs._never_sent

    def sent_meanwhile(run):
        never = real(run)  # read as unsent …
        # … then the sweeper sends it before the replacement's update.
        AssessmentRun.objects.filter(pk=run.pk).update(sent_at=timezone.now(), error="")
        return never

    monkeypatch.setattr(runs, "_never_sent", sent_meanwhile)
    with pytest.raises(ValidationError) as refused:
        runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    assert f"已有一次计算正在进行（#{queued_run.pk}）" in str(refused.value)
    queued_run.refresh_from_db()  # (the refusal rolled back the simulated send with it)
    assert queued_run.status == "queued" and queued_run.error == dispatch.NOT_SENT
    assert AssessmentRun.objects.count() == 1


def test_a_sent_run_waiting_in_the_queue_is_not_failed_by_repeated_sweeps(queued_run):
    AssessmentRun.objects.filter(pk=queued_run.pk).update(
        sent_at=ago(3600), heartbeat_at=ago(3600), dispatch_count=3
    )
    for _ in range(5):
        assert sweeper.sweep()["assessment-runs"] == 0
    queued_run.refresh_from_db()
    assert (queued_run.status, queued_run.dispatch_count, queued_run.error) == ("queued", 3, "")


def test_a_queued_run_whose_chunk_began_and_went_silent_counts_as_lost(queued_run):
    AssessmentRun.objects.filter(pk=queued_run.pk).update(
        sent_at=ago(3600), heartbeat_at=ago(3600), dispatch_count=3
    )
    # A worker began chunk 1 after the send, then died (no chunk finished: still queued).
    RunChunk.objects.filter(run=queued_run, number=1).update(heartbeat_at=ago(3000))
    assert sweeper.sweep()["assessment-runs"] == 1
    queued_run.refresh_from_db()
    assert queued_run.status == "failed" and "计算多次中断" in queued_run.error


def test_the_backfill_gives_runs_in_progress_at_deploy_a_sent_at(queued_run):
    migration = importlib.import_module("assessments.migrations.0007_backfill_run_sent_at")
    created = queued_run.created_at
    running = AssessmentRun.objects.get(pk=queued_run.pk)
    running.pk = None
    running.status = AssessmentRun.Status.RUNNING
    running.save()
    done = AssessmentRun.objects.get(pk=queued_run.pk)
    done.pk = None
    done.status = AssessmentRun.Status.DONE
    done.save()
    unsent = AssessmentRun.objects.get(pk=queued_run.pk)
    unsent.pk = None
    unsent.error = dispatch.NOT_SENT
    unsent.save()
    AssessmentRun.objects.update(sent_at=None, dispatch_count=0)
    migration.backfill_sent_at(apps, None)
    queued_run.refresh_from_db()
    running.refresh_from_db()
    done.refresh_from_db()
    unsent.refresh_from_db()
    assert (queued_run.sent_at, queued_run.dispatch_count) == (created, 1)
    assert (running.sent_at, running.dispatch_count) == (running.created_at, 1)
    assert (done.sent_at, done.dispatch_count) == (None, 0)
    assert (unsent.sent_at, unsent.dispatch_count) == (None, 0)
    # Backfilled, the run in the queue is neither replaced nor resent as never sent.
    assert not runs._never_sent(queued_run)
