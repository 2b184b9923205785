"""最强党支部 statistics (branches/rating_stats.py and its pages) against a small league
whose figures are computed by hand below, the 评星定级 indicator, and query-count guards.

root 机关工委
 ├─ committee_a 党委 (基层党委) ─ branch_a, branch_a2, temporary (临时党支部), closed (撤销)
 ├─ committee_b 党委 (基层党委) ─ branch_b (国有企业)
 ├─ organ 机关党委 (盟直机关) ─ organ1, organ2
 └─ direct 党支部 (工委直属, 盟直机关)

Counted branches: branch_a, branch_a2, branch_b, organ1, organ2, direct = 6.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.indicators import get as get_indicator
from branches import rating_stats
from branches.models import Level, Organization, Scope
from tests.branches.rating_factories import make_round, make_title
from tests.factories import OrganizationFactory

T = Organization.Type


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b):
    organ = OrganizationFactory(name="丙局机关党委", type=T.ORGAN_COMMITTEE, parent=root)
    organ1 = OrganizationFactory(name="丙局第一党支部", parent=organ)
    organ2 = OrganizationFactory(name="丙局第二党支部", parent=organ)
    direct = OrganizationFactory(name="丁局党支部", parent=root)
    temporary = OrganizationFactory(
        name="甲局临时党支部", type=T.TEMPORARY_BRANCH, parent=committee_a
    )
    closed = OrganizationFactory(name="甲局已撤销党支部", parent=committee_a, is_active=False)
    strongest, point, base = Level.STRONGEST, Level.MODEL_POINT, Level.MODEL_BASE
    make_title(branch_a, year=2024)
    make_title(branch_a, level=point, year=2025)
    # Counts at the end of 2024, not at the end of 2025 (withdrawn in October 2025).
    make_title(
        branch_a2,
        year=2024,
        withdrawn_on=datetime.date(2025, 10, 1),
        withdrawal_reason="复核不达标",
    )
    make_title(organ1, year=2025)
    make_title(direct, year=2023)
    make_title(direct, level=point, year=2024)
    make_title(direct, level=base, year=2025)
    # Never counted: a temporary branch and a dissolved one.
    make_title(temporary, year=2025)
    make_title(closed, year=2025)
    make_title(branch_b, scope=Scope.LEAGUE, year=2025)
    make_title(
        branch_b,
        level=strongest,
        year=2020,
        withdrawn_on=datetime.date(2021, 1, 1),
        withdrawal_reason="摘牌",
    )
    make_round("naming", year=2025, target_share=Decimal("60.00"))
    return {
        "organ": organ,
        "organ1": organ1,
        "organ2": organ2,
        "direct": direct,
        "temporary": temporary,
    }


def test_share_and_levels_at_the_end_of_2025(league, staff):
    stats = rating_stats.statistics(staff, 2025)
    organ, other = stats.total.tallies[Scope.ORGAN], stats.total.tallies[Scope.LEAGUE]
    assert stats.total.branches == 6
    # branch_a (示范点), organ1 (最强), direct (示范基地); branch_a2's title was withdrawn.
    assert (organ.titled, organ.by_top) == (3, {1: 1, 2: 1, 3: 1})
    assert stats.total.share(Scope.ORGAN) == Decimal("50.00")
    assert (other.titled, stats.total.share(Scope.LEAGUE)) == (1, Decimal("16.67"))
    row = stats.scope_rows()[0]
    assert (row["scope"], row["target"]) == (Scope.ORGAN, Decimal("60.00"))


def test_grassroots_committees_and_organ_level(league, staff):
    stats = rating_stats.statistics(staff, 2025)
    kinds = {g.key: (g.branches, g.tallies[Scope.ORGAN].titled) for g in stats.kinds}
    assert kinds == {"grassroots": (3, 1), "organ": (3, 2)}
    committees = [
        (g.label, g.kind, g.branches, g.tallies[Scope.ORGAN].titled) for g in stats.committees
    ]
    assert committees == [
        ("甲局党委", "grassroots", 2, 1),
        ("乙局党委", "grassroots", 1, 0),
        ("丙局机关党委", "organ", 2, 1),
        ("工委直属党支部", "organ", 1, 1),
    ]


def test_categories(league, staff):
    stats = rating_stats.statistics(staff, 2025)
    categories = {
        g.key: (g.branches, g.tallies[Scope.ORGAN].titled, g.tallies[Scope.LEAGUE].titled)
        for g in stats.categories
    }
    assert categories == {"party_mass": (5, 3, 0), "state_owned": (1, 0, 1)}


def test_year_over_year(league, staff):
    rows = {row["year"]: row["scopes"][0] for row in rating_stats.year_over_year(staff, 2025)}
    assert sorted(rows) == [2020, 2023, 2024, 2025]
    held = {year: (row["held"], row["new"], row["share"]) for year, row in rows.items()}
    assert held == {
        2020: (1, 1, Decimal("16.67")),  # branch_b, withdrawn on 1 January 2021
        2023: (1, 1, Decimal("16.67")),  # direct
        2024: (3, 3, Decimal("50.00")),  # direct, branch_a, branch_a2
        2025: (3, 3, Decimal("50.00")),  # direct, branch_a, organ1 (branch_a2 withdrawn)
    }


def test_a_committee_admin_counts_their_subtree_only(league, committee_admin):
    stats = rating_stats.statistics(committee_admin, 2025)
    assert stats.total.branches == 2
    assert stats.total.tallies[Scope.ORGAN].titled == 1
    assert [g.label for g in stats.committees] == ["甲局党委"]


def test_every_number_links_to_the_branches_behind_it(client, league, staff):
    client.force_login(staff)
    response = client.get(reverse("branches:ratingtitle-stats"), {"year": 2025})
    assert response.status_code == 200
    stats = response.context["stats"]
    cases = [
        (stats.total.links["organ"]["any"], {"甲局第一党支部", "丙局第一党支部", "丁局党支部"}),
        (stats.total.links["organ"]["model_point"], {"甲局第一党支部"}),
        (stats.total.links["organ"]["model_base"], {"丁局党支部"}),
        (stats.total.links["league"]["any"], {"乙局机密党支部"}),
        (stats.kinds[0].links["organ"]["any"], {"甲局第一党支部"}),
        (stats.committees[2].links["organ"]["any"], {"丙局第一党支部"}),
        (stats.committees[3].links["all"], {"丁局党支部"}),
    ]
    for url, names in cases:
        page = client.get(url)
        assert {row["branch"].name for row in page.context["rows"]} == names, url
    everyone = client.get(stats.total.links["all"])
    assert everyone.context["page"].paginator.count == 6
    assert "甲局临时党支部" not in everyone.content.decode()


def test_the_list_shows_each_branchs_active_titles(client, league, staff):
    client.force_login(staff)
    url = reverse("branches:ratingtitle-holders")
    response = client.get(url, {"year": 2025, "under": league["direct"].pk, "top": "all"})
    (row,) = response.context["rows"]
    assert row["level"] == "示范基地"
    # Newest first: 示范基地 2025, 示范点 2024, 最强党支部 2023.
    assert [t.year for t in row["titles"]] == [2025, 2024, 2023]
    assert [t.level for t in row["titles"]] == [
        Level.MODEL_BASE,
        Level.MODEL_POINT,
        Level.STRONGEST,
    ]


def test_narrowing_to_another_subtree_is_a_404(
    client, league, outsider, branch_a, secretary, committee_a
):
    client.force_login(outsider)
    url = reverse("branches:ratingtitle-holders")
    assert client.get(url, {"under": branch_a.pk}).status_code == 404
    assert client.get(url, {"under": 987654}).status_code == 404
    assert client.get(url, {"under": "x"}).status_code == 404
    # A secretary may narrow to their own 党委 and then sees only their branch.
    client.force_login(secretary)
    response = client.get(url, {"under": committee_a.pk, "top": "all", "year": 2025})
    assert [row["branch"] for row in response.context["rows"]] == [branch_a]


def test_bad_parameters_fall_back_to_defaults(client, league, staff):
    client.force_login(staff)
    response = client.get(
        reverse("branches:ratingtitle-holders"),
        {"year": "20x5", "scope": "mars", "top": "gold", "category": "?", "kind": "z"},
    )
    assert response.status_code == 200
    assert client.get(reverse("branches:ratingtitle-stats"), {"year": "1"}).status_code == 200


def _grow(root, n):
    """n more committees of branches, each holding titles at both scopes."""
    for i in range(n):
        committee = OrganizationFactory(name=f"扩展党委{i}", type=T.COMMITTEE, parent=root)
        for j in range(3):
            branch = OrganizationFactory(name=f"扩展党委{i}第{j}党支部", parent=committee)
            make_title(branch, year=2024)
            make_title(branch, level=Level.MODEL_POINT, year=2025)
            make_title(branch, scope=Scope.LEAGUE, year=2025)


@pytest.mark.parametrize("extra", [1, 12])
def test_statistics_page_queries_do_not_grow(
    client, league, staff, root, extra, django_assert_max_num_queries
):
    _grow(root, extra)
    client.force_login(staff)
    # session, user, main grouped query, committees, rounds, trend years (2), trend totals
    with django_assert_max_num_queries(10):
        response = client.get(reverse("branches:ratingtitle-stats"), {"year": 2025})
    assert response.status_code == 200
    assert response.context["stats"].total.branches == 6 + 3 * extra


@pytest.mark.parametrize("extra", [1, 12])
def test_list_queries_do_not_grow(
    client, league, staff, root, extra, django_assert_max_num_queries
):
    _grow(root, extra)
    client.force_login(staff)
    # session, user, count, page, titles of the page
    with django_assert_max_num_queries(7):
        response = client.get(reverse("branches:ratingtitle-holders"), {"year": 2025, "top": "all"})
    assert len(response.context["rows"]) == 6 + 3 * extra


# 评星定级 ---------------------------------------------------------------------------------


def test_rating_level_indicator(
    league, committee_a, branch_a, branch_a2, django_assert_max_num_queries
):
    indicator = get_indicator("rating-level")
    organizations = [committee_a, branch_a, branch_a2, league["direct"], league["temporary"]]
    with django_assert_max_num_queries(2):
        measures = indicator.compute(2025, organizations)
    assert (measures[branch_a.pk].numerator, measures[branch_a.pk].denominator) == (2, 3)
    assert (measures[branch_a2.pk].numerator, measures[branch_a2.pk].denominator) == (0, 3)
    assert (measures[league["direct"].pk].numerator, measures[league["direct"].pk].ratio) == (3, 1)
    assert measures[league["temporary"].pk].denominator == 0
    # The 党委: branch_a 2 + branch_a2 0 points of 2 × 3.
    assert (measures[committee_a.pk].numerator, measures[committee_a.pk].denominator) == (2, 6)
    assert indicator.drilldown(branch_a, 2025).startswith(reverse("branches:ratingtitle-holders"))


def test_rating_level_for_a_year_before_the_titles(league, branch_a):
    measures = get_indicator("rating-level").compute(2023, [branch_a])
    assert measures[branch_a.pk].numerator == 0


def test_outsider_sees_nothing_of_our_subtree_on_the_statistics_page(client, league, outsider):
    client.force_login(outsider)
    body = client.get(reverse("branches:ratingtitle-stats"), {"year": 2025}).content.decode()
    assert "甲局" not in body and "丙局" not in body
    assert "乙局党委" in body
