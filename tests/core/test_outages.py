"""The cache, the broker or the database unreachable: every page answers in Chinese (503 where
the service is the cause, never a traceback), the cache is done without, nothing is committed
that no one will send, and work queued meanwhile is sent by the sweeper once the broker is back.

Each outage is real or as close as a test gets: the cache points at a port where nothing
listens, the broker send raises what kombu raises, the database cursor raises what a dead
server gives."""

import datetime
import logging

import pytest
from django.db import OperationalError, connections
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from activities.models import Activity, ActivityKind
from alxa_dangjian.core import caching, dispatch, sweeper
from alxa_dangjian.core.cache_backends import DegradingRedisCache
from alxa_dangjian.ledgers import tasks as ledger_tasks
from alxa_dangjian.ledgers.models import ExportJob
from assessments import tasks as run_tasks
from assessments.models import AssessmentRun, Target
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import MemberFactory

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
ROSTER_URL = reverse("ledgers:ledger-export", args=["member-roster"])
RUN_URL = reverse("assessments:assessmentrun-create")


def broker_down(*args, **kwargs):
    raise BrokerError("Error 111 connecting to redis:6379. Connection refused.")


def assert_chinese_503(response, service_name):
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "服务暂时不可用" in body and f"{service_name}暂时无法连接" in body
    for english in ("Traceback", "Error", "refused", "Server"):
        assert english not in body


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "alxa_dangjian.core.cache_backends.DegradingRedisCache",
            "LOCATION": DOWN,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def age(model, pk, **fields):
    """Move a row's timestamps back, as if it had waited that long."""
    earlier = timezone.now() - datetime.timedelta(minutes=10)
    model.objects.filter(pk=pk).update(**dict.fromkeys(fields, earlier))


# --- The cache ------------------------------------------------------------------------------


def test_with_the_cache_down_the_home_is_computed_without_it(client, secretary, cache_down, caplog):
    client.force_login(secretary)
    with caplog.at_level(logging.WARNING, logger="alxa_dangjian.core.cache_backends"):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "cache unreachable, computing without it" in caplog.text


def test_with_the_cache_down_an_activity_is_saved(
    client, secretary, branch_a, cache_down, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    data = {
        "kind": ActivityKind.objects.get(code="theme-day").pk,
        "held_on": timezone.localdate().isoformat(),
        "theme": "学习党的二十大精神",
        "place": "三楼会议室",
        "host": "乌云",
        "minutes": "传达学习文件。",
        "joint_names": "",
    }
    # The cache versions are bumped on commit: with the cache down that must not fail.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:activity-create"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert client.get(response.url).status_code == 200


def test_the_plain_redis_backend_down_answers_the_chinese_503_page(client, secretary, settings):
    # Without the degrading backend an unreachable cache reaches the view: the 503 page.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}
    }
    client.force_login(secretary)
    client.raise_request_exception = False
    assert_chinese_503(client.get(reverse("portal:home")), "缓存服务")


def test_a_cache_reachable_again_bumps_every_topic(monkeypatch, settings):
    backend = DegradingRedisCache(DOWN, {})
    assert backend.get("k", "fallback") == "fallback"  # refused: the default, logged
    assert backend.add("k", 1) is False and backend.get_many(["k"]) == {}
    with pytest.raises(ValueError):
        backend.incr("k")  # what a missing key answers; caching._bump handles it
    recovered = []
    monkeypatch.setattr(caching, "recovered", lambda: recovered.append(True))
    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: 7)
    assert backend.get("k") is None  # still inside the pause after a failure: not asked
    assert recovered == []
    backend._down_until = 0
    assert backend.get("k") == 7
    assert recovered == [True]
    assert backend.get("k") == 7 and recovered == [True]  # once per outage


def test_recovered_moves_every_topic_on():
    before = caching.versions()
    caching.recovered()
    after = caching.versions()
    assert all(b != a for b, a in zip(before.split("."), after.split("."), strict=True))


