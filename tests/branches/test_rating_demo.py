"""The demo ratings reproduce the seed report's 2023 figures exactly, and seeding twice
creates nothing the second time."""

import datetime
from decimal import Decimal

import pytest

from alxa_dangjian.accounts.demo import seed_users
from alxa_dangjian.accounts.models import User
from branches import rating_stats
from branches.demo import seed_organizations
from branches.demo_ratings import seed_ratings
from branches.models import Organization, RatingRound, RatingTitle, Scope, SupervisionNote

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
    assert not RatingTitle.objects.filter(organization__name="盟公安局治安管理支队党支部").exists()


def test_seeding_twice_creates_nothing(demo, django_assert_max_num_queries):
    assert demo == {"rounds": 7, "titles": 113 + 4 + 9 + 2 * 3 + 2 + 12, "notes": 9}
    before = RatingTitle.objects.count()
    with django_assert_max_num_queries(20):
        again = seed_ratings(today=TODAY)
    assert again == {"rounds": 0, "titles": 0, "notes": 0}
    assert RatingTitle.objects.count() == before
