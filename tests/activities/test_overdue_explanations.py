"""Overdue items past the back-filling window: a 未开展说明 or a 补录申请 the party committee
approves closes them; both are kept and shown in compliance as 已说明, never as held."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.compliance import Status, compute
from activities.models import Activity, FrequencyRule, OverdueExplanation
from activities.services import explanations
from activities.services import records as services
from alxa_dangjian.core.models import Notification
from branches.models import Organization
from tests.factories import ActivityFactory
from tests.ledgers.exported import export

State = OverdueExplanation.Status
Kind = OverdueExplanation.Kind
REASON = "当月全体党员参加防汛抢险，未能组织主题党日。"
LIST = reverse("activities:overdueexplanation-list")


@pytest.fixture(autouse=True)
def window(settings):
    settings.ACTIVITY_BACKFILL_DAYS = 30


def last_year():
    return timezone.localdate().year - 1


def theme_rule():
    return FrequencyRule.objects.get(kind__code="theme-day")


def june_item(branch):
    """Last year's June 主题党日 of the branch: overdue, and long past the window."""
    return explanations.find_item(branch, rule_id=theme_rule().pk, year=last_year(), index=6)


def june_cell(branch):
    report = compute(Organization.objects.filter(pk=branch.pk), last_year())
    return next(
        c
        for c in report.for_organization(branch.pk)
        if c.rule.kind.code == "theme-day" and c.period.index == 6
    )


def create_url(branch, index=6, year=None, rule=None):
    rule = rule or theme_rule().pk
    year = year or last_year()
    return (
        f"{reverse('activities:overdueexplanation-create')}"
        f"?organization={branch.pk}&rule={rule}&year={year}&index={index}"
    )


# Services ----------------------------------------------------------------------------------------


def test_an_explanation_closes_the_item_as_explained_not_held(secretary, branch_a):
    def rate():
        return compute(Organization.objects.filter(pk=branch_a.pk), last_year()).rate_counts()

    assert june_cell(branch_a).status == Status.OVERDUE
    before = rate()
    explanation = explanations.file_explanation(
        june_item(branch_a), kind=Kind.NOT_HELD, reason=REASON, by=secretary
    )
    assert explanation.status == State.FILED
    cell = june_cell(branch_a)
    assert (cell.status, cell.held) == (Status.EXPLAINED, 0)
    # Not held: the rate's numerator does not move, the month stays in its denominator.
    assert rate() == before
    assert explanation.history.get().history_user == secretary


def test_the_compliance_ledger_counts_an_explained_item_as_not_held(client, secretary, branch_a):
    """组织生活合规情况表: the explained month reads 已说明 and stays among the 未完成项 (an
    explanation closes the to-do; it never makes the item held)."""
    client.force_login(secretary)

    def june_row():
        _, rows = export(client, "compliance", year=last_year(), month=6)
        return next(r for r in rows if r["党支部"] == branch_a.name)

    before = june_row()
    explanations.file_explanation(
        june_item(branch_a), kind=Kind.NOT_HELD, reason=REASON, by=secretary
    )
    after = june_row()
    assert after["主题党日（当月）"].endswith("已说明")
    assert after["未完成项"] == before["未完成项"] >= 1


