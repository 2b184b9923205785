"""Dated term-length rules (党章 2022 修正案): a term takes the length in force on its election
day — five years for every elected basic-level committee from 2022-10-22, the old length (党委
5, 总支/支部 3) before — and the appointed root work committee has no term and no 换届 warning."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.branch_indicators import terms_on_time
from branches.models import Organization, Term, TermLengthRule
from branches.services import organizations as organization_services
from tests.factories import OrganizationFactory, TermFactory

D = datetime.date
T = Organization.Type
seed_migration = importlib.import_module("branches.migrations.0010_term_rules_2022_constitution")


@pytest.mark.parametrize(
    ("organization_type", "day", "years"),
    [
        (T.BRANCH, D(2022, 10, 21), 3),
        (T.BRANCH, D(2022, 10, 22), 5),
        (T.JOINT_BRANCH, D(2022, 10, 21), 3),
        (T.GENERAL_BRANCH, D(2022, 10, 21), 3),
        (T.GENERAL_BRANCH, D(2022, 10, 22), 5),
        (T.COMMITTEE, D(2019, 1, 1), 5),
        (T.ORGAN_COMMITTEE, D(2024, 1, 1), 5),
        (T.WORK_COMMITTEE, D(2024, 1, 1), None),
        (T.TEMPORARY_BRANCH, D(2024, 1, 1), None),
    ],
)
def test_length_for_takes_the_rule_in_force_on_the_election_day(db, organization_type, day, years):
    assert TermLengthRule.length_for(organization_type, day) == years


def test_election_on_the_eve_of_the_amendment_keeps_three_years(branch_a, staff):
    term = organization_services.record_election(branch_a, elected_on=D(2022, 10, 21), by=staff)
    assert (term.length_years, term.due_end) == (3, D(2025, 10, 21))


def test_election_on_the_day_of_the_amendment_is_five_years(branch_a, staff):
    term = organization_services.record_election(branch_a, elected_on=D(2022, 10, 22), by=staff)
    assert (term.length_years, term.due_end) == (5, D(2027, 10, 22))


def test_a_later_rule_row_leaves_terms_already_elected_as_they_were(branch_a, staff):
    term = organization_services.record_election(branch_a, elected_on=D(2023, 3, 1), by=staff)
    TermLengthRule.objects.create(organization_type=T.BRANCH, effective_from=D(2024, 1, 1), years=4)
    term.refresh_from_db()
    assert (term.length_years, term.due_end) == (5, D(2028, 3, 1))
    later = organization_services.record_election(branch_a, elected_on=D(2024, 5, 1), by=staff)
    assert (later.length_years, later.due_end) == (4, D(2028, 5, 1))


def test_one_rule_per_type_and_date(db):
    with pytest.raises(ValidationError):
        TermLengthRule(
            organization_type=T.BRANCH, effective_from=D(2022, 10, 22), years=4
        ).validate_constraints()


def test_no_rule_for_the_appointed_root(db):
    rule = TermLengthRule(organization_type=T.WORK_COMMITTEE, effective_from=D(2024, 1, 1), years=5)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "派出机关" in str(error.value)


def test_the_root_work_committee_holds_no_election(root, staff):
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(root, elected_on=D(2024, 6, 1), by=staff)
    assert error.value.messages == [
        "党工委/机关工委由上级党委任命（派出机关），不进行换届选举，没有届次。"
    ]
    assert not Term.objects.filter(organization=root).exists()
    with pytest.raises(ValidationError, match="派出机关"):
        Term(organization=root, number=1, elected_on=D(2024, 6, 1), length_years=5).full_clean()


def test_the_root_gets_no_term_warning_and_is_not_judged_on_terms(root, committee_a):
    overdue = TermFactory(organization=root, elected_on=D(2019, 1, 1), length_years=5)
    root_counts = Organization.objects.with_roster_counts().get(pk=root.pk)
    assert root_counts.setup_warnings(current_term=overdue, today=D(2026, 3, 1)) == []
    committee = Organization.objects.with_roster_counts().get(pk=committee_a.pk)
    other = TermFactory(organization=committee_a, elected_on=D(2019, 1, 1), length_years=5)
    warnings = committee.setup_warnings(current_term=other, today=D(2026, 3, 1))
    assert warnings == ["本届任期已于2024年1月1日届满，已超期790天，应及时换届。"]
    # The root's own overdue term is not counted: only 甲局党委's, which is overdue too.
    measure = terms_on_time(2024, [root])[root.pk]
    assert (measure.numerator, measure.denominator) == (0, 1)


def test_terms_derived_from_the_old_rule_after_the_amendment_are_recomputed(root, committee_a):
    branch = OrganizationFactory(parent=committee_a, type=T.BRANCH)
    derived = TermFactory(organization=branch, elected_on=D(2023, 6, 1), length_years=3)
    eve = TermFactory(
        organization=OrganizationFactory(parent=committee_a),
        elected_on=D(2022, 10, 21),
        length_years=3,
    )
    typed = TermFactory(
        organization=OrganizationFactory(parent=committee_a),
        elected_on=D(2023, 6, 1),
        length_years=2,
    )
    approved = TermFactory(
        organization=OrganizationFactory(parent=committee_a),
        elected_on=D(2023, 6, 1),
        length_years=3,
        adjusted_end=D(2026, 12, 1),
        adjustment_approval_no="阿机工字〔2026〕1号",
    )
    root_term = TermFactory(organization=root, elected_on=D(2023, 1, 1), length_years=5)
    seed_migration.recompute_terms(apps, None)
    derived.refresh_from_db()
    assert (derived.length_years, derived.planned_end, derived.due_end) == (
        5,
        D(2028, 6, 1),
        D(2028, 6, 1),
    )
    for term, length, due in ((eve, 3, D(2025, 10, 21)), (typed, 2, D(2025, 6, 1))):
        term.refresh_from_db()
        assert (term.length_years, term.due_end) == (length, due)
    approved.refresh_from_db()
    assert (approved.length_years, approved.due_end) == (3, D(2026, 12, 1))
    root_term.refresh_from_db()  # kept, not recomputed: the root is not judged on terms
    assert (root_term.length_years, root_term.due_end) == (5, D(2028, 1, 1))


def test_the_seed_is_idempotent_and_keeps_both_readings(db):
    seed_migration.seed(apps, None)
    seed_migration.seed(apps, None)
    rows = set(TermLengthRule.objects.values_list("organization_type", "effective_from", "years"))
    old = D(1900, 1, 1)
    new = D(2022, 10, 22)
    assert rows == {
        (T.COMMITTEE, old, 5),
        (T.ORGAN_COMMITTEE, old, 5),
        (T.GENERAL_BRANCH, old, 3),
        (T.BRANCH, old, 3),
        (T.JOINT_BRANCH, old, 3),
        (T.COMMITTEE, new, 5),
        (T.ORGAN_COMMITTEE, new, 5),
        (T.GENERAL_BRANCH, new, 5),
        (T.BRANCH, new, 5),
        (T.JOINT_BRANCH, new, 5),
    }


# The rule page: the work committee adds and edits dated rows with a reason; others read. ---


def test_work_committee_adds_a_dated_rule_with_its_reason(client, staff):
    client.force_login(staff)
    page = client.get(reverse("branches:timingrule-list")).content.decode()
    assert reverse("branches:termlengthrule-create") in page
    data = {
        "organization_type": T.BRANCH,
        "effective_from": "2030-01-01",
        "years": 4,
        "basis": "测试依据",
    }
    response = client.post(reverse("branches:termlengthrule-create"), data)
    assert response.status_code == 200  # no reason given: the form is shown again
    assert not TermLengthRule.objects.filter(effective_from=D(2030, 1, 1)).exists()
    response = client.post(
        reverse("branches:termlengthrule-create"), {**data, "change_reason": "新规定"}
    )
    assert response.status_code == 302
    rule = TermLengthRule.objects.get(effective_from=D(2030, 1, 1))
    record = rule.history.latest()
    assert (record.history_user, record.history_change_reason) == (staff, "新规定")
    assert TermLengthRule.length_for(T.BRANCH, D(2030, 1, 1)) == 4
    assert TermLengthRule.length_for(T.BRANCH, D(2029, 12, 31)) == 5
    edit = reverse("branches:termlengthrule-edit", args=[rule.pk])
    response = client.post(edit, {**data, "years": 6, "change_reason": "更正"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.years == 6 and rule.history.latest().prev_record.years == 4


def test_a_second_row_for_the_same_type_and_date_is_refused_on_the_form(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("branches:termlengthrule-create"),
        {
            "organization_type": T.BRANCH,
            "effective_from": "2022-10-22",
            "years": 4,
            "change_reason": "重复",
        },
    )
    assert response.status_code == 200
    assert TermLengthRule.objects.filter(organization_type=T.BRANCH).count() == 2


def test_others_read_the_term_rules_but_may_not_edit_them(client, committee_admin):
    client.force_login(committee_admin)
    page = client.get(reverse("branches:timingrule-list"))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="term-lengths"' in body
    assert reverse("branches:termlengthrule-create") not in body
    rule = TermLengthRule.objects.get(organization_type=T.BRANCH, effective_from=D(2022, 10, 22))
    edit = reverse("branches:termlengthrule-edit", args=[rule.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"years": 1, "change_reason": "x"}).status_code == 403
    rule.refresh_from_db()
    assert rule.years == 5
