"""A year-end run whose worker was lost: the sweeper sends its unfinished chunks again as soon
as no chunk has shown progress for ASSESSMENT_CHUNK_STALL_SECONDS (not after the 15 minutes a
person had to wait before resuming), and gives up after ASSESSMENT_RUN_MAX_DISPATCHES sends."""

import datetime

import pytest
from django.utils import timezone

from alxa_dangjian.core import sweeper
from assessments.models import AssessmentRun, MeasureResult, RunChunk, Target
from assessments.services import runs
from assessments.tasks import run_chunk
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import OrganizationFactory


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


@pytest.fixture
def lost_run(committee_a, branch_a, branch_a2, staff, settings, django_capture_on_commit_callbacks):
    """A run of three chunks sent three minutes ago; one chunk was done, then its worker died."""
    settings.ASSESSMENT_RUN_CHUNK_SIZE = 1
    settings.ASSESSMENT_CHUNK_STALL_SECONDS = 120
    settings.ASSESSMENT_RUN_STALL_SECONDS = 900
    OrganizationFactory(name="甲局第三党支部", parent=committee_a)
    make_scheme()
    run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    run_chunk.delay(run.pk, 1)  # one chunk finished before the worker was lost
    RunChunk.objects.filter(run=run).update(heartbeat_at=ago(180))
    AssessmentRun.objects.filter(pk=run.pk).update(
        sent_at=ago(180), heartbeat_at=ago(180), dispatch_count=1
    )
    run.refresh_from_db()
    assert run.status == "running" and run.chunks_done == 1
    return run


def test_a_lost_run_is_resumed_by_the_sweeper_long_before_the_manual_wait(
    lost_run, django_capture_on_commit_callbacks
):
    assert not lost_run.is_stalled  # a person could not resume it yet
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.sweep()["assessment-runs"] == 1
    lost_run.refresh_from_db()
    assert (lost_run.status, lost_run.chunks_done, lost_run.dispatch_count) == ("done", 3, 2)
    assert MeasureResult.objects.filter(run=lost_run).values("chunk").distinct().count() == 3
    assert sweeper.sweep()["assessment-runs"] == 0


def test_a_run_with_a_chunk_still_making_progress_is_left_alone(lost_run):
    RunChunk.objects.filter(run=lost_run, number=2).update(heartbeat_at=ago(30))
    assert sweeper.sweep()["assessment-runs"] == 0
    lost_run.refresh_from_db()
    assert (lost_run.status, lost_run.chunks_done) == ("running", 1)


def test_a_run_sent_too_often_is_failed_for_a_person_to_resume(lost_run, settings):
    AssessmentRun.objects.filter(pk=lost_run.pk).update(dispatch_count=5)
    settings.ASSESSMENT_RUN_MAX_DISPATCHES = 5
    assert sweeper.sweep()["assessment-runs"] == 1
    lost_run.refresh_from_db()
    assert lost_run.status == "failed" and "请点击“继续计算”" in lost_run.error
    assert lost_run.chunks_done == 1  # the finished chunk is kept for the resume
    assert sweeper.sweep()["assessment-runs"] == 0


def test_a_message_for_a_replaced_run_does_nothing(lost_run):
    from assessments.tasks import dispatch_run

    runs.fail_run(lost_run.pk, "已由新发起的计算取代")
    dispatch_run.delay(lost_run.pk)
    lost_run.refresh_from_db()
    assert (lost_run.status, lost_run.chunks_done) == ("failed", 1)
