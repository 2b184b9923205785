"""The demo ratings reproduce the seed report's 2023 figures exactly, and seeding twice
creates nothing the second time."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from alxa_dangjian.accounts.demo import seed_users
from alxa_dangjian.accounts.models import User
from branches import rating_stats
from branches.demo.organizations import seed_organizations
from branches.demo.ratings import DEMO_BRANCH, seed_ratings
from branches.models import (
    Level,
    Organization,
    RatingApplication,
    RatingRound,
    RatingTitle,
    Scope,
    SupervisionNote,
)

TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def demo(db):
    seed_organizations()
    seed_users()
    return seed_ratings(today=TODAY)


@pytest.fixture
def gongwei(demo):
    return User.objects.get(username="gongwei")


def test_2023_figures_are_those_of_the_seed_report(gongwei):
    stats = rating_stats.statistics(gongwei, 2023)
    organ, league = stats.total.tallies[Scope.ORGAN], stats.total.tallies[Scope.LEAGUE]
    kinds = {group.key: group.tallies[Scope.ORGAN].titled for group in stats.kinds}
    assert stats.total.branches == 201
    assert kinds == {rating_stats.GRASSROOTS: 37, rating_stats.ORGAN: 75}
    assert organ.titled == 112
    assert stats.total.share(Scope.ORGAN) == Decimal("55.72")
    assert (organ.by_top[2], organ.by_top[3]) == (9, 2)
    assert (league.titled, league.by_top[2], league.by_top[3]) == (15, 1, 2)
    assert stats.rounds[Scope.ORGAN].target_share == Decimal("50.00")


def test_temporary_branches_are_in_the_league_but_not_in_the_denominator(gongwei):
    temporary = Organization.objects.filter(type=Organization.Type.TEMPORARY_BRANCH)
    assert temporary.count() == 3
    assert rating_stats.counted_branches().count() == 201


def test_the_withdrawal_counts_in_2022_and_not_in_2023(gongwei):
    withdrawn = RatingTitle.objects.get(withdrawn_on__isnull=False)
    assert (withdrawn.year, withdrawn.withdrawn_on.year) == (2022, 2023)
    years = {row["year"]: row for row in rating_stats.year_over_year(gongwei, 2023)}
    assert sorted(years) == [2021, 2022, 2023]
    organ = {year: row["scopes"][0] for year, row in years.items()}
    assert organ[2023]["held"] == 112
    # 2021: a third of the 113 named; 2022: two thirds; the 2023 withdrawal is not in 2022.
    assert organ[2021]["held"] == 38
    assert organ[2022]["held"] == 38 + 38
    # Named at some level in 2023: 37 new 最强党支部, 9 new 示范点 and 2 new 示范基地.
    assert organ[2023]["new"] == 37 + 9 + 2


def test_an_open_round_this_year_covers_today(demo):
    round = RatingRound.objects.get(year=TODAY.year, scope=Scope.ORGAN)
    assert round.is_open
    assert round.apply_opens_on <= TODAY <= round.apply_closes_on
    assert SupervisionNote.objects.filter(round=round).count() == 9


def test_the_demo_secretarys_branch_holds_no_title(demo):
    assert not RatingTitle.objects.filter(organization__name=DEMO_BRANCH).exists()


def test_every_title_comes_from_a_named_application_of_its_round(demo):
    titles = RatingTitle.objects.select_related("application__round")
    assert titles.count() == 146
    for title in titles:
        application = title.application
        assert application is not None, title
        assert (
            application.round.year,
            application.round.scope,
            application.organization_id,
            application.level,
            application.status,
        ) == (title.year, title.scope, title.organization_id, title.level, "named")
    assert not RatingApplication.objects.filter(status="named", title__isnull=True).exists()
    returned = RatingApplication.objects.filter(status="returned")
    assert returned.count() == 3 * (8 + 3)
    assert not returned.filter(return_reason="").exists()
    assert not RatingApplication.objects.filter(organization__name=DEMO_BRANCH).exists()


def test_the_round_list_counts_the_applications_and_titles_of_each_round(client, gongwei):
    client.force_login(gongwei)
    response = client.get(reverse("branches:ratinground-list"))
    counts = {
        (round.year, round.scope): (round.application_count, round.named_count)
        for round in response.context["rounds"]
    }
    # 盟直机关: 38 最强 in 2021; 38 最强 + 2 示范点 in 2022; 37 最强 + 9 示范点 + 2 示范基地 in
    # 2023 (one 2022 title was later withdrawn: it was named all the same). 全盟: 2; 1 + 2;
    # 12 + 1 + 2. Each round also returned 8 (盟直机关) or 3 (全盟) applications.
    assert counts == {
        (2021, Scope.ORGAN): (46, 38),
        (2022, Scope.ORGAN): (48, 40),
        (2023, Scope.ORGAN): (56, 48),
        (2021, Scope.LEAGUE): (5, 2),
        (2022, Scope.LEAGUE): (6, 3),
        (2023, Scope.LEAGUE): (18, 15),
        (TODAY.year, Scope.ORGAN): (0, 0),
    }
    for (year, scope), (_, named) in counts.items():
        assert RatingTitle.objects.filter(year=year, scope=scope).count() == named
    levels = RatingApplication.objects.filter(round__year=2023, round__scope=Scope.ORGAN)
    assert levels.filter(status="named", level=Level.MODEL_POINT).count() == 9
    assert levels.filter(status="named", level=Level.MODEL_BASE).count() == 2


def test_a_past_application_page_shows_its_title(client, gongwei):
    title = RatingTitle.objects.filter(year=2023, level=Level.MODEL_BASE).first()
    client.force_login(gongwei)
    response = client.get(title.application.get_absolute_url())
    assert response.status_code == 200
    assert response.context["title"] == title


def test_seeding_twice_creates_nothing(demo, django_assert_max_num_queries):
    titles = 113 + 4 + 9 + 2 * 3 + 2 + 12
    assert demo == {"rounds": 7, "applications": titles + 33, "titles": titles, "notes": 9}
    before = RatingTitle.objects.count(), RatingApplication.objects.count()
    with django_assert_max_num_queries(20):
        again = seed_ratings(today=TODAY)
    assert again == {"rounds": 0, "applications": 0, "titles": 0, "notes": 0}
    assert (RatingTitle.objects.count(), RatingApplication.objects.count()) == before


def test_a_database_seeded_before_the_applications_gets_them_linked(demo):
    RatingTitle.objects.update(application=None)
    RatingApplication.objects.all().delete()
    again = seed_ratings(today=TODAY)
    assert (again["applications"], again["titles"]) == (146 + 33, 0)
    assert not RatingTitle.objects.filter(application__isnull=True).exists()