def test_the_compliance_cache_is_invalidated(
    client, secretary, branch_a, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    detail = reverse("activities:compliance-detail", args=[branch_a.pk])
    url = f"{detail}?year={last_year()}&month=6"

    def status():
        rules = client.get(url).context["rules"]
        return next(r["status"] for r in rules if r["cell"].rule.kind.code == "theme-day")

    assert status() == Status.OVERDUE
    with django_capture_on_commit_callbacks(execute=True):
        explanations.file_explanation(
            june_item(branch_a), kind=Kind.NOT_HELD, reason=REASON, by=secretary
        )
    assert status() == Status.EXPLAINED
    body = client.get(url).content.decode()
    assert 'data-testid="explanation" data-status="filed"' in body and "已说明" in body


def test_a_late_entry_request_waits_for_the_committee(secretary, committee_admin, branch_a):
    request = explanations.file_explanation(
        june_item(branch_a), kind=Kind.LATE_ENTRY, reason=REASON, by=secretary
    )
    assert request.status == State.PENDING
    assert june_cell(branch_a).status == Status.OVERDUE  # open until decided
    assert Notification.objects.filter(user=committee_admin, url=request.get_absolute_url())
    explanations.decide_late_entry(request, approve=True, by=committee_admin)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (State.APPROVED, committee_admin)
    assert june_cell(branch_a).status == Status.EXPLAINED
    # The approved request lifts the window for that month and kind only.
    june = datetime.date(last_year(), 6, 20)
    assert OverdueExplanation.objects.allow_late_entry(branch_a.pk, theme_rule().kind, june)
    july = datetime.date(last_year(), 7, 20)
    assert not OverdueExplanation.objects.allow_late_entry(branch_a.pk, theme_rule().kind, july)
    activity = Activity(
        organization=branch_a, kind=theme_rule().kind, held_on=june, theme="补录的主题党日"
    )
    services.save_activity(activity, attendance={}, by=secretary)
    services.submit_activity(activity, by=secretary)
    assert june_cell(branch_a).status == Status.MET
    with pytest.raises(ValidationError, match="超出补录期限"):
        services.save_activity(
            Activity(organization=branch_a, kind=theme_rule().kind, held_on=july, theme="七月"),
            attendance={},
            by=secretary,
        )


def test_a_refused_request_reopens_the_item_and_needs_a_comment(
    secretary, committee_admin, branch_a
):
    request = explanations.file_explanation(
        june_item(branch_a), kind=Kind.LATE_ENTRY, reason=REASON, by=secretary
    )
    with pytest.raises(ValidationError, match="请填写审批意见"):
        explanations.decide_late_entry(request, approve=False, by=committee_admin)
    explanations.decide_late_entry(
        request, approve=False, comment="请提交未开展说明。", by=committee_admin
    )
    assert OverdueExplanation.objects.get().status == State.REJECTED
    assert june_cell(branch_a).status == Status.OVERDUE
    # Refused, the item may be explained again.
    explanations.file_explanation(
        june_item(branch_a), kind=Kind.NOT_HELD, reason=REASON, by=secretary
    )
    assert june_cell(branch_a).status == Status.EXPLAINED
    with pytest.raises(ValidationError, match="只有待审批的补录申请可以审批"):
        explanations.decide_late_entry(request, approve=True, by=committee_admin)


def test_refusals(secretary, committee_admin, outsider, branch_a):
    item = june_item(branch_a)
    with pytest.raises(ValidationError, match="不少于10个字"):
        explanations.file_explanation(item, kind=Kind.NOT_HELD, reason="忘了", by=secretary)
    with pytest.raises(PermissionDenied):
        explanations.file_explanation(item, kind=Kind.NOT_HELD, reason=REASON, by=outsider)
    explanations.file_explanation(item, kind=Kind.NOT_HELD, reason=REASON, by=secretary)
    assert june_item(branch_a) is None  # explained: no longer an overdue item
    with pytest.raises(ValidationError, match="不能重复提交"):
        explanations.file_explanation(item, kind=Kind.LATE_ENTRY, reason=REASON, by=secretary)
    request = explanations.file_explanation(
        explanations.find_item(branch_a, rule_id=theme_rule().pk, year=last_year(), index=7),
        kind=Kind.LATE_ENTRY,
        reason=REASON,
        by=secretary,
    )
    with pytest.raises(PermissionDenied):
        explanations.decide_late_entry(request, approve=True, by=secretary)
    with pytest.raises(PermissionDenied):
        explanations.decide_late_entry(request, approve=True, by=outsider)
    assert OverdueExplanation.objects.get(pk=request.pk).status == State.PENDING
    # A committee admin may file for a branch below, but not approve their own request.
    own = explanations.file_explanation(
        explanations.find_item(branch_a, rule_id=theme_rule().pk, year=last_year(), index=8),
        kind=Kind.LATE_ENTRY,
        reason=REASON,
        by=committee_admin,
    )
    with pytest.raises(PermissionDenied):
        explanations.decide_late_entry(own, approve=True, by=committee_admin)


def test_an_item_still_in_the_window_or_met_cannot_be_explained(branch_a):
    ActivityFactory(organization=branch_a, held_on=datetime.date(last_year(), 5, 8))
    assert (
        explanations.find_item(branch_a, rule_id=theme_rule().pk, year=last_year(), index=5) is None
    )
    today = timezone.localdate()
    assert (
        explanations.find_item(
            branch_a, rule_id=theme_rule().pk, year=today.year, index=today.month
        )
        is None
    )


# Views -------------------------------------------------------------------------------------------


def test_secretary_explains_from_the_form(client, secretary, branch_a):
    client.force_login(secretary)
    page = client.get(create_url(branch_a))
    assert page.status_code == 200
    assert f"{last_year()}年6月 主题党日 未开展（已逾期）" in page.content.decode()
    assert 'data-confirm="提交后不能撤回' in page.content.decode()
    response = client.post(create_url(branch_a), {"kind": "not_held", "reason": REASON})
    explanation = OverdueExplanation.objects.get()
    assert response["Location"] == explanation.get_absolute_url()
    detail = client.get(explanation.get_absolute_url()).content.decode()
    assert "已说明" in detail and "防汛抢险" in detail


def test_form_errors_are_chinese(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(create_url(branch_a), {"kind": "other", "reason": "短"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "请选择“未开展说明”或“补录申请”。" in body
    assert not OverdueExplanation.objects.exists()


@pytest.mark.parametrize("query", ["&index=13", "&index=x", "&year=1800", "&rule=abc"])
def test_a_bad_item_is_a_chinese_message(client, secretary, branch_a, query):
    client.force_login(secretary)
    response = client.get(create_url(branch_a) + query, follow=True)
    assert response.status_code == 200
    assert explanations.NOT_CLOSABLE in response.content.decode()


def test_outsider_gets_404(client, secretary, outsider, branch_a):
    explanation = explanations.file_explanation(
        june_item(branch_a), kind=Kind.LATE_ENTRY, reason=REASON, by=secretary
    )
    client.force_login(outsider)
    assert client.get(create_url(branch_a)).status_code == 404
    assert client.get(explanation.get_absolute_url()).status_code == 404
    assert client.get(LIST).context["page"].paginator.count == 0


def test_committee_decides_with_csrf_and_confirmation(client, secretary, committee_admin, branch_a):
    request = explanations.file_explanation(
        june_item(branch_a), kind=Kind.LATE_ENTRY, reason=REASON, by=secretary
    )
    decide = reverse("activities:overdueexplanation-decide", args=[request.pk])
    client.force_login(secretary)
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(committee_admin)
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'data-confirm="审批后不能更改' in page
    assert client.get(f"{LIST}?status=pending").context["page"].paginator.count == 1
    assert client.get(decide).status_code == 405
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(committee_admin)
    assert csrf_client.post(decide, {"decision": "approve"}).status_code == 403
    client.post(decide, {"decision": "approve", "comment": "同意补录。"})
    request.refresh_from_db()
    assert request.status == State.APPROVED
    client.force_login(secretary)
    assert 'data-testid="late-entry-log"' in client.get(request.get_absolute_url()).content.decode()


def test_home_offers_explanation_for_items_past_the_window(
    client, secretary, committee_admin, branch_a, settings, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    if today.month == 1:
        pytest.skip("in January no month of this year has ended")
    settings.ACTIVITY_BACKFILL_DAYS = 0  # last month is already past the window
    client.force_login(secretary)
    items = client.get(reverse("portal:home")).context["due_items"]
    last_month = next(
        i
        for i in items
        if i.cell.rule.kind.code == "theme-day" and i.cell.period.index == today.month - 1
    )
    assert last_month.action_label == "说明或申请补录"
    item = explanations.find_item(
        branch_a, rule_id=last_month.cell.rule.pk, year=today.year, index=today.month - 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = explanations.file_explanation(
            item, kind=Kind.LATE_ENTRY, reason=REASON, by=secretary
        )
    items = client.get(reverse("portal:home")).context["due_items"]
    waiting = next(
        i
        for i in items
        if i.cell.period.index == today.month - 1 and i.cell.rule.kind.code == "theme-day"
    )
    assert waiting.text.endswith("补录申请待审批（已逾期）")
    assert waiting.action_url == request.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        explanations.decide_late_entry(request, approve=True, by=committee_admin)
    items = client.get(reverse("portal:home")).context["due_items"]
    assert not [
        i
        for i in items
        if i.cell.period.index == today.month - 1 and i.cell.rule.kind.code == "theme-day"
    ]
