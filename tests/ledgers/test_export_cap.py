"""One user may have at most LEDGER_EXPORT_MAX_PENDING background exports queued or running:
a further request is refused with a Chinese message and queues nothing."""

import pytest
from django.urls import reverse

from alxa_dangjian.ledgers.models import ExportJob
from tests.factories import MemberFactory, UserFactory

ROSTER_URL = reverse("ledgers:ledger-export", args=["member-roster"])
REFUSED = "您已有 3 个后台导出正在排队或生成，请等其完成后再申请新的导出。"


@pytest.fixture(autouse=True)
def large_exports(settings, tmp_path, branch_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_SYNC_MAX_ROWS = 3
    settings.LEDGER_EXPORT_MAX_PENDING = 3
    MemberFactory.create_batch(6, organization=branch_a)


def request_roster(client):
    # The worker never runs: on-commit callbacks are not executed inside a test transaction,
    # so every queued job stays queued.
    return client.post(ROSTER_URL, {})


def test_a_fourth_pending_export_is_refused_with_a_message(client, secretary):
    client.force_login(secretary)
    for _ in range(3):
        assert request_roster(client).status_code == 302
    response = request_roster(client)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert ExportJob.objects.filter(requested_by=secretary).count() == 3


def test_running_jobs_count_and_finished_ones_do_not(client, secretary):
    client.force_login(secretary)
    for _ in range(3):
        request_roster(client)
    first, second, third = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=first.pk).update(status=ExportJob.Status.RUNNING)
    assert REFUSED in request_roster(client).content.decode()

    ExportJob.objects.filter(pk=second.pk).update(status=ExportJob.Status.DONE)
    ExportJob.objects.filter(pk=third.pk).update(status=ExportJob.Status.FAILED)
    assert request_roster(client).status_code == 302
    assert request_roster(client).status_code == 302
    assert REFUSED in request_roster(client).content.decode()


def test_the_cap_is_per_user(client, secretary, branch_a):
    colleague = UserFactory(username="colleague", role=secretary.role, organization=branch_a)
    client.force_login(secretary)
    for _ in range(3):
        request_roster(client)
    client.force_login(colleague)
    assert request_roster(client).status_code == 302
    assert ExportJob.objects.filter(requested_by=colleague).count() == 1


def test_a_small_export_is_never_capped(client, secretary, settings):
    client.force_login(secretary)
    for _ in range(3):
        request_roster(client)
    settings.LEDGER_SYNC_MAX_ROWS = 100
    response = request_roster(client)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
