"""Hours against the yearly rule: numbers checked against hand-computed fixtures (including the
56-hour rule for committee members), scoping, the behind list and query-count guards."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.models import CommitteeSeat
from tests.factories import CommitteeSeatFactory, MemberFactory
from tests.training.factories import TrainingClassFactory
from training import stats
from training.models import Enrollment, SchemeComponent, TrainingScheme

YEAR = datetime.date.today().year


def attend(member, hours, *, year=YEAR, signed_in=True, component=None, organization=None):
    """A one-day class of `member`'s branch (or `organization`) attended for `hours`."""
    training_class = TrainingClassFactory(
        organization=organization or member.organization,
        starts_on=datetime.date(year, 3, 1),
        ends_on=datetime.date(year, 3, 3),
        length_hours=Decimal(100),
        component=component,
    )
    return Enrollment.objects.create(
        training_class=training_class,
        member=member,
        signed_in=signed_in,
        hours_earned=Decimal(hours),
    )


def seat(member, post=CommitteeSeat.Post.MEMBER):
    return CommitteeSeatFactory(organization=member.organization, member=member, post=post)


@pytest.fixture
def league(branch_a, branch_a2, branch_b):
    """Hand-computed: branch_a 2 of 4 met (one committee member short of 56), branch_a2 0 of 1,
    branch_b 1 of 1; committee_a 2 of 5, the league 3 of 6."""
    people = {
        "plain_met": MemberFactory(organization=branch_a, name="达标甲"),
        "plain_short": MemberFactory(organization=branch_a, name="欠学时甲"),
        "seat_short": MemberFactory(organization=branch_a, name="支委欠学时"),
        "seat_met": MemberFactory(organization=branch_a, name="支委达标"),
        "nothing": MemberFactory(organization=branch_a2, name="零学时"),
        "outside": MemberFactory(organization=branch_b, name="乙局党员"),
    }
    seat(people["seat_short"], CommitteeSeat.Post.SECRETARY)
    seat(people["seat_met"])
    attend(people["plain_met"], 20)
    attend(people["plain_met"], 12)  # 32: exactly the rule
    attend(people["plain_short"], 20)  # short 12
    attend(people["plain_short"], 30, signed_in=False)  # not signed in: not counted
    attend(people["plain_short"], 30, year=YEAR - 1)  # last year: not counted
    attend(people["seat_short"], 40)  # 40 ≥ 32 but < 56: behind by 16
    attend(people["seat_met"], 56)
    attend(people["outside"], 40)
    return people


def test_hour_tallies_match_the_hand_computed_figures(
    league, root, branch_a, branch_a2, committee_a
):
    from branches.models import Member

    rolled = stats.rollup(stats.hour_tallies(YEAR, Member.objects.all()))
    a, a2, committee = rolled[branch_a.path], rolled[branch_a2.path], rolled[committee_a.path]
    assert (a.members, a.met, a.behind, a.hours) == (4, 2, 2, Decimal(148))
    assert a.percent == 50 and a.average_hours == Decimal("37.0")
    assert (a2.members, a2.met, a2.percent) == (1, 0, 0)
    assert (committee.members, committee.met, committee.percent) == (5, 2, 40)
    assert (rolled[root.path].members, rolled[root.path].met) == (6, 3)


def test_committee_admin_sees_rates_per_committee_and_branch(client, committee_admin, league):
    client.force_login(committee_admin)
    response = client.get(reverse("training:progress-overview"))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.members, summary.met, summary.behind) == (5, 2, 3)
    branches = {b.name: t for b, t in response.context["branches"]}
    assert set(branches) == {"甲局第一党支部", "甲局第二党支部"}
    assert branches["甲局第一党支部"].percent == 50
    committees = {c.name: t.percent for c, t in response.context["committees"]}
    assert committees == {"甲局党委": 40}
    assert "乙局" not in response.content.decode()


def test_staff_sees_the_league_and_a_secretary_only_the_branch(
    client, staff, secretary, league, root
):
    client.force_login(staff)
    summary = client.get(reverse("training:progress-overview")).context["summary"]
    assert (summary.members, summary.met) == (6, 3)
    client.force_login(secretary)
    response = client.get(reverse("training:progress-overview"))
    assert (response.context["summary"].members, response.context["summary"].met) == (4, 2)
    assert [b.name for b, _ in response.context["branches"]] == ["甲局第一党支部"]


def test_naming_an_organisation_outside_the_scope_is_404(client, secretary, branch_a2, league):
    client.force_login(secretary)
    for name in ("progress-overview", "progress-behind", "xuexiscore-ranking"):
        url = reverse(f"training:{name}")
        assert client.get(url, {"organization": branch_a2.pk}).status_code == 404
        assert client.get(url, {"organization": "abc"}).status_code == 404


def test_branch_page_shows_each_members_hours_and_rule(client, secretary, branch_a, league):
    client.force_login(secretary)
    response = client.get(reverse("training:organization-progress", args=[branch_a.pk]))
    assert response.status_code == 200
    rows = {
        m.name: (m.training_hours, m.required_hours, m.hours_short)
        for m, _ in response.context["table"]
    }
    assert rows == {
        "达标甲": (Decimal(32), 32, Decimal(0)),
        "欠学时甲": (Decimal(20), 32, Decimal(12)),
        "支委欠学时": (Decimal(40), 56, Decimal(16)),
        "支委达标": (Decimal(56), 56, Decimal(0)),
    }
    assert response.context["summary"].percent == 50


