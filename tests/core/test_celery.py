"""Celery wiring: eager in the embedded default, and a real round trip through the broker.

The round trip runs in .ci/run, which starts a worker against Redis and against the same
PostgreSQL test database (TEST_DATABASE_NAME) before running the tests marked `broker`.
"""

import os
import socket
import time

import pytest
from django.conf import settings
from django.utils import timezone

from alxa_dangjian.core.models import WorkerHeartbeat
from alxa_dangjian.core.tasks import heartbeat


def test_embedded_default_runs_tasks_eagerly(db):
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured")
    heartbeat.delay()
    heartbeat.delay()  # idempotent: still one row for this worker
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get().hostname == socket.gethostname()


def test_heartbeat_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == heartbeat.name


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_task_round_trips_through_the_real_broker():
    if not settings.CELERY_BROKER_URL or not os.environ.get("CELERY_WORKER_RUNNING"):
        pytest.skip("needs the worker that .ci/run starts")
    started = timezone.now()
    result = heartbeat.apply_async()
    assert result.id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(hostname__startswith="celery@", seen_at__gte=started)
        if beat.exists():
            break
        time.sleep(0.5)
    else:
        pytest.fail("the worker did not write a heartbeat within 60 s")
    assert beat.get().hostname.startswith("celery@")
