"""core.rules: versions of the rule tables, reading them as of a run, and what differs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from activities.models import Exemption, FrequencyRule
from alxa_dangjian.core import rules
from training.models import Audience, HourRule


def test_rows_seeded_without_history_get_a_baseline_version(db):
    HourRule.objects.bulk_create([HourRule(year=2030, audience=Audience.ACTIVISTS, minimum=12)])
    row = HourRule.objects.get(year=2030)
    assert not row.history.exists()
    versions = rules.current_versions()
    baseline = row.history.get()
    assert versions["training.hourrule"][str(row.pk)] == baseline.history_id
    assert baseline.history_change_reason == rules.BASELINE_REASON


def test_a_write_needs_a_reason(staff):
    rule = HourRule.objects.first()
    rule.minimum = 1
    with pytest.raises(ValidationError):
        rules.save_rule(rule, by=staff, reason="  ")
    assert HourRule.objects.get(pk=rule.pk).minimum != 1


def test_pinned_rows_include_a_row_deleted_since_and_not_one_added(staff, branch_a):
    recorded = rules.current_versions()
    gone = FrequencyRule.objects.get(kind__code="party-lecture")
    rules.delete_rule(gone, by=staff, reason="合并到党员大会")
    rules.save_rule(
        Exemption(
            organization=branch_a,
            rule=FrequencyRule.objects.get(kind__code="theme-day"),
            starts_on=datetime.date(2025, 1, 1),
            reason="新成立",
            approved_by=staff,
        ),
        by=staff,
        reason="登记豁免",
    )
    live = rules.rows(FrequencyRule, Q(kind__code="party-lecture"), related=["kind"])
    assert live == []
    with rules.pinned(recorded):
        [then] = rules.rows(FrequencyRule, Q(kind__code="party-lecture"), related=["kind"])
        assert then.kind.code == "party-lecture" and then.min_count == 1
        assert rules.rows(Exemption) == []
    assert len(rules.rows(Exemption)) == 1


def test_differences_name_added_changed_and_deleted_rows_with_who_and_why(staff, branch_a):
    before = rules.current_versions()
    rules.delete_rule(
        FrequencyRule.objects.get(kind__code="party-lecture"), by=staff, reason="合并"
    )
    rule = HourRule.objects.filter(audience=Audience.COMMITTEE).first()
    rule.minimum = 60
    rules.save_rule(rule, by=staff, reason="加强支委培训")
    after = rules.current_versions()
    changes = rules.differences(before, after, indicator_names={"training-hours-met": "学时达标率"})
    by_table = {c["table"]: c for c in changes}
    deleted, changed = by_table["频次规则"], by_table["学时要求"]
    assert (deleted["kind"], deleted["reason"], deleted["who"]) == (
        "删除",
        "合并",
        staff.get_full_name(),
    )
    assert changed["kind"] == "修改" and ["每年最少学时", "56", "60"] in changed["fields"]
    assert changed["reason"] == "加强支委培训" and changed["feeds"] == ["学时达标率"]
    assert rules.differences(after, after) == []
