"""Cancelling an enrolment through the class page needs a reason and leaves an event the
class page (and the member page) shows; outsiders cannot cancel."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.training.factories import TrainingClassFactory
from training.models import ClassSession, Enrollment
from training.services import classes as services

TODAY = datetime.date.today()


@pytest.fixture
def training_class(branch_a, staff):
    training_class = TrainingClassFactory(
        organization=branch_a, title="理论学习班", starts_on=TODAY, ends_on=TODAY, created_by=staff
    )
    services.add_session(
        training_class, held_on=TODAY, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    training_class.refresh_from_db()
    return training_class


def test_cancelling_an_enrolment_needs_a_reason_and_is_shown(
    client, secretary, training_class, branch_a
):
    member = MemberFactory(organization=branch_a, name="巴图")
    (enrollment,) = services.enroll(training_class, [member], by=secretary)
    client.force_login(secretary)
    url = reverse("training:enrollment-delete", args=[enrollment.pk])
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "删除参训记录须填写理由。" in response.content.decode()
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    response = client.post(url, {"reason": "本人出差，未能参加"}, follow=True)
    assert "已取消巴图的报名。" in response.content.decode()
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    page = client.get(training_class.get_absolute_url()).content.decode()
    history = page[page.index('data-testid="change-history"') :]
    assert "参训记录：巴图" in history and "本人出差，未能参加" in history
    assert "删除" in history and secretary.get_full_name() in history
    member_page = client.get(member.get_absolute_url()).content.decode()
    assert "本人出差，未能参加" in member_page and "培训：理论学习班" in member_page


def test_an_outsider_cannot_cancel_an_enrolment(client, outsider, secretary, training_class):
    member = MemberFactory(organization=training_class.organization)
    (enrollment,) = services.enroll(training_class, [member], by=secretary)
    client.force_login(outsider)
    url = reverse("training:enrollment-delete", args=[enrollment.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert not Enrollment.history.filter(history_type="-").exists()


def test_removing_a_session_through_the_page_keeps_the_reason(client, secretary, training_class):
    session = training_class.sessions.get()
    client.force_login(secretary)
    url = reverse("training:classsession-delete", args=[session.pk])
    client.post(url, {"reason": "调整课程"})
    assert not ClassSession.objects.filter(pk=session.pk).exists()
    page = client.get(training_class.get_absolute_url()).content.decode()
    history = page[page.index('data-testid="change-history"') :]
    assert f"课程安排：{TODAY:%Y-%m-%d}" in history and "调整课程" in history
