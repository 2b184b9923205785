"""With a worker, a cockpit whose inputs changed is served as last computed (marked, with its
time) while the worker computes the current one; without a worker it is computed at once."""

import datetime

import pytest
from django.urls import reverse

from branches.services.members import save_member
from portal import tasks
from portal.cockpit import cockpit_for
from tests.factories import MemberFactory

TODAY = datetime.date(2026, 11, 26)


def members_figure(cockpit):
    return cockpit.figure("members").value


@pytest.fixture
def add_member(branch_a, staff, django_capture_on_commit_callbacks):
    """A member saved through the service, committed (the service's invalidation runs)."""

    def add():
        with django_capture_on_commit_callbacks(execute=True):
            save_member(MemberFactory.build(organization=branch_a), by=staff)

    return add


def test_without_a_worker_a_change_shows_at_once(branch_a, committee_a, add_member):
    MemberFactory(organization=branch_a)
    before = members_figure(cockpit_for(committee_a, today=TODAY))
    add_member()
    after = cockpit_for(committee_a, today=TODAY)
    assert members_figure(after) == before + 1
    assert not after.stale


def test_with_a_worker_the_last_cockpit_is_served_while_it_is_refreshed(
    branch_a, committee_a, settings, monkeypatch, add_member, django_capture_on_commit_callbacks
):
    MemberFactory(organization=branch_a)
    first = cockpit_for(committee_a, today=TODAY)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.refresh_cockpit, "delay", lambda *args: queued.append(args))
    add_member()  # the service bumps the version: the cached cockpit is out of date

    with django_capture_on_commit_callbacks(execute=True):
        served = cockpit_for(committee_a, today=TODAY)
        again = cockpit_for(committee_a, today=TODAY)
    assert served.stale and again.stale
    assert members_figure(served) == members_figure(first)
    assert queued == [(committee_a.pk, 2026, "2026-11-26")]  # one refresh for both visitors

    tasks.refresh_cockpit(*queued[0])  # what the worker does
    fresh = cockpit_for(committee_a, today=TODAY)
    assert not fresh.stale
    assert members_figure(fresh) == members_figure(first) + 1


def test_the_page_says_when_its_figures_were_counted(
    client, staff, branch_a, settings, monkeypatch, add_member
):
    client.force_login(staff)
    body = client.get(reverse("portal:home")).content.decode()
    assert "数据统计于" in body and "正在重新统计" not in body
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(tasks.refresh_cockpit, "delay", lambda *args: None)
    add_member()
    body = client.get(reverse("portal:home")).content.decode()
    assert "正在重新统计" in body
