"""Terms (届次) and elections (换届): lengths by type, approved advance or delay of at most one
year, one current term closed by the next election, no elections in a 临时党支部."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import Organization, Term, TermLengthRule
from branches.services import organizations as organization_services
from tests.factories import OrganizationFactory, TermFactory

D = datetime.date


@pytest.fixture
def temporary(committee_a):
    return OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)


# record_election ----------------------------------------------------------------------------


def test_first_election_takes_number_one_and_the_length_of_the_type(branch_a, committee_a, staff):
    term = organization_services.record_election(branch_a, elected_on=D(2022, 6, 1), by=staff)
    assert (term.number, term.length_years, term.due_end) == (1, 3, D(2025, 6, 1))
    committee_term = organization_services.record_election(
        committee_a, elected_on=D(2024, 6, 1), by=staff
    )
    assert (committee_term.length_years, committee_term.due_end) == (5, D(2029, 6, 1))


def test_term_length_follows_the_editable_rule(branch_a, staff):
    TermLengthRule.objects.filter(
        organization_type=Organization.Type.BRANCH, effective_from=D(2022, 10, 22)
    ).update(years=4)
    term = organization_services.record_election(branch_a, elected_on=D(2024, 6, 1), by=staff)
    assert term.length_years == 4


def test_election_closes_the_current_term_and_starts_the_next(branch_a, staff):
    first = TermFactory(organization=branch_a, number=7, elected_on=D(2021, 5, 1))
    second = organization_services.record_election(branch_a, elected_on=D(2024, 5, 20), by=staff)
    first.refresh_from_db()
    assert first.actual_end == D(2024, 5, 20) and not first.is_current
    assert second.number == 8 and second.is_current
    assert list(Term.objects.filter(organization=branch_a).current()) == [second]


def test_election_before_the_current_term_began_changes_nothing(branch_a, staff):
    TermFactory(organization=branch_a, number=1, elected_on=D(2023, 5, 1))
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(branch_a, elected_on=D(2023, 5, 1), by=staff)
    assert "新一届的选举日期须晚于第1届的选举日期" in str(error.value)
    assert Term.objects.filter(organization=branch_a).current().get().number == 1
    assert Term.objects.count() == 1


def test_a_number_already_used_is_refused(branch_a, staff):
    TermFactory(organization=branch_a, number=3, elected_on=D(2020, 5, 1))
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(
            branch_a, elected_on=D(2023, 5, 1), number=3, by=staff
        )
    assert error.value.message_dict["number"] == ["届次须大于已登记的第3届。"]
    assert Term.objects.filter(organization=branch_a, actual_end__isnull=False).count() == 0


def test_a_temporary_branch_cannot_hold_elections(temporary, staff):
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(temporary, elected_on=D(2024, 6, 1), by=staff)
    assert error.value.messages == ["临时党支部不进行选举，不能登记换届选举。"]
    assert not Term.objects.filter(organization=temporary).exists()


def test_term_model_refuses_a_temporary_branch(temporary):
    term = Term(organization=temporary, number=1, elected_on=D(2024, 6, 1), length_years=3)
    with pytest.raises(ValidationError, match="临时党支部不进行选举"):
        term.full_clean()


def test_a_withdrawn_organisation_cannot_hold_elections(branch_a, staff):
    branch_a.is_active = False
    branch_a.save()
    with pytest.raises(ValidationError, match="已撤销"):
        organization_services.record_election(branch_a, elected_on=D(2024, 6, 1), by=staff)


def test_an_approved_delay_of_up_to_a_year_sets_the_due_end(branch_a, staff):
    term = organization_services.record_election(
        branch_a,
        elected_on=D(2022, 6, 1),
        adjusted_end=D(2026, 6, 1),
        adjustment_approval_no="阿直机党字〔2025〕12号",
        by=staff,
    )
    assert (term.planned_end, term.due_end) == (D(2025, 6, 1), D(2026, 6, 1))


@pytest.mark.parametrize("adjusted_end", [D(2026, 6, 3), D(2024, 5, 30)])
def test_an_adjustment_beyond_one_year_is_refused(branch_a, staff, adjusted_end):
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(
            branch_a,
            elected_on=D(2022, 6, 1),
            adjusted_end=adjusted_end,
            adjustment_approval_no="文号",
            by=staff,
        )
    assert "提前或延期换届一般不超过1年" in error.value.message_dict["adjusted_end"][0]
    assert not Term.objects.exists()


def test_an_adjustment_needs_its_approval_number(branch_a, staff):
    with pytest.raises(ValidationError) as error:
        organization_services.record_election(
            branch_a, elected_on=D(2022, 6, 1), adjusted_end=D(2025, 12, 1), by=staff
        )
    assert error.value.message_dict["adjustment_approval_no"] == ["提前或延期换届须填写批复文号。"]


# Election and term views ---------------------------------------------------------------------


def election_url(organization):
    return reverse("branches:organization-election", args=[organization.pk])


def test_election_form_prefills_the_next_number_and_takes_the_length_of_the_election_day(
    client, committee_admin, committee_a, branch_a
):
    """The length depends on the election day (党章 2022 修正案), so the form leaves it blank
    and the rule in force on the day applies."""
    TermFactory(organization=branch_a, number=4, elected_on=D(2021, 5, 1))
    client.force_login(committee_admin)
    body = client.get(election_url(branch_a)).content.decode()
    assert 'name="number" value="5"' in body and 'name="length_years" value="3"' not in body
    response = client.post(election_url(branch_a), {"number": 5, "elected_on": "2024-05-08"})
    assert response.status_code == 302
    new = Term.objects.get(organization=branch_a, number=5)
    assert (new.length_years, new.due_end) == (5, D(2029, 5, 8))


def test_election_page_of_the_root_is_blocked(client, staff, root):
    client.force_login(staff)
    body = client.get(election_url(root)).content.decode()
    assert 'data-testid="blocked"' in body and "派出机关" in body


def test_secretary_records_an_election_of_their_branch(client, secretary, branch_a):
    current = TermFactory(organization=branch_a, number=1, elected_on=D(2021, 5, 1))
    client.force_login(secretary)
    response = client.post(
        election_url(branch_a),
        {"number": 2, "elected_on": "2024-05-08", "length_years": 3, "note": "按期换届"},
    )
    assert response.status_code == 302 and response.url == branch_a.get_absolute_url()
    current.refresh_from_db()
    assert current.actual_end == D(2024, 5, 8)
    new = Term.objects.get(organization=branch_a, number=2)
    assert new.due_end == D(2027, 5, 8) and new.note == "按期换届"


def test_election_form_shows_rule_breaches_in_chinese(client, secretary, branch_a):
    TermFactory(organization=branch_a, number=1, elected_on=D(2023, 5, 1))
    client.force_login(secretary)
    response = client.post(
        election_url(branch_a), {"number": 2, "elected_on": "2022-01-01", "length_years": 3}
    )
    assert response.status_code == 200
    assert "新一届的选举日期须晚于第1届的选举日期" in response.content.decode()
    assert Term.objects.count() == 1
    response = client.post(
        election_url(branch_a),
        {"number": 2, "elected_on": "2024-01-01", "length_years": 3, "adjusted_end": "2028-06-01"},
    )
    assert "提前或延期换届一般不超过1年" in response.content.decode()
    assert Term.objects.count() == 1


def test_election_page_of_a_temporary_branch_is_blocked(client, committee_admin, temporary):
    client.force_login(committee_admin)
    body = client.get(election_url(temporary)).content.decode()
    assert 'data-testid="blocked"' in body and "临时党支部不进行选举" in body
    response = client.post(
        election_url(temporary), {"number": 1, "elected_on": "2024-05-08", "length_years": 3}
    )
    assert response.status_code == 200
    assert "临时党支部不进行选举" in response.content.decode()
    assert not Term.objects.filter(organization=temporary).exists()


def test_term_edit_records_an_approved_delay(client, secretary, branch_a):
    term = TermFactory(organization=branch_a, elected_on=D(2022, 6, 1))
    client.force_login(secretary)
    url = reverse("branches:term-edit", args=[term.pk])
    data = {"elected_on": "2022-06-01", "length_years": 3, "adjusted_end": "2026-03-01"}
    response = client.post(url, data)
    assert "提前或延期换届须填写批复文号。" in response.content.decode()
    term.refresh_from_db()
    assert term.adjusted_end is None
    response = client.post(url, {**data, "adjustment_approval_no": "阿直机党字〔2025〕8号"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.due_end == D(2026, 3, 1)


def test_term_edit_of_a_past_term_can_set_its_actual_end(client, staff, branch_a):
    past = TermFactory(organization=branch_a, elected_on=D(2018, 6, 1), actual_end=D(2021, 6, 1))
    current = TermFactory(organization=branch_a, elected_on=D(2021, 6, 1))
    client.force_login(staff)
    body = client.get(reverse("branches:term-edit", args=[current.pk])).content.decode()
    assert 'name="actual_end"' not in body  # a current term ends only by an election
    url = reverse("branches:term-edit", args=[past.pk])
    response = client.post(
        url, {"elected_on": "2018-06-01", "length_years": 3, "actual_end": "2017-01-01"}
    )
    assert "实际换届日期不能早于选举日期。" in response.content.decode()
    response = client.post(
        url, {"elected_on": "2018-06-01", "length_years": 3, "actual_end": "2021-07-01"}
    )
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.actual_end == D(2021, 7, 1)


def test_outsider_gets_404(client, outsider, branch_a):
    term = TermFactory(organization=branch_a)
    client.force_login(outsider)
    assert client.get(election_url(branch_a)).status_code == 404
    assert client.post(election_url(branch_a), {"elected_on": "2024-01-01"}).status_code == 404
    assert client.get(reverse("branches:term-edit", args=[term.pk])).status_code == 404
    assert not Term.objects.filter(organization=branch_a, number__gt=term.number).exists()


def test_wrong_method_is_405(client, secretary, branch_a):
    term = TermFactory(organization=branch_a)
    client.force_login(secretary)
    assert client.put(election_url(branch_a)).status_code == 405
    assert client.delete(reverse("branches:term-edit", args=[term.pk])).status_code == 405
