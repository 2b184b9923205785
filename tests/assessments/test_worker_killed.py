"""A worker killed in the middle of a year-end run, for real (runs in .ci/run's broker step).

The test starts a worker of its own on a private queue, gives it the chunks of a run, kills it
with SIGKILL after its first chunk is done, and checks that the earlier run's results are
untouched and still the ones cards show. Resumed, the run is finished by .ci/run's worker and
gives the same numbers as the earlier run.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from alxa_dangjian.core.reference import ensure_reference_data
from assessments.models import AssessmentResult, AssessmentRun, MeasureResult, Target
from assessments.services import runs
from assessments.tasks import run_chunk
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import ActivityFactory, OrganizationFactory

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "kill-test"
BRANCHES = 60


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    pytest.fail(f"{what} did not happen within {seconds} s")


def finished(run):
    run.refresh_from_db()
    return not run.is_active


def results(run):
    return sorted(
        AssessmentResult.objects.filter(run=run).values_list("organization_id", "total", "grade")
    )


def start_private_worker():
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=django_settings.CELERY_BROKER_URL,
        CONN_MAX_AGE="0",
    )
    command = [sys.executable, "-m", "celery", "-A", "alxa_dangjian", "worker", "--pool=solo"]
    command += ["-Q", QUEUE, "-n", f"killed-{os.getpid()}@%h", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_the_last_results_and_the_run_resumes(
    committee_a, branch_a, staff, settings, monkeypatch
):
    if not settings.CELERY_BROKER_URL or not os.environ.get("CELERY_WORKER_RUNNING"):
        pytest.skip("needs the worker that .ci/run starts")
    if connection.vendor != "postgresql":
        pytest.skip("the private worker shares the test run's PostgreSQL database")
    ensure_reference_data()  # an earlier transactional test flushed the seeded rules
    settings.ASSESSMENT_RUN_CHUNK_SIZE = 1
    make_scheme()
    branches = [branch_a] + [
        OrganizationFactory(name=f"甲局第{n}党支部", parent=committee_a) for n in range(BRANCHES)
    ]
    for index, branch in enumerate(branches):
        for month in range(1, index % 12 + 1):
            ActivityFactory(
                organization=branch, kind="theme-day", held_on=datetime.date(YEAR, month, 3)
            )

    # An earlier run, done by .ci/run's worker: the numbers cards show.
    earlier = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    wait_for(lambda: finished(earlier), 120, "the earlier run")
    assert earlier.status == AssessmentRun.Status.DONE, earlier.error
    earlier_results = results(earlier)
    assert len(earlier_results) == len(branches)

    # A second run whose chunks go to a private worker that is killed mid-run.
    monkeypatch.setattr(runs, "_dispatch", lambda run: None)
    run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    monkeypatch.undo()
    chunks = list(run.chunks.values_list("number", flat=True))
    assert len(chunks) == len(branches)
    worker = start_private_worker()
    try:
        for number in chunks:
            run_chunk.apply_async((run.pk, number), queue=QUEUE)
        wait_for(lambda: run.chunks.filter(is_done=True).exists(), 90, "a first chunk")
    finally:
        worker.kill()  # SIGKILL: no clean-up, no acknowledgement, like a lost machine
        worker.wait(10)
    done = run.chunks.filter(is_done=True).count()
    assert 0 < done < len(chunks)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.RUNNING
    assert not AssessmentResult.objects.filter(run=run).exists()
    assert MeasureResult.objects.filter(run=run).exists()  # the chunks that got through
    # The earlier run's results are intact and remain the ones an organisation's card shows.
    assert results(earlier) == earlier_results
    assert runs.current_run(branch_a, YEAR) == earlier

    # Silent beyond the timeout, the run is stalled; resumed, .ci/run's worker finishes it.
    AssessmentRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now()
        - datetime.timedelta(seconds=settings.ASSESSMENT_RUN_STALL_SECONDS + 1)
    )
    run.refresh_from_db()
    assert run.is_stalled
    runs.resume_run(run, by=staff)
    wait_for(lambda: finished(run), 180, "the resumed run")
    assert run.status == AssessmentRun.Status.DONE, run.error
    assert [(o, t, g) for o, t, g in results(run)] == earlier_results
    assert runs.current_run(branch_a, YEAR) == run