def test_healthz_names_the_cache_when_it_is_down(client, db, cache_down):
    response = client.get("/healthz")
    body = response.json()
    # the portal serves without the cache: degraded, not out of service
    assert response.status_code == 200
    assert (body["cache"], body["database"], body["status"]) == ("error", "ok", "degraded")
    assert body["message"] == "不可用：缓存服务"


# --- The broker -----------------------------------------------------------------------------


@pytest.fixture
def background(settings):
    settings.LEDGER_SYNC_MAX_ROWS = 3


def test_an_export_requested_while_the_broker_is_down_is_sent_when_it_is_back(
    client, secretary, branch_a, background, monkeypatch, django_capture_on_commit_callbacks
):
    MemberFactory.create_batch(5, organization=branch_a)
    client.force_login(secretary)
    with monkeypatch.context() as down:
        down.setattr(ledger_tasks.run_export, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ROSTER_URL)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.status, job.sent_at, job.error) == ("queued", None, dispatch.NOT_SENT)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="export-unsent"' in page and "服务恢复后将自动开始" in page

    assert sweeper.sweep()["exports"] == 0  # too fresh: the request itself may still send it
    age(ExportJob, job.pk, created_at=True)
    assert sweeper.sweep()["exports"] == 1  # the broker is back (eager here): built now
    job.refresh_from_db()
    assert (job.status, job.progress_rows, job.error) == ("done", 5, "")
    assert job.file and job.sent_at and job.attempts == 1
    assert sweeper.sweep() == {"assessment-runs": 0, "exports": 0}  # idempotent


