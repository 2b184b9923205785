"""The beat sweeper: on the schedule every minute, finds every app's sweeper, and one app's
failure does not keep the others' work waiting."""

import logging

from django.conf import settings

from alxa_dangjian.celery import app
from alxa_dangjian.core import sweeper
from alxa_dangjian.core.tasks import sweep


def test_the_sweeper_is_on_the_beat_schedule_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-background-work"]
    assert entry["task"] == sweep.name == "core.sweep"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 60
    # Faster than the shortest wait it acts on, so nothing waits much past its threshold.
    assert entry["schedule"] <= settings.ASSESSMENT_CHUNK_STALL_SECONDS


def test_the_task_runs_every_apps_sweeper(db):
    assert sweep.delay().get() == {"assessment-runs": 0, "exports": 0}


def test_one_failing_sweeper_does_not_stop_the_others(db, monkeypatch, caplog):
    seen = []
    monkeypatch.setitem(sweeper._sweepers, "broken", lambda now: 1 / 0)
    monkeypatch.setitem(sweeper._sweepers, "zzz-after", lambda now: seen.append(now) or 2)
    with caplog.at_level(logging.ERROR, logger="alxa_dangjian.core.sweeper"):
        handled = sweeper.sweep()
    assert handled["broken"] == 0 and handled["zzz-after"] == 2 and len(seen) == 1
    assert "sweeper broken failed" in caplog.text
