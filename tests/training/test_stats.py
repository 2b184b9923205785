"""Training statistics: classes held, person-times, spend and hours by year, month and kind,
scoped to the classes the user may see, every number linked to its list."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.training.factories import TrainingClassFactory
from training import stats
from training.models import Enrollment, TrainingClass

YEAR = datetime.date.today().year
DEMO = TrainingClass.Kind.DEMONSTRATION


def held(organization, month, *, year=YEAR, kind=TrainingClass.Kind.BRANCH, cost=0, people=()):
    training_class = TrainingClassFactory(
        organization=organization,
        kind=kind,
        starts_on=datetime.date(year, month, 10),
        ends_on=datetime.date(year, month, 11),
        cost=Decimal(cost),
        length_hours=Decimal(16),
    )
    for member, hours, signed_in in people:
        Enrollment.objects.create(
            training_class=training_class,
            member=member,
            signed_in=signed_in,
            hours_earned=Decimal(hours),
        )
    return training_class


@pytest.fixture
def classes(root, branch_a, branch_b):
    a1, a2 = MemberFactory(organization=branch_a), MemberFactory(organization=branch_a)
    b1 = MemberFactory(organization=branch_b)
    held(root, 3, kind=DEMO, cost=30000, people=[(a1, 16, True), (a2, 8, True), (b1, 16, True)])
    held(root, 3, kind=DEMO, cost=20000, people=[(a1, 16, False)])  # no-show: no person-time
    held(branch_a, 5, cost=500, people=[(a1, 4, True), (a2, 4, True)])
    held(branch_b, 5, cost=700, people=[(b1, 4, True)])
    held(root, 11, year=YEAR - 1, kind=DEMO, cost=10000, people=[(a1, 8, True)])


def test_figures_by_year_month_and_kind(classes):
    figures = stats.class_figures(TrainingClass.objects.all())
    assert figures.years == [YEAR - 1, YEAR]
    total = figures.total
    assert (total.classes, total.demonstration, total.person_times) == (5, 3, 7)
    assert (total.cost, total.hours) == (Decimal(61200), Decimal(60))
    march = figures.by_month[(YEAR, 3)]
    assert (march.classes, march.person_times, march.cost, march.hours) == (
        2,
        3,
        Decimal(50000),
        Decimal(40),
    )
    branch = figures.by_kind[(YEAR, TrainingClass.Kind.BRANCH)]
    assert (branch.classes, branch.person_times, branch.cost) == (2, 3, Decimal(1200))
    assert figures.by_year[YEAR - 1].classes == 1
    assert total.cost_wan == Decimal("6.12")


def test_staff_page_shows_the_period_and_links_every_number(client, staff, classes):
    client.force_login(staff)
    response = client.get(reverse("training:stats-overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["period"] == (YEAR - 1, YEAR)
    assert f"统计期间：{YEAR - 1}年—{YEAR}年" in body
    class_list = reverse("training:trainingclass-list")
    attendance = reverse("training:enrollment-list")
    assert f'href="{class_list}?year={YEAR}&month=3"' in body
    assert f'href="{attendance}?year={YEAR}&month=3"' in body
    assert f'href="{class_list}?year={YEAR}&kind=demonstration"' in body
    months = dict(response.context["by_month"])
    assert months[5].person_times == 3


def test_a_branch_sees_only_its_own_classes(client, secretary, classes):
    client.force_login(secretary)
    response = client.get(reverse("training:stats-overview"))
    total = response.context["figures"].total
    assert (total.classes, total.person_times, total.cost) == (1, 2, Decimal(500))


def test_month_link_lists_the_classes_of_that_month(client, staff, classes):
    client.force_login(staff)
    response = client.get(reverse("training:trainingclass-list"), {"year": YEAR, "month": 5})
    assert {c.organization.name for c in response.context["page"]} == {
        "甲局第一党支部",
        "乙局机密党支部",
    }


def test_attendance_list_counts_person_times(client, committee_admin, staff, classes):
    client.force_login(staff)
    url = reverse("training:enrollment-list")
    assert client.get(url).context["page"].paginator.count == 7
    assert client.get(url, {"year": YEAR, "month": 3}).context["page"].paginator.count == 3
    assert client.get(url, {"kind": "branch", "year": YEAR}).context["page"].paginator.count == 3
    # The committee admin sees no root class: only its branch's session.
    client.force_login(committee_admin)
    assert client.get(url).context["page"].paginator.count == 2


@pytest.mark.parametrize("name", ["stats-overview", "enrollment-list"])
def test_statistics_run_a_fixed_number_of_queries(
    client, staff, root, branch_a, django_assert_max_num_queries, name
):
    members = [MemberFactory(organization=branch_a) for _ in range(10)]
    for month in range(1, 13):
        held(root, month, kind=DEMO, cost=1000, people=[(m, 8, True) for m in members])
        held(branch_a, month, cost=10, people=[(members[0], 2, True)])
    client.force_login(staff)
    # session, user, the two GROUP BYs (or count + page, and the hours they sum to, which the
    # attendance list states for the figures that link to it)
    with django_assert_max_num_queries(6 if name == "enrollment-list" else 5):
        assert client.get(reverse(f"training:{name}")).status_code == 200