def test_a_real_unreachable_broker_is_reported_not_raised(caplog):
    # The project's Celery settings (short connect timeout, one publish retry) against a
    # port where nothing listens: kombu's own error, caught and logged, within seconds.
    from celery import Celery

    app = Celery("outage-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = DOWN
    app.conf.task_always_eager = False

    @app.task(name="outage-probe.noop")
    def noop(job_id):
        raise AssertionError("never runs")

    with caplog.at_level(logging.WARNING, logger="alxa_dangjian.core.dispatch"):
        assert dispatch.send(noop, 1) is False
    assert "left to the sweeper" in caplog.text


def test_a_broker_error_in_a_view_answers_the_chinese_503_page(
    client, secretary, background, monkeypatch
):
    monkeypatch.setattr("alxa_dangjian.ledgers.services.request_export", broker_down)
    client.force_login(secretary)
    assert_chinese_503(client.post(ROSTER_URL), "后台任务服务")


def test_a_cockpit_refresh_that_cannot_be_sent_does_not_break_the_page(monkeypatch, branch_a):
    from portal import tasks
    from portal.cockpit import base

    monkeypatch.setattr(tasks.refresh_cockpit, "delay", broker_down)
    period = base.Period.of(YEAR, datetime.date(YEAR, 6, 30))
    base._refresh_later(branch_a.pk, period)  # outside a transaction: sent at once, logged


@pytest.fixture
def scheme(committee_a, branch_a, branch_a2):
    return make_scheme()


def test_a_run_started_while_the_broker_is_down_does_not_block_the_scope(
    client, staff, committee_a, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    data = {"year": YEAR, "target": Target.BRANCH, "scope": committee_a.pk}
    with monkeypatch.context() as down:
        down.setattr(run_tasks.dispatch_run, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RUN_URL, data)
        first = AssessmentRun.objects.get()
        assert response.status_code == 302 and response.url == first.get_absolute_url()
        assert (first.status, first.sent_at, first.error) == ("queued", None, dispatch.NOT_SENT)
        page = client.get(first.get_absolute_url()).content.decode()
        assert 'data-testid="run-unsent"' in page and "服务恢复后将自动开始" in page
        # Still down: a second start replaces the unsent run instead of being refused.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RUN_URL, data)
    second = AssessmentRun.objects.latest("pk")
    assert response.status_code == 302 and second.pk != first.pk
    first.refresh_from_db()
    assert first.status == "failed" and "已由新发起的计算取代" in first.error

    with django_capture_on_commit_callbacks(execute=True):  # the finaliser is sent on commit
        assert sweeper.sweep()["assessment-runs"] == 1  # the broker is back: sent, done
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.error, second.dispatch_count) == ("done", "", 1)
    assert first.status == "failed" and not first.results.exists()
    assert sweeper.sweep() == {"assessment-runs": 0, "exports": 0}


def test_a_run_whose_send_was_lost_with_its_request_is_sent_by_the_sweeper(
    staff, committee_a, scheme, django_capture_on_commit_callbacks
):
    from assessments.services import runs

    # The request committed and died before sending (no on-commit callback ran here).
    run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    assert sweeper.sweep()["assessment-runs"] == 0  # within the grace period
    age(AssessmentRun, run.pk, created_at=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.sweep()["assessment-runs"] == 1
    run.refresh_from_db()
    assert run.status == "done" and run.sent_at is not None


# --- The database ---------------------------------------------------------------------------


@pytest.fixture
def database_down():
    """Call it to take the database down; it returns the call that brings it back (the test
    database is back before the test's own teardown rolls it back)."""
    patch = pytest.MonkeyPatch()

    def cursor(*args, **kwargs):
        raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed')

    def down():
        patch.setattr(connections["default"], "cursor", cursor)
        return patch.undo

    yield down
    patch.undo()


def test_with_the_database_down_every_page_answers_the_chinese_503_page(
    client, secretary, database_down
):
    client.force_login(secretary)
    client.raise_request_exception = False
    database_down()
    for url in (reverse("portal:home"), reverse("activities:activity-list")):
        assert_chinese_503(client.get(url), "数据库")


def test_with_the_database_down_saving_an_activity_commits_nothing(
    client, secretary, branch_a, database_down
):
    client.force_login(secretary)
    client.raise_request_exception = False
    kind = ActivityKind.objects.get(code="theme-day").pk
    back = database_down()
    response = client.post(reverse("activities:activity-create"), {"kind": kind})
    assert_chinese_503(response, "数据库")
    back()
    assert not Activity.objects.exists()


def test_a_database_lost_in_the_middle_of_a_save_rolls_it_back(
    client, secretary, branch_a, monkeypatch
):
    from django.db import transaction

    from activities.services import records as services

    real = services.save_activity

    def lost_before_commit(*args, **kwargs):
        with transaction.atomic():
            real(*args, **kwargs)  # the rows are written …
            raise OperationalError("server closed the connection unexpectedly")  # … not kept

    monkeypatch.setattr(services, "save_activity", lost_before_commit)
    client.force_login(secretary)
    data = {
        "kind": ActivityKind.objects.get(code="theme-day").pk,
        "held_on": timezone.localdate().isoformat(),
        "theme": "学习党的二十大精神",
        "place": "三楼会议室",
        "host": "乌云",
        "minutes": "传达学习文件。",
        "joint_names": "",
    }
    assert_chinese_503(client.post(reverse("activities:activity-create"), data), "数据库")
    assert not Activity.objects.exists()


def test_healthz_names_the_database_when_it_is_down(client, db, database_down):
    database_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["message"] == "不可用：数据库"


# --- The handler ----------------------------------------------------------------------------


def test_other_errors_keep_the_plain_500_page(rf):
    from alxa_dangjian import urls
    from alxa_dangjian.core import outages

    assert urls.handler500 == "alxa_dangjian.core.outages.server_error"
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        response = outages.server_error(rf.get("/"))
    assert response.status_code == 500 and "系统暂时出现错误" in response.content.decode()
    try:
        raise OperationalError("the database is down")
    except OperationalError:
        response = outages.server_error(rf.get("/"))
    assert_chinese_503(response, "数据库")
