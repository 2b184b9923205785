import datetime

from django.urls import reverse

from activities.compliance import compute
from activities.models import Exemption, FrequencyRule
from branches.models import Organization

LIST = "activities:frequencyrule-list"


def theme_day():
    return FrequencyRule.objects.get(kind__code="theme-day")


def rule_data(rule, **changes):
    data = {
        "period": rule.period,
        "min_count": rule.min_count,
        "organization_types": rule.organization_types,
        "requires_committee": rule.requires_committee,
        "per_party_group": rule.per_party_group,
        "effective_from": rule.effective_from.isoformat(),
        "effective_to": "",
        "source": rule.source,
        "change_reason": "按工委文件调整",
    }
    return {**data, **changes}


def test_everyone_can_read_the_rules_in_chinese(client, secretary):
    client.force_login(secretary)
    body = client.get(reverse(LIST)).content.decode()
    assert "主题党日" in body and "每月" in body and "党支部" in body
    assert "/rules/" not in body.replace(reverse(LIST), "")  # no edit links for a secretary


def test_staff_change_a_rule_and_compliance_follows(client, staff, branch_a):
    rule = theme_day()
    client.force_login(staff)
    response = client.post(
        reverse("activities:frequencyrule-edit", args=[rule.pk]), rule_data(rule, min_count=2)
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.min_count == 2
    report = compute(Organization.objects.filter(pk=branch_a.pk), 2026)
    assert {c.required for c in report.cells if c.rule.pk == rule.pk} == {2}


def test_bad_rule_values_change_nothing(client, staff):
    rule = theme_day()
    client.force_login(staff)
    url = reverse("activities:frequencyrule-edit", args=[rule.pk])
    response = client.post(url, rule_data(rule, min_count=0, effective_to="2018-01-01"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "失效日期不能早于生效日期" in body
    assert "确保该值大于或等于" in body  # Django's own message, in Chinese
    rule.refresh_from_db()
    assert rule.min_count == 1


def test_committee_admin_exempts_a_branch_of_their_subtree_only(
    client, committee_admin, branch_a, branch_b
):
    client.force_login(committee_admin)
    url = reverse("activities:exemption-create")
    data = {
        "rule": theme_day().pk,
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "reason": "支部新成立",
    }
    assert client.get(url).status_code == 403  # exemptions are granted by the work committee
    assert client.post(url, {**data, "organization": branch_a.pk}).status_code == 403
    assert not Exemption.objects.exists()


def test_staff_grant_and_withdraw_an_exemption(client, staff, branch_a):
    client.force_login(staff)
    data = {
        "organization": branch_a.pk,
        "rule": theme_day().pk,
        "starts_on": "2026-01-01",
        "ends_on": "2025-12-01",
        "reason": "支部新成立",
    }
    response = client.post(reverse("activities:exemption-create"), data)
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not Exemption.objects.exists()
    client.post(reverse("activities:exemption-create"), {**data, "ends_on": "2026-03-31"})
    exemption = Exemption.objects.get()
    assert (exemption.approved_by, exemption.ends_on) == (staff, datetime.date(2026, 3, 31))
    assert "支部新成立" in client.get(reverse(LIST)).content.decode()
    client.post(reverse("activities:exemption-delete", args=[exemption.pk]))
    assert Exemption.objects.exists()  # withdrawing needs a reason
    client.post(reverse("activities:exemption-delete", args=[exemption.pk]), {"reason": "已整改"})
    assert not Exemption.objects.exists()


def test_rule_page_queries_are_constant(client, staff, branch_a, django_assert_max_num_queries):
    for n in range(10):
        Exemption.objects.create(
            organization=branch_a,
            rule=theme_day(),
            starts_on=datetime.date(2026, 1, 1),
            reason=f"原因{n}",
            approved_by=staff,
        )
    client.force_login(staff)
    # session, user, organisation, rules with kinds, exemptions with their relations; the
    # latest changes to the rules and to the exemptions in scope (each with its relations)
    with django_assert_max_num_queries(7):
        assert client.get(reverse(LIST)).status_code == 200


# History: who, when, before, after, reason -----------------------------------------------------


def test_a_rule_edit_keeps_who_when_before_after_and_why(client, staff):
    rule = theme_day()
    client.force_login(staff)
    client.post(
        reverse("activities:frequencyrule-edit", args=[rule.pk]),
        rule_data(rule, min_count=2, change_reason="工委通知：主题党日每月两次"),
    )
    record = rule.history.latest()
    assert record.history_user == staff
    assert record.history_change_reason == "工委通知：主题党日每月两次"
    assert (record.prev_record.min_count, record.min_count) == (1, 2)
    assert record.history_date is not None
    body = client.get(reverse(LIST)).content.decode()
    assert 'data-testid="history"' in body
    assert "工委通知：主题党日每月两次" in body and "1 → 2" in body


def test_a_rule_edit_without_a_reason_changes_nothing(client, staff):
    rule = theme_day()
    client.force_login(staff)
    response = client.post(
        reverse("activities:frequencyrule-edit", args=[rule.pk]),
        rule_data(rule, min_count=3, change_reason=""),
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.min_count == 1
    assert not rule.history.filter(history_type="~").exists()


def test_withdrawing_an_exemption_is_kept_with_its_reason(client, staff, branch_a):
    client.force_login(staff)
    data = {
        "organization": branch_a.pk,
        "rule": theme_day().pk,
        "starts_on": "2026-01-01",
        "reason": "支部新成立",
    }
    client.post(reverse("activities:exemption-create"), data)
    exemption = Exemption.objects.get()
    client.post(reverse("activities:exemption-delete", args=[exemption.pk]), {"reason": "已整改"})
    created, deleted = Exemption.history.order_by("history_id")
    assert (created.history_type, created.history_change_reason) == ("+", "登记豁免：支部新成立")
    assert (deleted.history_type, deleted.history_change_reason) == ("-", "已整改")
    assert deleted.history_user == staff


def test_exemption_history_of_another_subtree_is_not_shown(client, staff, outsider, branch_a):
    client.force_login(staff)
    client.post(
        reverse("activities:exemption-create"),
        {
            "organization": branch_a.pk,
            "rule": theme_day().pk,
            "starts_on": "2026-01-01",
            "reason": "支部新成立",
        },
    )
    assert "支部新成立" in client.get(reverse(LIST)).content.decode()
    client.force_login(outsider)
    body = client.get(reverse(LIST)).content.decode()
    assert branch_a.display_name not in body and "支部新成立" not in body


def test_a_secretary_cannot_edit_a_rule(client, secretary):
    rule = theme_day()
    client.force_login(secretary)
    response = client.post(
        reverse("activities:frequencyrule-edit", args=[rule.pk]), rule_data(rule, min_count=5)
    )
    assert response.status_code == 403
    assert not rule.history.filter(history_type="~").exists()
