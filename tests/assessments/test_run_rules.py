"""A run records the rule versions it used; re-running a closed year repeats them unless staff
choose today's rules, and the difference then names the rule that changed the numbers."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import Exemption, FrequencyRule
from alxa_dangjian.core import rules
from assessments.models import (
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    Grade,
    GradeThreshold,
    Indicator,
    MeasureResult,
    Target,
)
from assessments.services import runs
from tests.factories import ActivityFactory

YEAR = 2025  # a closed year (the suite runs in 2026)
CODE = "three-meetings-one-lesson"


@pytest.fixture
def league(committee_a, branch_a, branch_a2, staff):
    """Two branches judged on 三会一课 (100 points): branch_a holds one 支部党员大会 and one
    党课 a quarter (8 of 8 under the seeded rules), branch_a2 only the meetings (4 of 8)."""
    scheme = AssessmentScheme.objects.create(year=YEAR, target=Target.BRANCH, name="规则测试方案")
    Indicator.objects.create(
        scheme=scheme,
        name="三会一课",
        kind=Indicator.Kind.AUTO,
        auto_code=CODE,
        weight=Decimal(100),
        sort_order=1,
    )
    for grade, minimum in ((Grade.EXCELLENT, 90), (Grade.GOOD, 80), (Grade.FAIR, 60)):
        GradeThreshold.objects.create(scheme=scheme, grade=grade, min_score=Decimal(minimum))
    GradeThreshold.objects.create(scheme=scheme, grade=Grade.POOR, min_score=Decimal(0))
    for quarter in range(4):
        day = datetime.date(YEAR, 3 * quarter + 2, 10)
        for branch in (branch_a, branch_a2):
            ActivityFactory(organization=branch, kind="general-meeting", held_on=day)
        ActivityFactory(organization=branch_a, kind="party-lecture", held_on=day)
    return {"scope": committee_a, "a": branch_a, "a2": branch_a2}


def run_year(league, staff, capture, **options):
    with capture(execute=True):
        run = runs.start_run(
            year=YEAR, scope=league["scope"], target=Target.BRANCH, by=staff, **options
        )
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DONE
    return run


def measures(run):
    return {
        pk: (numerator, denominator)
        for pk, numerator, denominator in MeasureResult.objects.filter(
            run=run, code=CODE
        ).values_list("organization_id", "numerator", "denominator")
    }


def totals(run):
    return dict(AssessmentResult.objects.filter(run=run).values_list("organization_id", "total"))


def general_meeting():
    return FrequencyRule.objects.get(kind__code="general-meeting")


def stricter_meetings(staff):
    """The 支部党员大会 rule raised to twice a quarter, through the service."""
    rule = general_meeting()
    rule.min_count = 2
    rules.save_rule(rule, by=staff, reason="工委通知：每季度至少两次")
    return rule


def test_a_run_records_the_version_of_every_rule_row(
    league, staff, django_capture_on_commit_callbacks
):
    run = run_year(league, staff, django_capture_on_commit_callbacks)
    versions = run.rule_versions["activities.frequencyrule"]
    rule = general_meeting()
    assert versions[str(rule.pk)] == rule.history.latest().history_id
    assert set(versions) == {str(pk) for pk in FrequencyRule.objects.values_list("pk", flat=True)}
    assert {"training.hourrule", "branches.timingrule", "activities.exemption"} <= set(
        run.rule_versions
    )
    assert run.rules_from is None
    assert measures(run) == {league["a"].pk: (8, 8), league["a2"].pk: (4, 8)}


def test_rerunning_a_closed_year_after_a_rule_edit_gives_the_old_numbers(
    league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    stricter_meetings(staff)
    second = run_year(league, staff, django_capture_on_commit_callbacks)
    assert second.rules_from == first
    assert second.rule_versions == first.rule_versions
    assert measures(second) == measures(first) == {league["a"].pk: (8, 8), league["a2"].pk: (4, 8)}
    assert totals(second) == totals(first)
    assert second.diff == [] and second.rule_changes == [] and second.measure_changes == []


def test_todays_rules_change_the_numbers_and_the_difference_names_the_rule(
    league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    stricter_meetings(staff)
    second = run_year(league, staff, django_capture_on_commit_callbacks, current_rules=True)
    a, a2 = league["a"], league["a2"]
    assert second.rules_from is None
    # 4 meetings + 4 lectures of 8 + 4 required; 4 meetings of 8 + 4
    assert measures(second) == {a.pk: (8, 12), a2.pk: (4, 12)}
    assert totals(first)[a.pk] == Decimal("100.00")
    assert totals(second)[a.pk] == Decimal("66.67")
    [change] = second.rule_changes
    assert change["table"] == "频次规则"
    assert change["kind"] == "修改"
    assert ["最少次数", "1", "2"] in change["fields"]
    assert change["reason"] == "工委通知：每季度至少两次"
    assert change["feeds"] == ["三会一课完成率"]
    [moved] = second.measure_changes
    assert (moved["code"], moved["organizations"]) == (CODE, 2)
    assert (moved["before"], moved["after"]) == ("12/16", "12/24")


def test_the_run_page_shows_the_rules_used_and_the_rule_that_changed(
    client, league, staff, django_capture_on_commit_callbacks
):
    run_year(league, staff, django_capture_on_commit_callbacks)
    stricter_meetings(staff)
    second = run_year(league, staff, django_capture_on_commit_callbacks, current_rules=True)
    client.force_login(staff)
    response = client.get(second.get_absolute_url())
    body = response.content.decode()
    assert "发起时的现行规则" in body and "频次规则" in body
    assert "工委通知：每季度至少两次" in body and "三会一课完成率" in body
    assert 'data-testid="rule-changes"' in body and 'data-testid="measure-changes"' in body


def test_a_rule_edit_within_the_current_year_uses_todays_rules(
    league, staff, django_capture_on_commit_callbacks, monkeypatch
):
    """Only a closed year is reproduced: the year still running follows the rules in force."""
    monkeypatch.setattr(runs, "this_year", lambda: YEAR)
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    stricter_meetings(staff)
    second = run_year(league, staff, django_capture_on_commit_callbacks)
    assert second.rules_from is None
    assert measures(second) != measures(first)


def test_an_exemption_granted_after_the_run_does_not_change_its_rerun(
    league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    rules.save_rule(
        Exemption(
            organization=league["a2"],
            rule=FrequencyRule.objects.get(kind__code="party-lecture"),
            starts_on=datetime.date(YEAR, 1, 1),
            reason="无讲课条件",
            approved_by=staff,
        ),
        by=staff,
        reason="登记豁免",
    )
    second = run_year(league, staff, django_capture_on_commit_callbacks)
    assert measures(second) == measures(first)
    third = run_year(league, staff, django_capture_on_commit_callbacks, current_rules=True)
    assert measures(third)[league["a2"].pk] == (4, 4)
    assert [c["table"] for c in third.rule_changes] == ["频次豁免"]


def test_a_restarted_run_keeps_the_rules_it_recorded(
    league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    stricter_meetings(staff)
    AssessmentRun.objects.filter(pk=first.pk).update(status=AssessmentRun.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        runs.restart_run(first, by=staff)
    first.refresh_from_db()
    assert measures(first) == {league["a"].pk: (8, 8), league["a2"].pk: (4, 8)}


# --- Starting a run with today's rules: the confirmation -----------------------------------------


def start_data(league, **extra):
    return {"year": YEAR, "target": Target.BRANCH, "scope": league["scope"].pk, **extra}


def test_todays_rules_are_applied_only_after_a_confirmation_that_says_so(
    client, league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    client.force_login(staff)
    url = reverse("assessments:assessmentrun-create")
    response = client.post(url, start_data(league, current_rules="on"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm-current-rules"' in body
    assert f"#{first.pk}" in body and "按现行规则重新计算" in body
    assert AssessmentRun.objects.count() == 1  # nothing started yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, start_data(league, current_rules="on", confirmed="on"))
    run = AssessmentRun.objects.latest("pk")
    assert response.status_code == 302 and run.pk != first.pk
    assert run.rules_from is None


def test_a_plain_rerun_needs_no_confirmation_and_repeats_the_rules(
    client, league, staff, django_capture_on_commit_callbacks
):
    first = run_year(league, staff, django_capture_on_commit_callbacks)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:assessmentrun-create"), start_data(league))
    assert response.status_code == 302
    assert AssessmentRun.objects.latest("pk").rules_from == first


def test_others_cannot_start_a_run_with_todays_rules(client, league, secretary, outsider):
    for user in (secretary, outsider):
        client.force_login(user)
        response = client.post(
            reverse("assessments:assessmentrun-create"),
            start_data(league, current_rules="on", confirmed="on"),
        )
        assert response.status_code in (403, 404)
    assert not AssessmentRun.objects.exists()