def test_branch_page_of_a_committee_leads_to_the_overview(client, staff, committee_a, league):
    client.force_login(staff)
    response = client.get(reverse("training:organization-progress", args=[committee_a.pk]))
    assert response.status_code == 302
    assert f"organization={committee_a.pk}" in response.url


def test_member_page_shows_the_year_and_each_class(client, secretary, league):
    member = league["seat_short"]
    client.force_login(secretary)
    response = client.get(reverse("training:member-progress", args=[member.pk]))
    assert response.status_code == 200
    progress = response.context["progress"]
    assert (progress.hours, progress.required, progress.short) == (Decimal(40), 56, Decimal(16))
    assert "还差16" in response.content.decode()
    previous = client.get(reverse("training:member-progress", args=[member.pk]), {"year": YEAR - 1})
    assert previous.context["progress"].hours == 0


def test_behind_list_orders_by_shortfall(client, staff, league):
    client.force_login(staff)
    response = client.get(reverse("training:progress-behind"))
    rows = [(m.name, m.hours_short) for m in response.context["page"]]
    assert rows == [("零学时", Decimal(32)), ("支委欠学时", Decimal(16)), ("欠学时甲", Decimal(12))]


def test_met_list_holds_exactly_the_members_counted_and_states_the_judged(client, staff, league):
    client.force_login(staff)
    response = client.get(reverse("training:progress-met"))
    summary = client.get(reverse("training:progress-overview")).context["summary"]
    assert response.context["page"].paginator.count == summary.met == 3
    assert response.context["judged"] == summary.members == 6
    assert {m.hours_short for m in response.context["page"]} == {Decimal(0)}
    text = response.content.decode()
    assert 'data-testid="list-total" data-total="3"' in text
    assert 'data-testid="list-denominator" data-total="6"' in text


@pytest.mark.parametrize("raw", ["²", "²²²²", "2026-13-01", "2026-02-30", "x" * 10, "1999-01-01"])
def test_bad_year_and_until_are_ignored(client, staff, league, raw):
    client.force_login(staff)
    for name in ("progress-met", "progress-behind", "progress-overview"):
        response = client.get(reverse(f"training:{name}"), {"year": raw, "until": raw})
        assert response.status_code == 200


def test_until_counts_only_classes_started_by_then(client, staff, league):
    client.force_login(staff)
    response = client.get(
        reverse("training:progress-met"), {"year": YEAR, "until": f"{YEAR}-01-01"}
    )
    assert response.context["until"] == datetime.date(YEAR, 1, 1)
    # The fixture's classes start later in the year: nothing is earned by 1 January.
    assert response.context["page"].paginator.count == 0


def test_component_completion_follows_the_scheme(client, secretary, branch_a, league):
    scheme = TrainingScheme.objects.get(year=YEAR)
    theory = scheme.components.get(order=1)  # 2 days: 16 学时
    hands_on = scheme.components.get(order=4)  # N sessions: complete after one
    attend(league["plain_met"], 16, component=theory)
    attend(league["plain_short"], 8, component=theory)
    attend(league["plain_short"], 2, component=hands_on)
    targets = stats.scheme_components(YEAR)
    assert [t.target for t in targets[:3]] == [Decimal(16), Decimal(8), Decimal(10)]
    from branches.models import Member

    rates = stats.component_rates(YEAR, Member.objects.filter(organization=branch_a), targets)
    assert (rates[theory.pk].members, rates[theory.pk].met) == (4, 1)
    assert (rates[hands_on.pk].members, rates[hands_on.pk].met) == (4, 1)
    client.force_login(secretary)
    cells = dict(
        (m.name, c)
        for m, c in client.get(
            reverse("training:organization-progress", args=[branch_a.pk])
        ).context["table"]
    )
    assert cells["达标甲"][0]["complete"] and not cells["欠学时甲"][0]["complete"]
    assert cells["欠学时甲"][3]["complete"]


def test_committee_only_component_applies_to_committee_members(league, branch_a):
    scheme = TrainingScheme.objects.get(year=YEAR)
    special = SchemeComponent.objects.create(
        scheme=scheme, order=9, quantity=1, unit="class", course_form="theory", audience="committee"
    )
    attend(league["seat_met"], 4, component=special)
    from branches.models import Member

    targets = [t for t in stats.scheme_components(YEAR) if t.component.pk == special.pk]
    rates = stats.component_rates(YEAR, Member.objects.filter(organization=branch_a), targets)
    assert (rates[special.pk].members, rates[special.pk].met) == (2, 1)


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        # session, user, tallies, committees, branches (count + page), scheme, components,
        # counting, component flags, component attendance, the root for the page header
        ("progress-overview", 12),
        # session, user, scope, members judged (the stated denominator), count, page
        ("progress-behind", 6),
        ("progress-met", 6),
        # session, user, branch, members, scheme, components, counting, component attendance
        ("branch", 9),
        # session, user, member, progress, scheme, components, counting, component
        # attendance, enrolments, 学习强国 scores
        ("member", 11),
    ],
)
def test_progress_pages_run_a_fixed_number_of_queries(
    client, staff, branch_a, branch_a2, django_assert_max_num_queries, name, limit
):
    scheme = TrainingScheme.objects.get(year=YEAR)
    component = scheme.components.get(order=1)
    client.force_login(staff)
    member = None
    for index in range(30):
        member = MemberFactory(organization=branch_a if index % 2 else branch_a2)
        attend(member, index, component=component if index % 3 else None)
        if index % 5 == 0:
            seat(member)
    url = {
        "branch": reverse("training:organization-progress", args=[branch_a.pk]),
        "member": reverse("training:member-progress", args=[member.pk]),
    }.get(name) or reverse(f"training:{name}")
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
