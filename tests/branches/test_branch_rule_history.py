"""The organisation-building rules (timing rules, term lengths) keep their history when
edited in the admin, and a year-end run reads the timing rules it recorded."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from alxa_dangjian.core import rules
from assessments.branch_indicators import development_steps_within_rules
from branches.models import DevelopmentStep, Organization, TermLengthRule, TimingRule
from tests.factories import DevelopmentCaseFactory, UserFactory

YEAR = 2025
d = datetime.date


def admin_request(user):
    """A request of a user the admin lets change rules (the admin checks model permissions)."""
    user.is_staff = user.is_superuser = True
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def test_the_admin_asks_why_and_keeps_it_in_the_history(staff):
    model_admin = admin.site._registry[TermLengthRule]
    rule = TermLengthRule.objects.get(
        organization_type=Organization.Type.BRANCH, effective_from__lt=datetime.date(2022, 10, 22)
    )
    form_class = model_admin.get_form(admin_request(staff), rule, change=True)
    data = {
        "organization_type": rule.organization_type,
        "effective_from": rule.effective_from,
        "years": 5,
        "basis": rule.basis,
    }
    form = form_class(data, instance=rule)
    assert not form.is_valid() and "change_reason" in form.errors
    form = form_class({**data, "change_reason": "新条例"}, instance=rule)
    assert form.is_valid()
    model_admin.save_model(admin_request(staff), form.save(commit=False), form, change=True)
    record = rule.history.latest()
    assert (record.history_user, record.history_change_reason) == (staff, "新条例")
    assert (record.prev_record.years, record.years) == (3, 5)
    assert "delete_selected" not in model_admin.get_actions(admin_request(staff))


def test_an_admin_deletion_is_kept_in_the_history(staff):
    model_admin = admin.site._registry[TimingRule]
    rule = TimingRule.objects.first()
    pk = rule.pk
    model_admin.delete_model(admin_request(staff), rule)
    record = TimingRule.history.filter(id=pk).latest()
    assert (record.history_type, record.history_user) == ("-", staff)
    assert record.history_change_reason == "在管理后台删除"


@pytest.mark.django_db
def test_development_steps_are_judged_by_the_recorded_timing_rules(branch_a, staff):
    case = DevelopmentCaseFactory(organization=branch_a)
    user = UserFactory()
    for step, day in {"application": d(YEAR, 1, 10), "talk": d(YEAR, 3, 1)}.items():
        DevelopmentStep.objects.create(case=case, step=step, done_on=day, recorded_by=user)
    recorded = rules.current_versions()
    for rule in TimingRule.objects.filter(step="talk"):
        rule.is_active = False
        rules.save_rule(rule, by=staff, reason="暂停执行")
    today = development_steps_within_rules(YEAR, [branch_a])[branch_a.pk]
    with rules.pinned(recorded):
        then = development_steps_within_rules(YEAR, [branch_a])[branch_a.pk]
    assert (today.numerator, today.denominator) == (2, 2)
    assert (then.numerator, then.denominator) == (1, 2)  # the talk 50 days late broke a rule


def test_the_rules_page_shows_the_rules_and_why_they_changed(
    client, secretary, staff, django_assert_max_num_queries
):
    rule = TimingRule.objects.filter(is_active=True).first()
    rule.max_days = 40
    rules.save_rule(rule, by=staff, reason="按组织部新规定")
    client.force_login(secretary)
    # session, user, organisation, notifications; timing rules, term lengths, their history
    with django_assert_max_num_queries(8):
        response = client.get(reverse("branches:timingrule-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert rule.description in body and "按组织部新规定" in body
    assert 'data-testid="history"' in body


def test_the_rules_page_needs_a_login(client):
    response = client.get(reverse("branches:timingrule-list"))
    assert response.status_code == 302 and "login" in response["Location"]
